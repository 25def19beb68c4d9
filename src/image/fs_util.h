// Small filesystem helpers of the image store (paths under its own root only).
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace berth::image {

// mkdir -p; existing directories are fine.
Status makeDirsAll(const std::string& path, mode_t mode);

// rm -rf without following symlinks or crossing mounts; a missing path is fine.
Status removeTree(const std::string& path);

// Writes through a temporary file and rename, so readers see all or nothing.
Status writeFileAtomic(const std::string& path, std::string_view data);

Result<std::string> readWholeFile(const std::string& path);

bool pathExists(const std::string& path);

// The names in a directory (without "." and "..").
Result<std::vector<std::string>> dirNames(const std::string& path);

}  // namespace berth::image
