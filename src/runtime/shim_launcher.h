// ShimLauncher: starts berth-shim, the per-container (and per-exec) process
// that holds the container's stdio, runs the OCI runtime and records the exit.
// See docs/containers-design.md for the shim's command line and state dir.
#pragma once

#include <map>
#include <string>

#include "common/result.h"
#include "shim/shim_files.h"

namespace berth {

struct ShimStart {
  std::string id;        // container id
  std::string bundle;    // dir with config.json
  std::string stateDir;  // the shim's state dir (pid files, exit.json, sockets)
  std::string name;      // container name (--name), for log tags and journald; "" = none
  bool terminal = false;
  bool stdinOpen = false;
  bool stdinOnce = false;
  std::string logDriver;  // "" = no --log-driver (execs)
  std::map<std::string, std::string> logOpts;
  std::string logPath;
  std::map<std::string, std::string>
      logAttrs;             // --log-attr K=V (labels/env picked for the log driver)
  std::string execId;       // non-empty: an exec into the running container
  std::string processJson;  // the exec's process.json
  bool waitAttach = false;  // start the process only once a client attached
};

struct ShimProcess {
  int shimPid = 0;  // the detached shim (watch it with a pidfd)
  int processPid =
      0;  // the container's init, or the exec'd process; 0 with waitAttach (not started yet)
};

struct ExitStatus {
  int exitCode = 0;
  std::string finishedAt;  // RFC 3339 with nanoseconds, UTC
  bool oomKilled = false;
  std::string error;  // set when the process never started (an exec started by its first attach)
};

class ShimLauncher {
 public:
  virtual ~ShimLauncher() = default;
  // Starts a shim and returns once the process runs (or failed to). Blocks
  // for as long as `runc run -d` / `runc exec -d` takes; call it from the
  // handler pool. The error carries the shim's one-line reason.
  virtual Result<ShimProcess> start(const ShimStart& s) = 0;
};

// A pid file: one positive decimal number. not-found if it is missing,
// internal if it holds anything else.
Result<int> readPidFile(const std::string& path);

// The pids the shim wrote to `stateDir`: shim.pid and container.pid, or for
// an exec shim-<execId>.pid and exec-<execId>.pid. How berthd re-adopts a
// shim after a restart. not-found when a file is missing.
Result<ShimProcess> readShimPids(const std::string& stateDir, const std::string& execId = "");

// exit.json (or exit-<execId>.json) from `stateDir`; not-found while the
// process still runs (the shim writes it atomically, last).
Result<ExitStatus> readExitStatus(const std::string& stateDir, const std::string& execId = "");

}  // namespace berth
