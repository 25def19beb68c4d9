#include "image/fs_util.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "common/ids.h"
#include "common/strings.h"
#include "kernel/unique_fd.h"

namespace berth::image {

Status makeDirsAll(const std::string& path, mode_t mode) {
  std::string cur;
  for (const auto& part : split(path, '/')) {
    if (part.empty()) {
      continue;
    }
    cur += "/" + part;
    if (::mkdir(cur.c_str(), mode) != 0 && errno != EEXIST) {
      return systemError("mkdir " + cur, errno);
    }
  }
  return okStatus();
}

namespace {

// Empties the directory open as `fd` (taking ownership of it), depth first,
// without following symlinks and without leaving the filesystem it is on.
Status emptyDir(int fd, const std::string& path, dev_t dev, int depth) {
  DIR* d = ::fdopendir(fd);
  if (d == nullptr) {
    int err = errno;
    ::close(fd);
    return systemError("open " + path, err);
  }
  std::vector<std::string> names;
  errno = 0;
  while (struct dirent* de = ::readdir(d)) {  // NOLINT(concurrency-mt-unsafe): one stream per call
    std::string_view n = de->d_name;
    if (n != "." && n != "..") {
      names.emplace_back(n);
    }
  }
  Status st = okStatus();
  for (const auto& name : names) {
    std::string child = path;
    child += '/';
    child += name;
    struct stat sb {};
    if (::fstatat(::dirfd(d), name.c_str(), &sb, AT_SYMLINK_NOFOLLOW) != 0) {
      continue;
    }
    if (S_ISDIR(sb.st_mode)) {
      if (sb.st_dev != dev || depth > 4096) {
        st = internal("remove " + child + ": a mount or too deep a tree");
        continue;
      }
      int sub = ::openat(::dirfd(d), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub < 0) {
        st = systemError("open " + child, errno);
        continue;
      }
      Status inner = emptyDir(sub, child, dev, depth + 1);
      if (!inner.ok()) {
        st = inner;
        continue;
      }
      if (::unlinkat(::dirfd(d), name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT) {
        st = systemError("remove " + child, errno);
      }
    } else if (::unlinkat(::dirfd(d), name.c_str(), 0) != 0 && errno != ENOENT) {
      st = systemError("remove " + child, errno);
    }
  }
  ::closedir(d);
  return st;
}

}  // namespace

Status removeTree(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    return errno == ENOENT ? okStatus() : systemError("stat " + path, errno);
  }
  if (!S_ISDIR(st.st_mode)) {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      return systemError("remove " + path, errno);
    }
    return okStatus();
  }
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    return systemError("open " + path, errno);
  }
  BERTH_TRY(emptyDir(fd, path, st.st_dev, 0));
  if (::rmdir(path.c_str()) != 0 && errno != ENOENT) {
    return systemError("remove " + path, errno);
  }
  return okStatus();
}

Result<std::vector<std::string>> dirNames(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    return systemError("open " + path, errno);
  }
  DIR* d = ::fdopendir(fd);
  if (d == nullptr) {
    int err = errno;
    ::close(fd);
    return systemError("open " + path, err);
  }
  std::vector<std::string> out;
  while (struct dirent* de = ::readdir(d)) {  // NOLINT(concurrency-mt-unsafe): one stream per call
    std::string_view n = de->d_name;
    if (n != "." && n != "..") {
      out.emplace_back(n);
    }
  }
  ::closedir(d);
  return out;
}

Status writeFileAtomic(const std::string& path, std::string_view data) {
  std::string tmp = path + ".tmp-" + generateId().substr(0, 12);
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (!fd) {
    return systemError("create " + tmp, errno);
  }
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd.get(), data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      int err = errno;
      ::unlink(tmp.c_str());
      return systemError("write " + tmp, err);
    }
    off += static_cast<size_t>(n);
  }
  if (::fsync(fd.get()) != 0 || ::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return systemError("write " + path, err);
  }
  return okStatus();
}

Result<std::string> readWholeFile(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    return systemError("open " + path, errno);
  }
  std::string out;
  char buf[65536];
  while (true) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return systemError("read " + path, errno);
    }
    if (n == 0) {
      return out;
    }
    out.append(buf, static_cast<size_t>(n));
  }
}

bool pathExists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

}  // namespace berth::image
