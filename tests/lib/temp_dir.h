// A temporary directory for one test, removed with everything in it, and the
// small file helpers tests use on it. Header-only.
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

namespace berth::testlib {

namespace detail {

// Where an entry lives: its filesystem and mount. `mnt` is 0 where the kernel
// does not report mount ids (before 5.8); then only `dev` tells mounts apart.
struct Place {
  bool ok = false;
  mode_t mode = 0;
  dev_t dev = 0;
  uint64_t mnt = 0;
};

inline Place placeOf(int dirfd, const char* name) {
  struct statx stx {};
  Place p;
  if (::statx(dirfd, name, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH, STATX_BASIC_STATS | STATX_MNT_ID,
              &stx) == 0) {
    p.ok = true;
    p.mode = stx.stx_mode;
    p.dev = makedev(stx.stx_dev_major, stx.stx_dev_minor);
    p.mnt = (stx.stx_mask & STATX_MNT_ID) != 0 ? stx.stx_mnt_id : 0;
  }
  return p;
}

inline std::vector<std::string> entryNames(int dirfd) {
  std::vector<std::string> names;
  int dupfd = ::fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
  DIR* dir = dupfd < 0 ? nullptr : ::fdopendir(dupfd);
  if (dir == nullptr) {
    if (dupfd >= 0) {
      ::close(dupfd);
    }
    return names;
  }
  // The DIR* is this thread's own.
  while (struct dirent* e = ::readdir(dir)) {  // NOLINT(concurrency-mt-unsafe)
    std::string name = e->d_name;
    if (name != "." && name != "..") {
      names.push_back(std::move(name));
    }
  }
  ::closedir(dir);
  return names;
}

// Removes what `dirfd` holds, best effort. It never descends into a mount
// point (a directory on another mount than `top`): a test that failed before
// unmounting must not delete the mounted files, say a bind-mounted host
// directory; the mount point stays.
inline void removeContents(int dirfd, const Place& top) {
  for (const std::string& name : entryNames(dirfd)) {
    Place p = placeOf(dirfd, name.c_str());
    if (!p.ok) {
      continue;
    }
    if (!S_ISDIR(p.mode)) {
      (void)::unlinkat(dirfd, name.c_str(), 0);
      continue;
    }
    if (p.dev != top.dev || p.mnt != top.mnt) {
      continue;
    }
    int sub = ::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (sub >= 0) {
      removeContents(sub, top);
      ::close(sub);
    }
    (void)::unlinkat(dirfd, name.c_str(), AT_REMOVEDIR);
  }
}

}  // namespace detail

// /tmp/berth-test-XXXXXX, made at construction and removed at destruction.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = "/tmp/berth-test-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) {
      ADD_FAILURE() << "mkdtemp " << tmpl << ": " << std::generic_category().message(errno);
      return;
    }
    path_ = tmpl;
  }
  ~TempDir() {
    if (path_.empty()) {
      return;
    }
    int fd = ::open(path_.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) {
      detail::Place top = detail::placeOf(fd, "");
      if (top.ok) {
        detail::removeContents(fd, top);
      }
      ::close(fd);
    }
    (void)::rmdir(path_.c_str());
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // `rel` inside the directory. The three spellings are the ones the test
  // folders grew up with; they are the same call.
  std::string file(const std::string& rel) const { return path_ + "/" + rel; }
  std::string sub(const std::string& rel) const { return file(rel); }
  std::string operator/(const std::string& rel) const { return file(rel); }

 private:
  std::string path_;
};

// The whole file, or "" when it cannot be read.
inline std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace berth::testlib
