#include "daemon/data_root.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>

#include "common/ids.h"
#include "common/strings.h"

namespace berth::daemon {

namespace {

std::string readSmallFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buf;
  buf << in.rdbuf();
  return std::string(trim(buf.str()));
}

Status writeFileAtomically(const std::string& path, const std::string& content) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << content;
    if (!out.flush()) {
      return systemError("write " + tmp, errno);
    }
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return systemError("rename " + tmp, errno);
  }
  return okStatus();
}

}  // namespace

Status makeDirs(const std::string& path, unsigned mode) {
  std::string cur;
  for (const auto& part : split(path, '/')) {
    if (part.empty()) {
      continue;
    }
    cur += "/" + part;
    if (::mkdir(cur.c_str(), 0755) != 0 && errno != EEXIST) {
      return systemError("mkdir " + cur, errno);
    }
  }
  if (::chmod(path.c_str(), mode) != 0) {
    return systemError("chmod " + path, errno);
  }
  return okStatus();
}

Result<DataRootLock> DataRootLock::acquire(const std::string& dataRoot) {
  std::string path = dataRoot + "/berthd.lock";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return systemError("open " + path, errno);
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) {
      std::string pid = readSmallFile(path);
      return conflict("another berthd (pid " + (pid.empty() ? std::string("unknown") : pid) +
                      ") is already running on data root " + dataRoot +
                      "; stop it or use a different --data-root");
    }
    return systemError("lock " + path, err);
  }
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    int err = errno;
    ::close(fd);
    return systemError("write " + path, err);
  }
  return DataRootLock(fd);
}

DataRootLock::DataRootLock(DataRootLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }

DataRootLock::~DataRootLock() {
  if (fd_ >= 0) {
    ::close(fd_);  // releases the flock
  }
}

Result<PidFile> PidFile::create(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash != std::string::npos && slash > 0) {
    BERTH_TRY(makeDirs(path.substr(0, slash), 0755));
  }
  BERTH_TRY(writeFileAtomically(path, std::to_string(::getpid()) + "\n"));
  return PidFile(path);
}

PidFile::PidFile(PidFile&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }

PidFile::~PidFile() {
  if (!path_.empty()) {
    ::unlink(path_.c_str());
  }
}

Result<std::string> loadEngineId(const std::string& dataRoot) {
  std::string path = dataRoot + "/engine-id";
  std::string id = readSmallFile(path);
  if (!id.empty()) {
    return id;
  }
  id = generateId();
  BERTH_TRY(writeFileAtomically(path, id + "\n"));
  return id;
}

}  // namespace berth::daemon
