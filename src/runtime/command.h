// Runs a helper program (runc, berth-shim) to completion and captures its
// output. Blocking; meant for berthd's handler pool, never its event loop.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/result.h"

namespace berth {

struct CommandOutput {
  int exitCode = 0;  // exit status, or 128+N when killed by signal N
  std::string out;   // stdout (capped at 16 MiB)
  std::string err;   // stderr (capped at 1 MiB)
};

struct CommandOptions {
  std::chrono::milliseconds timeout{std::chrono::seconds(60)};  // then SIGKILL and an error
};

// Spawns argv (argv[0] absolute, or looked up in PATH) with stdin on
// /dev/null, an empty signal mask and default signal dispositions, and waits
// for it. Output is read until the program itself exits: a daemon it leaves
// behind holding the pipes (runc run -d, berth-shim) does not keep us
// waiting. Fails only when it cannot be started or times out; a non-zero
// exit is reported in exitCode.
Result<CommandOutput> runCommand(const std::vector<std::string>& argv,
                                 const CommandOptions& options = {});

}  // namespace berth
