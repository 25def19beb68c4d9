// Filesystem helpers of the runtime layer: making directory trees, deleting
// them without ever leaving the filesystem they start on, atomic writes.
#pragma once

#include <sys/types.h>

#include <string>

#include "common/result.h"

namespace berth {

// mkdir -p with `mode` for the directories it creates. true if `path` was
// created now, false if it already existed as a directory.
Result<bool> makeDirs(const std::string& path, mode_t mode = 0755);

// rm -rf that neither follows symlinks nor crosses into another mount: a
// directory on another filesystem below `path` (a mount left behind) makes it
// fail with conflict and removes nothing beneath that mount. A missing path is fine.
Status removeTree(const std::string& path);

// Writes `content` to a temporary file next to `path` and renames it over
// `path`, so readers see the old or the new content, never a part.
Status writeFileAtomic(const std::string& path, const std::string& content, mode_t mode = 0644);

// The whole file; not-found if it does not exist.
Result<std::string> readFile(const std::string& path);

}  // namespace berth
