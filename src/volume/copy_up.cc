#include "volume/copy_up.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

namespace berth::volume {
namespace {

// strerror, thread-safe (GNU strerror_r).
std::string errText(int err) {
  char buf[256] = {};
  return ::strerror_r(err, buf, sizeof(buf));
}

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

Error sysError(const std::string& what) {
  return internal("copy image content into volume: " + what + ": " + errText(errno));
}

// The names in a directory (without . and ..), read through a dup of `fd`.
Result<std::vector<std::string>> entries(int fd) {
  int dupFd = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (dupFd < 0) {
    return sysError("dup");
  }
  DIR* d = ::fdopendir(dupFd);
  if (d == nullptr) {
    ::close(dupFd);
    return sysError("opendir");
  }
  ::rewinddir(d);
  std::vector<std::string> out;
  while (dirent* e = ::readdir(d)) {  // NOLINT(concurrency-mt-unsafe): one stream per call
    std::string n = e->d_name;
    if (n != "." && n != "..") {
      out.push_back(n);
    }
  }
  ::closedir(d);
  return out;
}

void copyMeta(int dstDir, const std::string& name, const struct stat& st, bool isLink) {
  (void)::fchownat(dstDir, name.c_str(), st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW);
  if (!isLink) {
    (void)::fchmodat(dstDir, name.c_str(), st.st_mode & 07777, 0);
  }
  const timespec times[2] = {st.st_atim, st.st_mtim};
  (void)::utimensat(dstDir, name.c_str(), times, AT_SYMLINK_NOFOLLOW);
}

Status copyFile(int srcDir, int dstDir, const std::string& name) {
  Fd in(::openat(srcDir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (in.get() < 0) {
    return sysError("open " + name);
  }
  Fd out(::openat(dstDir, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                  0600));
  if (out.get() < 0) {
    return sysError("create " + name);
  }
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(in.get(), buf, sizeof(buf));
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return sysError("read " + name);
    }
    if (n == 0) {
      return okStatus();
    }
    ssize_t off = 0;
    while (off < n) {
      ssize_t w = ::write(out.get(), buf + off, static_cast<size_t>(n - off));
      if (w < 0 && errno != EINTR) {
        return sysError("write " + name);
      }
      off += w > 0 ? w : 0;
    }
  }
}

Status copyTree(int srcDir, int dstDir) {
  BERTH_ASSIGN_OR_RETURN(std::vector<std::string> names, entries(srcDir));
  for (const std::string& name : names) {
    struct stat st {};
    if (::fstatat(srcDir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      return sysError("stat " + name);
    }
    if (S_ISDIR(st.st_mode)) {
      if (::mkdirat(dstDir, name.c_str(), 0700) != 0) {
        return sysError("mkdir " + name);
      }
      Fd s(::openat(srcDir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      Fd d(::openat(dstDir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (s.get() < 0 || d.get() < 0) {
        return sysError("open directory " + name);
      }
      BERTH_TRY(copyTree(s.get(), d.get()));
    } else if (S_ISREG(st.st_mode)) {
      BERTH_TRY(copyFile(srcDir, dstDir, name));
    } else if (S_ISLNK(st.st_mode)) {
      std::vector<char> target(static_cast<size_t>(st.st_size) + 1 > 4096
                                   ? static_cast<size_t>(st.st_size) + 1
                                   : 4096);
      ssize_t n = ::readlinkat(srcDir, name.c_str(), target.data(), target.size() - 1);
      if (n < 0) {
        return sysError("readlink " + name);
      }
      target[static_cast<size_t>(n)] = '\0';
      if (::symlinkat(target.data(), dstDir, name.c_str()) != 0) {
        return sysError("symlink " + name);
      }
    } else if (::mknodat(dstDir, name.c_str(), st.st_mode, st.st_rdev) != 0) {
      return sysError("mknod " + name);
    }
    copyMeta(dstDir, name, st, S_ISLNK(st.st_mode));
  }
  return okStatus();
}

}  // namespace

Result<bool> copyUp(const std::string& rootfs, const std::string& destination,
                    const std::string& volumeDir) {
  Fd dst(::open(volumeDir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dst.get() < 0) {
    return sysError("open " + volumeDir);
  }
  BERTH_ASSIGN_OR_RETURN(std::vector<std::string> existing, entries(dst.get()));
  if (!existing.empty()) {
    return false;
  }
  Fd root(::open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (root.get() < 0) {
    return sysError("open " + rootfs);
  }
  open_how how{};
  how.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  std::string rel = destination;
  while (!rel.empty() && rel.front() == '/') {
    rel.erase(0, 1);
  }
  Fd src(static_cast<int>(::syscall(SYS_openat2, root.get(), rel.c_str(), &how, sizeof(how))));
  if (src.get() < 0) {
    if (errno == ENOENT || errno == ENOTDIR) {
      return false;  // nothing in the image there: runc makes the mount point
    }
    return sysError("open " + destination + " in the image");
  }
  BERTH_ASSIGN_OR_RETURN(std::vector<std::string> names, entries(src.get()));
  struct stat st {};
  if (::fstat(src.get(), &st) == 0) {
    // The volume takes the image directory's owner and mode, as in dockerd.
    (void)::fchown(dst.get(), st.st_uid, st.st_gid);
    (void)::fchmod(dst.get(), st.st_mode & 07777);
  }
  if (names.empty()) {
    return false;
  }
  BERTH_TRY(copyTree(src.get(), dst.get()));
  return true;
}

int64_t directorySize(const std::string& dir) {
  std::error_code ec;
  int64_t sum = 0;
  for (auto it = std::filesystem::recursive_directory_iterator(
           dir, std::filesystem::directory_options::none, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code sizeEc;
    if (it->is_regular_file(sizeEc) && !it->is_symlink(sizeEc)) {
      auto size = it->file_size(sizeEc);
      sum += sizeEc ? 0 : static_cast<int64_t>(size);
    }
  }
  return sum;
}

}  // namespace berth::volume
