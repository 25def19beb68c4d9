#include "image/layer_unpack.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "common/strings.h"
#include "image/fs_util.h"
#include "kernel/unique_fd.h"

namespace berth::image {

namespace {

constexpr std::string_view kWhiteoutPrefix = ".wh.";
constexpr std::string_view kWhiteoutMetaPrefix = ".wh..wh.";
constexpr std::string_view kOpaqueMarker = ".wh..wh..opq";
constexpr std::string_view kOverlayXattrPrefix = "trusted.overlay.";

using Components = std::vector<std::string>;

// "./a//b/./c" → {a, b, c}; ".." anywhere is refused rather than resolved, as
// no layer written by a real tool needs it.
Result<Components> cleanPath(std::string_view name) {
  Components out;
  for (auto& part : split(name, '/')) {
    if (part.empty() || part == ".") {
      continue;
    }
    if (part == "..") {
      return invalidArgument("layer entry '" + std::string(name) + "' escapes the layer");
    }
    out.push_back(std::move(part));
  }
  return out;
}

struct Times {
  struct timespec ts[2];
};

Times entryTimes(archive_entry* e) {
  Times t{};
  t.ts[1].tv_sec = archive_entry_mtime(e);
  t.ts[1].tv_nsec = archive_entry_mtime_nsec(e);
  if (archive_entry_atime_is_set(e) != 0) {
    t.ts[0].tv_sec = archive_entry_atime(e);
    t.ts[0].tv_nsec = archive_entry_atime_nsec(e);
  } else {
    t.ts[0] = t.ts[1];
  }
  return t;
}

class Extractor {
 public:
  Extractor(std::string root, UniqueFd rootFd)
      : root_(std::move(root)), rootFd_(std::move(rootFd)) {}

  Status entry(ArchiveReader& reader, archive_entry* e);
  Status finish();
  int64_t size() const { return size_; }

 private:
  // Opens the directory comps[0..n) below the root, never following a symlink;
  // creates missing ones (0755) when `create`.
  Result<UniqueFd> openDirs(const Components& comps, size_t n, bool create);
  // Makes room for a new entry `name` in `parent`; a directory stays when `keepDir`.
  Status clearPlace(int parent, const Components& comps, bool keepDir, bool* isDir);
  Status applyXattrs(int fd, archive_entry* e, const std::string& path);
  Status whiteout(const Components& comps, archive_entry* e);
  Status writeFile(ArchiveReader& reader, int fd, archive_entry* e, const std::string& path);

  std::string pathOf(const Components& comps) const {
    return comps.empty() ? std::string("/") : "/" + join(comps, "/");
  }

  std::string root_;
  UniqueFd rootFd_;
  int64_t size_ = 0;
  std::vector<std::pair<Components, Times>> dirTimes_;
};

Result<UniqueFd> Extractor::openDirs(const Components& comps, size_t n, bool create) {
  UniqueFd cur(::dup(rootFd_.get()));
  if (!cur) {
    return systemError("dup", errno);
  }
  for (size_t i = 0; i < n; ++i) {
    const char* name = comps[i].c_str();
    int fd = ::openat(cur.get(), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT && create) {
      if (::mkdirat(cur.get(), name, 0755) != 0 && errno != EEXIST) {
        return systemError("layer: mkdir " + pathOf({comps.begin(), comps.begin() + i + 1}), errno);
      }
      fd = ::openat(cur.get(), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    }
    if (fd < 0) {
      int err = errno;
      std::string where = pathOf({comps.begin(), comps.begin() + i + 1});
      if (err == ELOOP || err == ENOTDIR) {
        return invalidArgument("layer entry " + pathOf(comps) + " passes through " + where +
                               ", which is not a directory (symlinks are not followed)");
      }
      return systemError("layer: open " + where, err);
    }
    cur.reset(fd);
  }
  return cur;
}

Status Extractor::clearPlace(int parent, const Components& comps, bool keepDir, bool* isDir) {
  const std::string& name = comps.back();
  struct stat st {};
  *isDir = false;
  if (::fstatat(parent, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    return errno == ENOENT ? okStatus() : systemError("layer: stat " + pathOf(comps), errno);
  }
  if (S_ISDIR(st.st_mode)) {
    if (keepDir) {
      *isDir = true;
      return okStatus();
    }
    // The chain to it was opened without following symlinks, so the path is ours.
    return removeTree(root_ + pathOf(comps));
  }
  if (::unlinkat(parent, name.c_str(), 0) != 0 && errno != ENOENT) {
    return systemError("layer: unlink " + pathOf(comps), errno);
  }
  return okStatus();
}

Status Extractor::applyXattrs(int fd, archive_entry* e, const std::string& path) {
  const char* name = nullptr;
  const void* value = nullptr;
  size_t size = 0;
  archive_entry_xattr_reset(e);
  while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
    // overlayfs reads trusted.overlay.* itself (opaque, redirect, metacopy):
    // an image must not be able to steer it.
    if (startsWith(name, kOverlayXattrPrefix)) {
      continue;
    }
    if (::fsetxattr(fd, name, value, size, 0) != 0 && errno != EOPNOTSUPP) {
      return systemError("layer: set xattr " + std::string(name) + " on " + path, errno);
    }
  }
  return okStatus();
}

Status Extractor::whiteout(const Components& comps, archive_entry* e) {
  const std::string& base = comps.back();
  if (base == kOpaqueMarker) {
    BERTH_ASSIGN_OR_RETURN(UniqueFd dir, openDirs(comps, comps.size() - 1, true));
    if (::fsetxattr(dir.get(), "trusted.overlay.opaque", "y", 1, 0) != 0) {
      return systemError("layer: mark " + pathOf({comps.begin(), comps.end() - 1}) + " opaque",
                         errno);
    }
    return okStatus();
  }
  if (startsWith(base, kWhiteoutMetaPrefix)) {
    return okStatus();  // aufs bookkeeping (.wh..wh.plnk and friends): nothing to keep
  }
  Components target = comps;
  target.back() = base.substr(kWhiteoutPrefix.size());
  BERTH_ASSIGN_OR_RETURN(UniqueFd parent, openDirs(target, target.size() - 1, true));
  bool isDir = false;
  BERTH_TRY(clearPlace(parent.get(), target, false, &isDir));
  const char* name = target.back().c_str();
  if (::mknodat(parent.get(), name, S_IFCHR | 0, makedev(0, 0)) != 0) {
    return systemError("layer: whiteout " + pathOf(target), errno);
  }
  if (::fchownat(parent.get(), name, archive_entry_uid(e), archive_entry_gid(e),
                 AT_SYMLINK_NOFOLLOW) != 0) {
    return systemError("layer: chown " + pathOf(target), errno);
  }
  return okStatus();
}

Status Extractor::writeFile(ArchiveReader& reader, int fd, archive_entry* e,
                            const std::string& path) {
  const void* buf = nullptr;
  size_t len = 0;
  int64_t offset = 0;
  while (true) {
    BERTH_ASSIGN_OR_RETURN(bool more, reader.readBlock(&buf, &len, &offset));
    if (!more) {
      break;
    }
    const char* p = static_cast<const char*>(buf);
    while (len > 0) {
      ssize_t n = ::pwrite(fd, p, len, offset);
      if (n < 0) {
        if (errno == EINTR) {
          continue;
        }
        return systemError("layer: write " + path, errno);
      }
      p += n;
      len -= static_cast<size_t>(n);
      offset += n;
    }
  }
  // A sparse file may end in a hole that no block covered.
  if (::ftruncate(fd, archive_entry_size(e)) != 0) {
    return systemError("layer: truncate " + path, errno);
  }
  return okStatus();
}

Status Extractor::entry(ArchiveReader& reader, archive_entry* e) {
  const char* rawName = archive_entry_pathname(e);
  if (rawName == nullptr) {
    return invalidArgument("layer entry without a name");
  }
  BERTH_ASSIGN_OR_RETURN(Components comps, cleanPath(rawName));
  mode_t type = archive_entry_filetype(e);
  mode_t perm = archive_entry_perm(e) & 07777;
  uid_t uid = static_cast<uid_t>(archive_entry_uid(e));
  gid_t gid = static_cast<gid_t>(archive_entry_gid(e));
  const char* hardlink = archive_entry_hardlink(e);

  if (comps.empty()) {
    // The layer's root: only its metadata applies.
    if (type == AE_IFDIR) {
      if (::fchown(rootFd_.get(), uid, gid) != 0 || ::fchmod(rootFd_.get(), perm) != 0) {
        return systemError("layer: set owner/mode of the root", errno);
      }
      BERTH_TRY(applyXattrs(rootFd_.get(), e, "/"));
      dirTimes_.emplace_back(comps, entryTimes(e));
    }
    return okStatus();
  }
  if (startsWith(comps.back(), kWhiteoutPrefix)) {
    return whiteout(comps, e);
  }
  std::string path = pathOf(comps);
  BERTH_ASSIGN_OR_RETURN(UniqueFd parent, openDirs(comps, comps.size() - 1, true));
  const char* name = comps.back().c_str();
  Times times = entryTimes(e);

  if (hardlink != nullptr) {
    BERTH_ASSIGN_OR_RETURN(Components target, cleanPath(hardlink));
    if (target.empty()) {
      return invalidArgument("layer entry " + path + " links to the layer's root");
    }
    BERTH_ASSIGN_OR_RETURN(UniqueFd tparent, openDirs(target, target.size() - 1, false));
    bool isDir = false;
    BERTH_TRY(clearPlace(parent.get(), comps, false, &isDir));
    if (::linkat(tparent.get(), target.back().c_str(), parent.get(), name, 0) != 0) {
      return systemError("layer: link " + path + " to " + pathOf(target), errno);
    }
    return okStatus();
  }

  bool isDir = false;
  BERTH_TRY(clearPlace(parent.get(), comps, type == AE_IFDIR, &isDir));
  switch (type) {
    case AE_IFDIR: {
      if (!isDir && ::mkdirat(parent.get(), name, 0700) != 0) {
        return systemError("layer: mkdir " + path, errno);
      }
      UniqueFd fd(::openat(parent.get(), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!fd) {
        return systemError("layer: open " + path, errno);
      }
      // chown before chmod: chown clears set-id bits.
      if (::fchown(fd.get(), uid, gid) != 0 || ::fchmod(fd.get(), perm) != 0) {
        return systemError("layer: set owner/mode of " + path, errno);
      }
      BERTH_TRY(applyXattrs(fd.get(), e, path));
      dirTimes_.emplace_back(comps, times);
      return okStatus();
    }
    case AE_IFREG: {
      UniqueFd fd(
          ::openat(parent.get(), name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
      if (!fd) {
        return systemError("layer: create " + path, errno);
      }
      BERTH_TRY(writeFile(reader, fd.get(), e, path));
      if (::fchown(fd.get(), uid, gid) != 0 || ::fchmod(fd.get(), perm) != 0) {
        return systemError("layer: set owner/mode of " + path, errno);
      }
      BERTH_TRY(applyXattrs(fd.get(), e, path));
      if (::futimens(fd.get(), times.ts) != 0) {
        return systemError("layer: set times of " + path, errno);
      }
      size_ += archive_entry_size(e);
      return okStatus();
    }
    case AE_IFLNK: {
      const char* target = archive_entry_symlink(e);
      if (target == nullptr) {
        return invalidArgument("layer entry " + path + ": symlink without a target");
      }
      // Any target is fine: a symlink is only ever read inside the container.
      if (::symlinkat(target, parent.get(), name) != 0) {
        return systemError("layer: symlink " + path, errno);
      }
      if (::fchownat(parent.get(), name, uid, gid, AT_SYMLINK_NOFOLLOW) != 0 ||
          ::utimensat(parent.get(), name, times.ts, AT_SYMLINK_NOFOLLOW) != 0) {
        return systemError("layer: set owner/times of " + path, errno);
      }
      return okStatus();
    }
    case AE_IFCHR:
    case AE_IFBLK:
    case AE_IFIFO: {
      if (::mknodat(parent.get(), name, type | perm, archive_entry_rdev(e)) != 0) {
        return systemError("layer: mknod " + path, errno);
      }
      if (::fchownat(parent.get(), name, uid, gid, AT_SYMLINK_NOFOLLOW) != 0 ||
          ::fchmodat(parent.get(), name, perm, 0) != 0 ||
          ::utimensat(parent.get(), name, times.ts, AT_SYMLINK_NOFOLLOW) != 0) {
        return systemError("layer: set owner/mode/times of " + path, errno);
      }
      return okStatus();
    }
    case AE_IFSOCK:
      return okStatus();  // sockets are not content; docker skips them too
    default:
      return invalidArgument("layer entry " + path + " has an unknown file type");
  }
}

Status Extractor::finish() {
  // Directory times last: creating their children changed them.
  for (auto it = dirTimes_.rbegin(); it != dirTimes_.rend(); ++it) {
    BERTH_ASSIGN_OR_RETURN(UniqueFd fd, openDirs(it->first, it->first.size(), false));
    if (::futimens(fd.get(), it->second.ts) != 0) {
      return systemError("layer: set times of " + pathOf(it->first), errno);
    }
  }
  return okStatus();
}

}  // namespace

Result<UnpackedLayer> unpackLayer(ByteSource& src, const std::string& dir,
                                  const HashingSource::Tee& tarCopy) {
  UniqueFd rootFd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!rootFd) {
    return systemError("open " + dir, errno);
  }
  DecompressSource inflated(src);
  BERTH_TRY(inflated.open("layer"));
  HashingSource hashed(inflated, tarCopy);
  ArchiveReader tar(hashed, ArchiveReader::Mode::kPlainTar);
  BERTH_TRY(tar.open("layer"));
  Extractor ex(dir, std::move(rootFd));
  while (true) {
    BERTH_ASSIGN_OR_RETURN(archive_entry * e, tar.next());
    if (e == nullptr) {
      break;
    }
    BERTH_TRY(ex.entry(tar, e));
  }
  BERTH_TRY(ex.finish());
  // The tar reader stops at the end-of-archive blocks; the padding after them
  // is part of the stream the diff id covers.
  BERTH_TRY(hashed.drain());
  return UnpackedLayer{hashed.digest(), ex.size(), hashed.bytes()};
}

Result<UnpackedLayer> hashLayer(ByteSource& src) {
  DecompressSource inflated(src);
  BERTH_TRY(inflated.open("layer"));
  HashingSource hashed(inflated);
  BERTH_TRY(hashed.drain());
  return UnpackedLayer{hashed.digest(), 0, hashed.bytes()};
}

}  // namespace berth::image
