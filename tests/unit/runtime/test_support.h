// Helpers for the runtime tests: temporary directories, small files, and the
// private mount namespace that privileged tests run in.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "../../lib/temp_dir.h"

namespace berth::testsupport {

// A fresh directory under /tmp, removed (without crossing mounts) when the
// object goes away.
using ::berth::testlib::TempDir;

// Writes `content` to `path`, creating parent directories.
void writeFile(const std::string& path, const std::string& content, mode_t mode = 0644);
std::string readFileOrEmpty(const std::string& path);


// Lines of /proc/self/mountinfo whose mount point is at or below `prefix`.
std::vector<std::string> mountsUnder(const std::string& prefix);

}  // namespace berth::testsupport
