// Running commands (optionally inside a network namespace) and finding the
// processes that belong to a test host, for tests/lib/test_host.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace berth::testing {

// What a command did. exitCode is 128+N when killed by signal N, 127 when it
// could not be started.
struct ExecResult {
  std::vector<std::string> command;
  int exitCode = -1;
  std::string out;
  std::string err;
  bool timedOut = false;

  bool ok() const { return exitCode == 0; }
  // "command: ...\nexit: N\nstdout: ...\nstderr: ..." for failure messages.
  std::string describe() const;
};

struct RunOptions {
  std::string netnsPath;         // setns into this network namespace first; empty: stay
  std::vector<std::string> env;  // "NAME=value" entries added to (or replacing in) the environment
  std::string input;             // written to the command's stdin (else /dev/null)
  std::chrono::milliseconds timeout{std::chrono::seconds(120)};  // then SIGKILL
};

// Runs argv (argv[0] looked up in PATH) to completion, capturing its output.
// Output of background processes it leaves behind is not waited for.
ExecResult runCommand(const std::vector<std::string>& argv, const RunOptions& options = {});

// The "start time" of a process (field 22 of /proc/PID/stat), or "" if gone:
// with the pid it names a process unambiguously.
std::string processStartTime(pid_t pid);

// Pids of processes whose /proc/PID/ns/net link equals netLink ("net:[N]") or
// whose ns/mnt link equals mntLink, plus all their descendants. Empty links
// match nothing; never returns the caller or pid 1.
std::vector<pid_t> namespacePids(const std::string& netLink, const std::string& mntLink);

// readlink(2) as a string, "" on error.
std::string readLinkOrEmpty(const std::string& path);

// $name if set and non-empty, else fallback.
std::string envOr(const char* name, const std::string& fallback);

}  // namespace berth::testing
