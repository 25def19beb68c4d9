#include "runtime/exec_shim_launcher.h"

#include <csignal>

#include "common/error.h"
#include "runtime/command.h"
#include "runtime/runc_runtime.h"

namespace berth {
namespace {

bool containsText(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

}  // namespace

ExecShimLauncher::ExecShimLauncher(std::string shimPath, std::string runtimePath,
                                   std::string runtimeRoot, std::chrono::milliseconds timeout)
    : shimPath_(std::move(shimPath)),
      runtimePath_(std::move(runtimePath)),
      runtimeRoot_(std::move(runtimeRoot)),
      timeout_(timeout) {}

std::vector<std::string> ExecShimLauncher::commandLine(const ShimStart& s) const {
  std::vector<std::string> argv = {shimPath_,    "--id",           s.id,        "--bundle",
                                   s.bundle,     "--state-dir",    s.stateDir,  "--runtime",
                                   runtimePath_, "--runtime-root", runtimeRoot_};
  if (!s.name.empty()) {
    argv.insert(argv.end(), {"--name", s.name});
  }
  if (s.terminal) {
    argv.emplace_back("--terminal");
  }
  if (s.stdinOpen) {
    argv.emplace_back("--stdin");
  }
  if (s.stdinOnce) {
    argv.emplace_back("--stdin-once");
  }
  if (!s.logDriver.empty()) {
    argv.insert(argv.end(), {"--log-driver", s.logDriver});
    for (const auto& [k, v] : s.logOpts) {
      std::string opt = k;
      opt += '=';
      opt += v;
      argv.insert(argv.end(), {"--log-opt", std::move(opt)});
    }
  }
  if (!s.logPath.empty()) {
    argv.insert(argv.end(), {"--log-path", s.logPath});
  }
  for (const auto& [k, v] : s.logAttrs) {
    std::string attr = k;
    attr += '=';
    attr += v;
    argv.insert(argv.end(), {"--log-attr", std::move(attr)});
  }
  if (!s.execId.empty()) {
    argv.insert(argv.end(), {"--exec", s.execId, "--process-json", s.processJson});
  }
  if (s.waitAttach) {
    argv.emplace_back("--wait-attach");
  }
  return argv;
}

Result<ShimProcess> ExecShimLauncher::start(const ShimStart& s) {
  if (s.id.empty() || s.bundle.empty() || s.stateDir.empty()) {
    return Unexpected(invalidArgument("shim start needs an id, a bundle and a state dir"));
  }
  if (!s.execId.empty() && s.processJson.empty()) {
    return Unexpected(invalidArgument("shim start of exec " + s.execId + " needs a process.json"));
  }
  std::string what =
      s.execId.empty() ? "start container " + s.id : "start exec " + s.execId + " in " + s.id;
  CommandOptions opts;
  opts.timeout = timeout_;
  auto out = runCommand(commandLine(s), opts);
  if (!out.ok()) {
    return Unexpected(std::move(std::move(out).error().withContext(what)));
  }
  if (out->exitCode != 0) {
    std::string line = runtimeErrorMessage(out->err);
    if (line.empty()) {
      line = "berth-shim exited with status " + std::to_string(out->exitCode);
    }
    std::string msg = what + ": " + line;
    // What docker reports as the user's mistake rather than the engine's.
    if (containsText(line, "executable file not found") ||
        containsText(line, "no such file or directory")) {
      return Unexpected(invalidArgument(msg));
    }
    return Unexpected(internal(msg));
  }
  auto pids = readShimPids(s.stateDir, s.execId);
  if (!pids.ok() && s.waitAttach && pids.error().kind() == ErrorKind::kNotFound) {
    // The shim reports success once its attach socket listens; the process
    // (and its pid file) comes with the first attach.
    if (auto shimOnly = readPidFile(s.stateDir + "/" + shimFiles(s.execId).shimPid);
        shimOnly.ok()) {
      return ShimProcess{*shimOnly, 0};
    }
  }
  if (!pids.ok()) {
    // A shim that is up but unusable (waiting for an attach that will never
    // come) must not outlive this failure.
    if (auto shimPid = readPidFile(s.stateDir + "/" + shimFiles(s.execId).shimPid); shimPid.ok()) {
      ::kill(*shimPid, SIGKILL);
    }
    return Unexpected(
        internal(what + ": berth-shim reported success but " + pids.error().message()));
  }
  return pids;
}

}  // namespace berth
