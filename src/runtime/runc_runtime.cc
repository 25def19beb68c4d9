#include "runtime/runc_runtime.h"

#include "common/error.h"
#include "common/strings.h"

namespace berth {
namespace {

bool containsText(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

}  // namespace

std::vector<std::string> runtimeCommand(const std::string& runtimePath, const std::string& root,
                                        std::initializer_list<std::string> args) {
  std::vector<std::string> argv = {runtimePath, "--root", root, "--log-format", "json"};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

std::string runtimeErrorMessage(std::string_view stderrText) {
  std::string lastError;
  std::string lastLine;
  for (const auto& raw : split(stderrText, '\n')) {
    std::string_view line = trim(raw);
    if (line.empty()) {
      continue;
    }
    lastLine = std::string(line);
    if (line.front() != '{') {
      continue;
    }
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("msg") || !j["msg"].is_string()) {
      continue;
    }
    std::string level = j.value("level", "");
    if (level == "error" || level == "fatal" || level == "panic") {
      lastError = j["msg"].get<std::string>();
    }
  }
  std::string msg = lastError.empty() ? lastLine : lastError;
  for (char& c : msg) {
    if (c == '\n' || c == '\r') {
      c = ' ';
    }
  }
  return msg;
}

Error runtimeError(std::string_view what, const CommandOutput& output) {
  std::string msg = runtimeErrorMessage(output.err);
  if (msg.empty()) {
    msg = "exit status " + std::to_string(output.exitCode);
  }
  std::string full = std::string(what) + ": " + msg;
  if (containsText(msg, "does not exist")) {
    return notFound(full);
  }
  if (containsText(msg, "not running") || containsText(msg, "not paused") ||
      containsText(msg, "is paused") || containsText(msg, "not stopped") ||
      containsText(msg, "already")) {
    return conflict(full);
  }
  return internal(full);
}

RuncRuntime::RuncRuntime(std::string runtimePath, std::string root,
                         std::chrono::milliseconds timeout)
    : path_(std::move(runtimePath)), root_(std::move(root)), timeout_(timeout) {}

Result<CommandOutput> RuncRuntime::call(std::string_view what,
                                        std::initializer_list<std::string> args) {
  CommandOptions opts;
  opts.timeout = timeout_;
  BERTH_ASSIGN_OR_RETURN(CommandOutput out, runCommand(runtimeCommand(path_, root_, args), opts));
  if (out.exitCode != 0) {
    return Unexpected(runtimeError(what, out));
  }
  return out;
}

Result<nlohmann::json> RuncRuntime::callJson(std::string_view what,
                                             std::initializer_list<std::string> args) {
  BERTH_ASSIGN_OR_RETURN(CommandOutput out, call(what, args));
  auto j = nlohmann::json::parse(out.out, nullptr, false);
  if (j.is_discarded()) {
    return Unexpected(internal(std::string(what) + ": the runtime printed no JSON: " +
                               std::string(trim(out.out.substr(0, 200)))));
  }
  return j;
}

Status RuncRuntime::kill(const std::string& id, int signal, bool all) {
  std::string sig = std::to_string(signal);
  if (all) {
    BERTH_TRY(call("kill container " + id, {"kill", "--all", id, sig}));
  } else {
    BERTH_TRY(call("kill container " + id, {"kill", id, sig}));
  }
  return okStatus();
}

Status RuncRuntime::remove(const std::string& id, bool force) {
  if (force) {
    BERTH_TRY(call("delete container " + id, {"delete", "--force", id}));
  } else {
    BERTH_TRY(call("delete container " + id, {"delete", id}));
  }
  return okStatus();
}

Status RuncRuntime::pause(const std::string& id) {
  BERTH_TRY(call("pause container " + id, {"pause", id}));
  return okStatus();
}

Status RuncRuntime::resume(const std::string& id) {
  BERTH_TRY(call("resume container " + id, {"resume", id}));
  return okStatus();
}

Result<std::vector<int>> RuncRuntime::pids(const std::string& id) {
  BERTH_ASSIGN_OR_RETURN(nlohmann::json j, callJson("list processes of container " + id,
                                                    {"ps", "--format", "json", id}));
  std::vector<int> out;
  if (j.is_null()) {
    return out;  // runc prints null for an empty list
  }
  if (!j.is_array()) {
    return Unexpected(
        internal("list processes of container " + id + ": unexpected output " + j.dump()));
  }
  for (const auto& p : j) {
    if (p.is_number_integer()) {
      out.push_back(p.get<int>());
    }
  }
  return out;
}

Result<nlohmann::json> RuncRuntime::stats(const std::string& id) {
  BERTH_ASSIGN_OR_RETURN(nlohmann::json j,
                         callJson("read stats of container " + id, {"events", "--stats", id}));
  if (!j.is_object() || !j.contains("data")) {
    return Unexpected(
        internal("read stats of container " + id + ": unexpected output " + j.dump()));
  }
  return j["data"];
}

Result<nlohmann::json> RuncRuntime::state(const std::string& id) {
  return callJson("read state of container " + id, {"state", id});
}

Result<RuntimeInfo> checkRuntime(const std::string& path, std::string_view cgroupLayout) {
  CommandOptions opts;
  opts.timeout = std::chrono::seconds(10);
  auto out = runCommand({path, "--version"}, opts);
  if (!out.ok()) {
    return Unexpected(
        unavailable("OCI runtime " + path + " does not work: " + out.error().message()));
  }
  if (out->exitCode != 0) {
    std::string why = runtimeErrorMessage(out->err);
    return Unexpected(unavailable("OCI runtime " + path + " does not work: `" + path +
                                  " --version` failed" + (why.empty() ? "" : ": " + why)));
  }
  std::string_view first = out->out;
  first = trim(first.substr(0, first.find('\n')));
  auto words = split(first, ' ');
  RuntimeInfo info;
  info.name = words.empty() ? "" : words[0];
  info.version = words.size() >= 3 && words[1] == "version" ? words[2] : "";
  if (info.name.empty()) {
    return Unexpected(
        unavailable("OCI runtime " + path + " does not work: `--version` printed nothing"));
  }
  if (info.name == "crun" && cgroupLayout == "hybrid") {
    return Unexpected(unavailable("OCI runtime " + path + " (crun " + info.version +
                                  ") does not support hybrid cgroup v1/v2 hosts; use runc"));
  }
  return info;
}

}  // namespace berth
