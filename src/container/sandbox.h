// SandboxProvider: where a container's network comes from. The container
// service asks it for a sandbox before the runtime starts the process and
// hands the netns path to the OCI spec; the networking issue plugs bridge and
// user networks in here without touching the service.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace berth::container {

struct SandboxRequest {
  std::string containerId;
  std::string containerName;  // without '/'
  std::string networkMode;    // resolved HostConfig.NetworkMode
  std::string hostname;
  nlohmann::json hostConfig;  // for port bindings, DNS, ... (the provider reads what it needs)
  nlohmann::json networkingConfig;  // EndpointsConfig of the create request
  nlohmann::json exposedPorts;      // Config.ExposedPorts (for --publish-all)
};

struct Sandbox {
  std::string id;         // NetworkSettings.SandboxID
  std::string netnsPath;  // NetworkSettings.SandboxKey; "" = the host's network namespace
  nlohmann::json networks = nlohmann::json::object();  // NetworkSettings.Networks
  // The container's own addresses, written with its hostname into /etc/hosts.
  std::vector<std::string> addresses;
  // Name servers to use instead of the host's (an embedded DNS server); empty = the host's.
  std::vector<std::string> nameservers;
  bool hostNetwork = false;  // /etc/hosts and /etc/resolv.conf come from the host as they are
  nlohmann::json ports = nlohmann::json::object();  // NetworkSettings.Ports
};

class SandboxProvider {
 public:
  virtual ~SandboxProvider() = default;
  // What "" and "default" mean as a network mode on this engine.
  virtual std::string defaultNetworkMode() const = 0;
  // At create: fails (nothing made) when `mode` cannot be served:
  // not-implemented "network mode X is not supported yet", not-found for an unknown network.
  virtual Status checkNetworkMode(std::string_view mode) const = 0;
  // Before the process starts. On failure nothing is left behind.
  virtual Result<Sandbox> create(const SandboxRequest& req) = 0;
  // After the process exited (or to clean up after a crash); repeatable, missing parts are fine.
  virtual Status destroy(const std::string& containerId, const std::string& networkMode) = 0;
  // The container is gone for good: forget what it had asked for (its
  // networks to join at the next start). After destroy.
  virtual void containerRemoved(const std::string& /*containerId*/) {}
  // The container was renamed (`newName` without '/'): its endpoints, their
  // DNS names and stored records take the new name at once. Any time;
  // nothing to do for a container without endpoints. On failure nothing changed.
  virtual Status renameEndpoints(const std::string& /*containerId*/,
                                 const std::string& /*newName*/) {
    return okStatus();
  }
};

}  // namespace berth::container
