// The files berth-shim leaves for berthd: pid files and the exit record.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace berth {

// Writes `content` to `<dirFd>/<name>` atomically (a temporary file, then rename),
// so a reader sees the whole file or none.
Status writeFileAtomic(int dirFd, const std::string& name, std::string_view content);

// docker's exit code of a wait(2) status: the exit status, or 128 + the signal.
int exitCodeFromWaitStatus(int status);

// {"exitCode": N, "finishedAt": "<RFC3339Nano UTC>", "oomKilled": false}, plus
// "error": "..." when the process never started (an exec whose runc exec failed).
std::string formatExitJson(int exitCode, int64_t finishedAtNano, std::string_view error = {});

}  // namespace berth
