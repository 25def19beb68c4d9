#include "logdriver/rotating_file.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>

namespace berth {
namespace {

Result<UniqueFd> openAppend(const std::string& path, bool truncate) {
  int flags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (truncate ? O_TRUNC : 0);
  int fd = ::open(path.c_str(), flags, 0640);
  if (fd < 0) {
    return systemError("open log file " + path, errno);
  }
  return UniqueFd(fd);
}

}  // namespace

Result<RotatingFile> RotatingFile::open(std::string path, FileLogOptions limits) {
  BERTH_ASSIGN_OR_RETURN(UniqueFd fd, openAppend(path, false));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    return systemError("stat log file " + path, errno);
  }
  return RotatingFile(std::move(path), limits, std::move(fd), st.st_size);
}

Status RotatingFile::rotate() {
  // Like dockerd: a failed rename loses old data but logging goes on.
  if (limits_.maxFile >= 2) {
    for (int i = limits_.maxFile - 1; i > 1; --i) {
      std::string to = path_ + "." + std::to_string(i);
      std::string from = path_ + "." + std::to_string(i - 1);
      (void)::rename(from.c_str(), to.c_str());
    }
    (void)::rename(path_.c_str(), (path_ + ".1").c_str());
  }
  fd_.reset();
  BERTH_ASSIGN_OR_RETURN(fd_, openAppend(path_, true));
  size_ = 0;
  return okStatus();
}

Status RotatingFile::append(std::string_view record) {
  if (limits_.maxSize > 0 && size_ >= limits_.maxSize) {
    BERTH_TRY(rotate());
  }
  size_t done = 0;
  while (done < record.size()) {
    ssize_t n = ::write(fd_.get(), record.data() + done, record.size() - done);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return systemError("write log file " + path_, errno);
    }
    done += static_cast<size_t>(n);
  }
  size_ += static_cast<int64_t>(record.size());
  return okStatus();
}

std::vector<std::string> rotatedLogFiles(const std::string& path) {
  std::vector<std::string> out;
  struct stat st {};
  for (int i = 1;; ++i) {
    std::string name = path + "." + std::to_string(i);
    if (::stat(name.c_str(), &st) != 0) {
      break;
    }
    out.insert(out.begin(), name);
  }
  if (::stat(path.c_str(), &st) == 0) {
    out.push_back(path);
  }
  return out;
}

}  // namespace berth
