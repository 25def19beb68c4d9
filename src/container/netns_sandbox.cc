#include "container/netns_sandbox.h"

#include "common/ids.h"
#include "kernel/netns_file.h"
#include "runtime/fs_util.h"

namespace berth::container {

NetnsSandboxProvider::NetnsSandboxProvider(std::string execRoot) : execRoot_(std::move(execRoot)) {}

std::string NetnsSandboxProvider::netnsPath(const std::string& containerId) const {
  return execRoot_ + "/netns/" + containerId;
}

Status NetnsSandboxProvider::checkNetworkMode(std::string_view mode) const {
  if (mode == "none" || mode == "host") {
    return okStatus();
  }
  return notImplemented("network mode " + std::string(mode) + " is not supported yet");
}

Result<Sandbox> NetnsSandboxProvider::create(const SandboxRequest& req) {
  BERTH_TRY(checkNetworkMode(req.networkMode));
  Sandbox sb;
  sb.id = generateId();
  if (req.networkMode == "host") {
    sb.hostNetwork = true;
    sb.networks["host"] = emptyEndpointSettings("", generateId());
    return sb;
  }
  BERTH_TRY(makeDirs(execRoot_ + "/netns", 0700));
  std::string path = netnsPath(req.containerId);
  // A file left by a crash between create and cleanup would make this a conflict.
  BERTH_TRY(removeNetnsFile(path));
  BERTH_TRY(createNetnsFile(path));
  sb.netnsPath = path;
  sb.networks["none"] = emptyEndpointSettings("", generateId());
  return sb;
}

Status NetnsSandboxProvider::destroy(const std::string& containerId,
                                     const std::string& networkMode) {
  if (networkMode == "host") {
    return okStatus();
  }
  return removeNetnsFile(netnsPath(containerId));
}

nlohmann::json emptyEndpointSettings(const std::string& networkId, const std::string& endpointId) {
  return {{"IPAMConfig", nullptr}, {"Links", nullptr},        {"Aliases", nullptr},
          {"MacAddress", ""},      {"NetworkID", networkId},  {"EndpointID", endpointId},
          {"Gateway", ""},         {"IPAddress", ""},         {"IPPrefixLen", 0},
          {"IPv6Gateway", ""},     {"GlobalIPv6Address", ""}, {"GlobalIPv6PrefixLen", 0},
          {"DriverOpts", nullptr}, {"DNSNames", nullptr}};
}

}  // namespace berth::container
