#include "runtime/shim_launcher.h"

#include <charconv>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/strings.h"
#include "runtime/fs_util.h"

namespace berth {

Result<int> readPidFile(const std::string& path) {
  BERTH_ASSIGN_OR_RETURN(std::string text, readFile(path));
  std::string_view t = trim(text);
  int pid = 0;
  auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), pid);
  if (t.empty() || ec != std::errc() || ptr != t.data() + t.size() || pid <= 0) {
    return Unexpected(
        internal(path + " does not hold a pid: \"" + std::string(t.substr(0, 40)) + "\""));
  }
  return pid;
}

Result<ShimProcess> readShimPids(const std::string& stateDir, const std::string& execId) {
  ShimProcess p;
  ShimFiles files = shimFiles(execId);
  BERTH_ASSIGN_OR_RETURN(p.shimPid, readPidFile(stateDir + "/" + files.shimPid));
  BERTH_ASSIGN_OR_RETURN(p.processPid, readPidFile(stateDir + "/" + files.processPid));
  return p;
}

Result<ExitStatus> readExitStatus(const std::string& stateDir, const std::string& execId) {
  std::string path = stateDir + "/" + shimFiles(execId).exitJson;
  BERTH_ASSIGN_OR_RETURN(std::string text, readFile(path));
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("exitCode") ||
      !j["exitCode"].is_number_integer()) {
    return Unexpected(internal(path + " is not an exit record: \"" + text.substr(0, 80) + "\""));
  }
  ExitStatus st;
  st.exitCode = j["exitCode"].get<int>();
  if (j.contains("finishedAt") && j["finishedAt"].is_string()) {
    st.finishedAt = j["finishedAt"].get<std::string>();
  }
  if (j.contains("oomKilled") && j["oomKilled"].is_boolean()) {
    st.oomKilled = j["oomKilled"].get<bool>();
  }
  if (j.contains("error") && j["error"].is_string()) {
    st.error = j["error"].get<std::string>();
  }
  return st;
}

}  // namespace berth
