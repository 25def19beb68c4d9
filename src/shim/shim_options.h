// berth-shim's command line (docs/containers-design.md, docs/shim.md) and the
// names of the files it keeps in its state directory.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/result.h"
#include "shim/shim_files.h"
#include "logdriver/log_options.h"

namespace berth {

struct ShimOptions {
  std::string id;           // the container id (runc's container name)
  std::string name;         // the container name, for log drivers (optional)
  std::string bundle;       // OCI bundle directory (absolute)
  std::string stateDir;     // the shim's files (absolute)
  std::string runtime = "/usr/bin/runc";
  std::string runtimeRoot;  // runc --root (absolute)
  bool terminal = false;
  bool stdinOpen = false;
  bool stdinOnce = false;
  std::string logDriver = "json-file";
  LogOptions logOpts;
  std::string logPath;
  std::map<std::string, std::string> logAttrs;  // --log-attr K=V, see logAttributes()
  std::string execId;                           // set: this shim runs an exec, not the container
  std::string processJson;
  bool waitAttach = false;

  bool isExec() const { return !execId.empty(); }
};

// Parses argv (without argv[0]). Paths must be absolute; ids must be plain
// names ([A-Za-z0-9_.-]). Unknown flags and missing required ones are errors.
Result<ShimOptions> parseShimArgs(const std::vector<std::string>& args);


// runc's argv: `run -d` for a container, `exec -d` for an exec. `consoleSocket`
// is empty without a terminal; names are relative to the state directory,
// which is runc's working directory (so long state paths fit a sun_path).
std::vector<std::string> runcArgv(const ShimOptions& opts, const ShimFiles& files,
                                  const std::string& consoleSocket);

}  // namespace berth
