// RuncRuntime: OciRuntime over a runc-compatible binary (runc, or crun on a
// host it supports), run as `<runtime> --root <exec-root>/runc --log-format json …`.
// Also the helpers berth-shim shares for building runtime command lines and
// turning the runtime's stderr into one line, and the start-up check.
#pragma once

#include <chrono>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/command.h"
#include "runtime/oci_runtime.h"

namespace berth {

// {runtimePath, "--root", root, "--log-format", "json", args...}. With JSON
// logs the runtime's errors on stderr are {"level":"error","msg":…} lines.
std::vector<std::string> runtimeCommand(const std::string& runtimePath, const std::string& root,
                                        std::initializer_list<std::string> args);

// The runtime's last error message from its stderr (JSON log lines or plain
// text), on one line; "" if it printed nothing.
std::string runtimeErrorMessage(std::string_view stderrText);

// A failed runtime call as an Error: "<what>: <message>", not-found for an
// unknown container, conflict for a container in the wrong state.
Error runtimeError(std::string_view what, const CommandOutput& output);

class RuncRuntime : public OciRuntime {
 public:
  // `runtimePath`: the binary (e.g. /usr/bin/runc); `root`: its state
  // directory, <exec-root>/runc. Each call gives up after `timeout`.
  RuncRuntime(std::string runtimePath, std::string root,
              std::chrono::milliseconds timeout = std::chrono::seconds(60));

  Status kill(const std::string& id, int signal, bool all) override;
  Status remove(const std::string& id, bool force) override;
  Status pause(const std::string& id) override;
  Status resume(const std::string& id) override;
  Result<std::vector<int>> pids(const std::string& id) override;
  Result<nlohmann::json> stats(const std::string& id) override;
  Result<nlohmann::json> state(const std::string& id) override;

 private:
  // Runs the runtime with `args`; the Error names `what` on failure.
  Result<CommandOutput> call(std::string_view what, std::initializer_list<std::string> args);
  Result<nlohmann::json> callJson(std::string_view what, std::initializer_list<std::string> args);

  std::string path_;
  std::string root_;
  std::chrono::milliseconds timeout_;
};

struct RuntimeInfo {
  std::string name;     // first word of `--version`: "runc", "crun"
  std::string version;  // "1.1.5+ds1"
};

// What berthd checks at start for each configured runtime: the binary runs
// (`--version`), and it is not crun on a hybrid cgroup v1/v2 host, which
// crun refuses at container start ("cgroups in hybrid mode not supported").
// `cgroupLayout` is KernelFeatures::cgroupLayout ("v1", "v2", "hybrid").
// unavailable with a one-line reason otherwise.
Result<RuntimeInfo> checkRuntime(const std::string& path, std::string_view cgroupLayout);

}  // namespace berth
