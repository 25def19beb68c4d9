// `docker cp` inside a container's root filesystem: stat a path, tar it up,
// extract a tar into a directory. Every path is resolved on a dedicated thread
// that has chroot()ed into the root filesystem (after unshare(CLONE_FS), so no
// other thread is affected): symlinks and ".." cannot lead out of it.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "container/container_io.h"

namespace berth::container {

// Go's os.FileMode of a struct stat's st_mode.
uint32_t goFileMode(uint32_t stMode);

// Runs fn on a new thread whose root and working directory are `root`.
Status runInRoot(const std::string& root, const std::function<Status()>& fn);

// dockerd's container path stat: symlinks of the parents resolved, the last
// element not followed. not-found when it does not exist.
Result<PathStat> statInRoot(const std::string& root, const std::string& path);

// A tar of `path` (its base name as the top entry, like dockerd's
// TarResourceRebase), written to `write` in pieces; `write` false stops it.
Status tarInRoot(const std::string& root, const std::string& path,
                 const std::function<bool(std::string_view)>& write);

// Extracts `tar` into the existing directory `dir`. Absolute names, ".." and
// symlinks pointing out are refused by the extraction (and by the chroot).
Status untarInRoot(const std::string& root, const std::string& dir, std::string_view tar,
                   const ExtractOptions& opts);

}  // namespace berth::container
