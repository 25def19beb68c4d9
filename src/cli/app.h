// One run of the berth CLI: parse docker-style arguments, dispatch to the
// registered command, print errors the way the docker CLI does.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace berth::cli {

// Runs `args` (without the program name) and returns the exit status: 0, 1 for
// failures, 125 for flag errors, or what the command chose.
int runCli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace berth::cli
