// dockerd's copy-up: an empty volume mounted over a directory of the image is
// first filled with that directory's content (ownership, modes, links kept).
#pragma once

#include <cstdint>
#include <string>

#include "common/result.h"

namespace berth::volume {

// Copies <rootfs>/<destination> into `volumeDir` when `volumeDir` is empty and
// the source is a non-empty directory. The destination is resolved inside the
// rootfs (openat2 RESOLVE_IN_ROOT), so an image's symlink cannot point it at
// the host. Returns whether anything was copied.
Result<bool> copyUp(const std::string& rootfs, const std::string& destination,
                    const std::string& volumeDir);

// Bytes of the regular files under `dir` (prune's SpaceReclaimed).
int64_t directorySize(const std::string& dir);

}  // namespace berth::volume
