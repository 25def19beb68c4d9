// `docker top`: the container's processes in `ps -ef` columns read from /proc,
// or the output of the host's `ps` with the caller's arguments filtered to
// the container's pids (what dockerd does for ps_args).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/result.h"

namespace berth::container {

// {"Titles": ["UID","PID","PPID","C","STIME","TTY","TIME","CMD"], "Processes": [[...], ...]}
Result<nlohmann::json> procTop(const std::string& procRoot, const std::vector<int>& pids,
                               int64_t nowNano);

// dockerd's parsePSOutput: keeps the lines of `psOutput` whose PID column is
// one of `pids`; the last column takes the rest of the line.
Result<nlohmann::json> parsePsOutput(const std::string& psOutput, const std::vector<int>& pids);

}  // namespace berth::container
