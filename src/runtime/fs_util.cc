#include "runtime/fs_util.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "common/error.h"
#include "kernel/unique_fd.h"

#ifndef STATX_ATTR_MOUNT_ROOT
#define STATX_ATTR_MOUNT_ROOT 0x00002000
#endif

namespace berth {
namespace {

// True if dirfd/name is the root of a mount, including a bind mount of the
// same filesystem (which the device number alone would miss).
bool isMountRootAt(int dirfd, const char* name, dev_t parentDev) {
  struct statx stx {};
  if (::statx(dirfd, name, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &stx) != 0) {
    return false;
  }
  if ((stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) != 0 &&
      (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0) {
    return true;
  }
  return makedev(stx.stx_dev_major, stx.stx_dev_minor) != parentDev;
}

Status removeContents(int dirfd, const std::string& path, dev_t dev) {
  int dupfd = ::fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
  if (dupfd < 0) {
    return Unexpected(systemError("dup " + path, errno));
  }
  DIR* dir = ::fdopendir(dupfd);
  if (dir == nullptr) {
    int err = errno;
    ::close(dupfd);
    return Unexpected(systemError("list " + path, err));
  }
  std::vector<std::string> names;
  // readdir is safe on a DIR* that no other thread uses.
  while (struct dirent* e = ::readdir(dir)) {  // NOLINT(concurrency-mt-unsafe)
    std::string name = e->d_name;
    if (name != "." && name != "..") {
      names.push_back(std::move(name));
    }
  }
  ::closedir(dir);
  for (const auto& name : names) {
    std::string child = path;
    child += '/';
    child += name;
    struct stat st {};
    if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) {
        continue;
      }
      return Unexpected(systemError("stat " + child, errno));
    }
    if (S_ISDIR(st.st_mode)) {
      if (isMountRootAt(dirfd, name.c_str(), dev)) {
        return Unexpected(conflict(child + " is still a mount point; not removing it"));
      }
      UniqueFd sub(::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!sub) {
        return Unexpected(systemError("open " + child, errno));
      }
      BERTH_TRY(removeContents(sub.get(), child, dev));
      if (::unlinkat(dirfd, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT) {
        return Unexpected(systemError("remove " + child, errno));
      }
    } else if (::unlinkat(dirfd, name.c_str(), 0) != 0 && errno != ENOENT) {
      return Unexpected(systemError("remove " + child, errno));
    }
  }
  return okStatus();
}

}  // namespace

Result<bool> makeDirs(const std::string& path, mode_t mode) {
  if (path.empty()) {
    return Unexpected(invalidArgument("empty directory path"));
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) {
      return Unexpected(conflict(path + " exists and is not a directory"));
    }
    return false;
  }
  auto slash = path.find_last_of('/');
  if (slash != std::string::npos && slash > 0) {
    BERTH_TRY(makeDirs(path.substr(0, slash), mode));
  }
  if (::mkdir(path.c_str(), mode) != 0) {
    if (errno == EEXIST) {
      return false;
    }
    return Unexpected(systemError("create directory " + path, errno));
  }
  // mkdir's mode is filtered by the umask; set it as asked.
  if (::chmod(path.c_str(), mode) != 0) {
    return Unexpected(systemError("chmod " + path, errno));
  }
  return true;
}

Status removeTree(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) {
      return okStatus();
    }
    return Unexpected(systemError("stat " + path, errno));
  }
  if (!S_ISDIR(st.st_mode)) {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      return Unexpected(systemError("remove " + path, errno));
    }
    return okStatus();
  }
  auto slash = path.find_last_of('/');
  std::string parent = slash == std::string::npos || slash == 0 ? "/" : path.substr(0, slash);
  struct stat parentSt {};
  if (::stat(parent.c_str(), &parentSt) == 0 &&
      isMountRootAt(AT_FDCWD, path.c_str(), parentSt.st_dev)) {
    return Unexpected(conflict(path + " is still a mount point; not removing it"));
  }
  UniqueFd dir(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!dir) {
    return Unexpected(systemError("open " + path, errno));
  }
  BERTH_TRY(removeContents(dir.get(), path, st.st_dev));
  if (::rmdir(path.c_str()) != 0 && errno != ENOENT) {
    return Unexpected(systemError("remove " + path, errno));
  }
  return okStatus();
}

Status writeFileAtomic(const std::string& path, const std::string& content, mode_t mode) {
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
  if (!fd) {
    return Unexpected(systemError("create " + tmp, errno));
  }
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd.get(), content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      int err = errno;
      ::unlink(tmp.c_str());
      return Unexpected(systemError("write " + tmp, err));
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd.get()) != 0 || ::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return Unexpected(systemError("write " + path, err));
  }
  return okStatus();
}

Result<std::string> readFile(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT) {
      return Unexpected(notFound(path + " does not exist"));
    }
    return Unexpected(systemError("open " + path, errno));
  }
  std::string out;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return Unexpected(systemError("read " + path, errno));
    }
    if (n == 0) {
      return out;
    }
    out.append(buf, static_cast<size_t>(n));
  }
}

}  // namespace berth
