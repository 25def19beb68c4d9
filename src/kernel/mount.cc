#include "kernel/mount.h"

#include <fcntl.h>
#include <sched.h>
#include <spdlog/spdlog.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
#include <string_view>
#include <system_error>
#include <thread>

#include "common/error.h"
#include "kernel/unique_fd.h"

#ifndef STATX_ATTR_MOUNT_ROOT
#define STATX_ATTR_MOUNT_ROOT 0x00002000
#endif

namespace berth {
namespace {

std::string parentOf(const std::string& path) {
  auto slash = path.find_last_of('/');
  if (slash == std::string::npos || slash == 0) {
    return "/";
  }
  return path.substr(0, slash);
}

// mount(2) copies at most one page of options, NUL included.
size_t maxOptionsLength() {
  long page = ::sysconf(_SC_PAGESIZE);
  return page > 0 ? static_cast<size_t>(page) - 1 : 4095;
}

// dockerd passes index=off whenever the kernel knows the option, so that a
// lower layer shared by many containers is never tied to one upper dir.
std::string extraOverlayOptions() {
  return ::access("/sys/module/overlay/parameters/index", F_OK) == 0 ? ",index=off" : "";
}

Status validateOverlayPath(std::string_view what, const std::string& path) {
  if (path.empty() || path.front() != '/') {
    return Unexpected(invalidArgument("overlay " + std::string(what) +
                                      " must be an absolute path: \"" + path + "\""));
  }
  if (path.find_first_of(",:\\") != std::string::npos) {
    return Unexpected(
        invalidArgument("overlay " + std::string(what) + " \"" + path +
                        "\" contains one of , : \\ which overlayfs options cannot carry"));
  }
  return okStatus();
}

Status validateLayout(const OverlayMount& layout) {
  if (layout.lowerDirs.empty()) {
    return Unexpected(invalidArgument("overlay needs at least one lower directory"));
  }
  for (const auto& dir : layout.lowerDirs) {
    BERTH_TRY(validateOverlayPath("lower directory", dir));
  }
  BERTH_TRY(validateOverlayPath("upper directory", layout.upperDir));
  BERTH_TRY(validateOverlayPath("work directory", layout.workDir));
  BERTH_TRY(validateOverlayPath("mount point", layout.target));
  return okStatus();
}

std::string optionsWith(const std::vector<std::string>& lowers, const OverlayMount& layout) {
  std::string opts = "lowerdir=";
  for (size_t i = 0; i < lowers.size(); ++i) {
    if (i > 0) {
      opts += ':';
    }
    opts += lowers[i];
  }
  opts += ",upperdir=" + layout.upperDir + ",workdir=" + layout.workDir + extraOverlayOptions();
  return opts;
}

Status mountWithOptions(const OverlayMount& layout, const std::string& opts) {
  if (::mount("overlay", layout.target.c_str(), "overlay", 0, opts.c_str()) != 0) {
    return Unexpected(systemError("mount overlay at " + layout.target, errno));
  }
  return okStatus();
}

// The longest directory that contains every lower dir, e.g.
// /data/image/layers for /data/image/layers/<a>/diff and .../<b>/diff.
std::string commonParent(const std::vector<std::string>& dirs) {
  std::string common = parentOf(dirs.front());
  for (const auto& dir : dirs) {
    while (common != "/" &&
           !(dir.size() > common.size() && dir.compare(0, common.size(), common) == 0 &&
             dir[common.size()] == '/')) {
      common = parentOf(common);
    }
  }
  return common;
}

std::optional<std::string> relativeOptions(const OverlayMount& layout, std::string* parent) {
  *parent = commonParent(layout.lowerDirs);
  size_t skip = *parent == "/" ? 1 : parent->size() + 1;
  std::vector<std::string> rel;
  rel.reserve(layout.lowerDirs.size());
  for (const auto& dir : layout.lowerDirs) {
    rel.push_back(dir.substr(skip));
  }
  std::string opts = optionsWith(rel, layout);
  if (opts.size() > maxOptionsLength()) {
    return std::nullopt;
  }
  return opts;
}

// chdir() is per process, so the relative mount runs on a thread that first
// gives itself a private cwd with unshare(CLONE_FS); no other thread sees it.
Status mountRelative(const OverlayMount& layout, const std::string& parent,
                     const std::string& opts) {
  std::optional<Status> result;
  try {
    std::thread worker([&] {
      if (::unshare(CLONE_FS) != 0) {
        result.emplace(Unexpected(systemError("unshare(CLONE_FS) for an overlay mount", errno)));
        return;
      }
      if (::chdir(parent.c_str()) != 0) {
        result.emplace(Unexpected(systemError("chdir " + parent, errno)));
        return;
      }
      result.emplace(mountWithOptions(layout, opts));
    });
    worker.join();
  } catch (const std::system_error& e) {
    return Unexpected(internal(std::string("start overlay mount thread: ") + e.what()));
  }
  return std::move(*result);
}

// The kernel's own words about a failed fsconfig, e.g. "overlay: failed to
// resolve 'x': -2", read from the fs context; falls back to strerror.
Error fsContextError(int fsFd, const std::string& what, int err) {
  char buf[512];
  std::string detail;
  for (;;) {
    ssize_t n = ::read(fsFd, buf, sizeof(buf) - 1);
    if (n <= 0) {
      break;
    }
    buf[n] = '\0';
    std::string_view line(buf, static_cast<size_t>(n));
    if (line.size() > 2 && line[1] == ' ') {
      line.remove_prefix(2);  // "e " / "w " / "i " severity prefix
    }
    detail = std::string(line);
  }
  if (detail.empty()) {
    return systemError(what, err);
  }
  return internal(what + ": " + detail);
}

Status mountNewApi(const OverlayMount& layout) {
  UniqueFd fs(::fsopen("overlay", FSOPEN_CLOEXEC));
  if (!fs) {
    return Unexpected(systemError("fsopen overlay", errno));
  }
  auto set = [&fs](const char* key, const std::string& value) -> Status {
    if (::fsconfig(fs.get(), FSCONFIG_SET_STRING, key, value.c_str(), 0) != 0) {
      int err = errno;
      if (std::string_view(key) == "lowerdir+" && err == EINVAL) {
        return Unexpected(
            unavailable("overlayfs of this kernel does not take lowerdir+ (needs Linux 6.8): too "
                        "many image layers "
                        "for one mount"));
      }
      return Unexpected(
          fsContextError(fs.get(), std::string("overlay option ") + key + "=" + value, err));
    }
    return okStatus();
  };
  for (const auto& dir : layout.lowerDirs) {
    BERTH_TRY(set("lowerdir+", dir));
  }
  BERTH_TRY(set("upperdir", layout.upperDir));
  BERTH_TRY(set("workdir", layout.workDir));
  if (!extraOverlayOptions().empty()) {
    BERTH_TRY(set("index", "off"));
  }
  if (::fsconfig(fs.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) != 0) {
    return Unexpected(fsContextError(fs.get(), "create overlay for " + layout.target, errno));
  }
  UniqueFd mnt(::fsmount(fs.get(), FSMOUNT_CLOEXEC, 0));
  if (!mnt) {
    return Unexpected(systemError("fsmount overlay for " + layout.target, errno));
  }
  if (::move_mount(mnt.get(), "", AT_FDCWD, layout.target.c_str(), MOVE_MOUNT_F_EMPTY_PATH) != 0) {
    return Unexpected(systemError("attach overlay at " + layout.target, errno));
  }
  return okStatus();
}

}  // namespace

Result<bool> isMountPoint(const std::string& path) {
  struct statx stx {};
  if (::statx(AT_FDCWD, path.c_str(), AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &stx) != 0) {
    int err = errno;
    if (err == ENOENT) {
      return Unexpected(notFound(path + " does not exist"));
    }
    return Unexpected(systemError("stat " + path, err));
  }
  if ((stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) != 0) {
    return (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0;
  }
  // Older kernels: a different device than the parent's means a mount root
  // (misses a bind mount from the same filesystem).
  struct stat self {};
  struct stat parent {};
  if (::lstat(path.c_str(), &self) != 0 || ::stat(parentOf(path).c_str(), &parent) != 0) {
    return Unexpected(systemError("stat " + path, errno));
  }
  return self.st_dev != parent.st_dev || path == "/";
}

Status bindMount(const std::string& source, const std::string& target,
                 const BindMountOptions& options) {
  unsigned long flags = MS_BIND | (options.recursive ? MS_REC : 0);
  if (::mount(source.c_str(), target.c_str(), nullptr, flags, nullptr) != 0) {
    return Unexpected(systemError("bind mount " + source + " on " + target, errno));
  }
  if (options.readOnly) {
    // A bind mount ignores MS_RDONLY on creation; it takes a remount.
    if (::mount(nullptr, target.c_str(), nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY, nullptr) != 0) {
      int err = errno;
      ::umount2(target.c_str(), MNT_DETACH);
      return Unexpected(systemError("make bind mount " + target + " read-only", err));
    }
  }
  return okStatus();
}

Status unmountOrDetach(const std::string& target) {
  if (::umount2(target.c_str(), UMOUNT_NOFOLLOW) == 0) {
    return okStatus();
  }
  int err = errno;
  if (err == EINVAL || err == ENOENT) {
    return okStatus();  // not a mount point (any more), or gone
  }
  if (err == EBUSY) {
    if (::umount2(target.c_str(), MNT_DETACH | UMOUNT_NOFOLLOW) == 0) {
      spdlog::debug("{} was busy; detached it lazily", target);
      return okStatus();
    }
    err = errno;
  }
  return Unexpected(systemError("unmount " + target, err));
}

Status mountOverlay(const OverlayMount& layout, OverlayMountMethod method) {
  BERTH_TRY(validateLayout(layout));
  std::string absolute = optionsWith(layout.lowerDirs, layout);
  bool absoluteFits = absolute.size() <= maxOptionsLength();
  std::string parent;
  switch (method) {
    case OverlayMountMethod::kAbsolutePaths:
      if (!absoluteFits) {
        return Unexpected(invalidArgument("overlay options for " + layout.target + " are " +
                                          std::to_string(absolute.size()) +
                                          " bytes, over mount(2)'s page"));
      }
      return mountWithOptions(layout, absolute);
    case OverlayMountMethod::kRelativePaths: {
      auto rel = relativeOptions(layout, &parent);
      if (!rel) {
        return Unexpected(invalidArgument("overlay options for " + layout.target +
                                          " do not fit mount(2)'s page even with relative paths"));
      }
      return mountRelative(layout, parent, *rel);
    }
    case OverlayMountMethod::kNewMountApi:
      return mountNewApi(layout);
    case OverlayMountMethod::kAuto:
      break;
  }
  if (absoluteFits) {
    return mountWithOptions(layout, absolute);
  }
  if (auto rel = relativeOptions(layout, &parent)) {
    return mountRelative(layout, parent, *rel);
  }
  return mountNewApi(layout);
}

MountGuard& MountGuard::operator=(MountGuard&& other) noexcept {
  if (this != &other) {
    reset();
    target_ = std::move(other.target_);
    other.target_.clear();
  }
  return *this;
}

void MountGuard::reset() {
  if (target_.empty()) {
    return;
  }
  Status st = unmountOrDetach(target_);
  if (!st.ok()) {
    spdlog::warn("{}", st.error().message());
  }
  target_.clear();
}

}  // namespace berth
