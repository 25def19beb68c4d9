// Mount helpers: bind and overlay mounts, unmounting, and a guard that
// unmounts what it was handed unless the owner keeps the mount.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"

namespace berth {

// True when `path` is the root of a mount (also for a bind mount of a
// directory of the same filesystem). Not-found if `path` does not exist.
Result<bool> isMountPoint(const std::string& path);

struct BindMountOptions {
  bool readOnly = false;
  bool recursive = false;  // MS_REC: also the mounts below `source`
};

// Bind-mounts `source` onto `target` (both must exist), remounting read-only
// when asked. On failure nothing stays mounted.
Status bindMount(const std::string& source, const std::string& target,
                 const BindMountOptions& options = {});

// Unmounts `target`; if it is busy, detaches it lazily (MNT_DETACH) so that it
// disappears once its last user is gone. A path that is not mounted (or does
// not exist) is fine. Symlinks are not followed.
Status unmountOrDetach(const std::string& target);

struct OverlayMount {
  std::vector<std::string> lowerDirs;  // top first, as overlayfs lists them; at least one
  std::string upperDir;
  std::string workDir;  // same filesystem as upperDir, empty
  std::string target;
};

// How the overlay's options reach the kernel. mount(2) takes them in one page
// (4095 bytes), which a long lowerdir= list of absolute paths overflows.
enum class OverlayMountMethod {
  kAuto,           // the first of the three below that fits
  kAbsolutePaths,  // mount(2) with absolute paths
  kRelativePaths,  // mount(2) from a thread chdir'd to the lower dirs' common parent (dockerd's
                   // trick)
  kNewMountApi,  // fsopen/fsconfig "lowerdir+" one layer at a time (Linux >= 6.8), no length limit
};

// Mounts an overlay filesystem at layout.target. Paths must be absolute and
// free of ',', ':' and '\\' (overlayfs option separators). invalid-argument
// for a bad layout, unavailable when no method fits.
Status mountOverlay(const OverlayMount& layout,
                    OverlayMountMethod method = OverlayMountMethod::kAuto);

// Unmounts (or detaches) its target when destroyed, unless release()d.
class MountGuard {
 public:
  MountGuard() = default;
  explicit MountGuard(std::string target) : target_(std::move(target)) {}
  ~MountGuard() { reset(); }
  MountGuard(const MountGuard&) = delete;
  MountGuard& operator=(const MountGuard&) = delete;
  MountGuard(MountGuard&& other) noexcept : target_(std::move(other.target_)) {
    other.target_.clear();
  }
  MountGuard& operator=(MountGuard&& other) noexcept;

  // Keeps the mount; the guard no longer owns it.
  void release() { target_.clear(); }
  // Unmounts now (errors are logged) and owns nothing afterwards.
  void reset();
  const std::string& target() const { return target_; }

 private:
  std::string target_;
};

}  // namespace berth
