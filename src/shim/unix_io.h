// Small socket and fd helpers for berth-shim.
#pragma once

#include <string>

#include "common/result.h"
#include "kernel/unique_fd.h"

namespace berth {

// A listening unix stream socket bound at `name` relative to the working
// directory (the shim works inside its state directory, so a long state path
// never meets sun_path's 108-byte limit). A stale socket file is replaced.
Result<UniqueFd> listenUnix(const std::string& name);

// Receives one file descriptor sent with SCM_RIGHTS on `sock` (runc's console socket).
Result<UniqueFd> receiveFd(int sock);

Status setNonBlocking(int fd);

// Reads a small text file relative to `dirFd` (pid files).
Result<std::string> readSmallFile(int dirFd, const std::string& name);

}  // namespace berth
