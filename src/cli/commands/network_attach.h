// How run/create attach a container to networks: docker's --network values
// (a name, or the long form "name=n,alias=a,ip=...") and the older per-container
// flags (--network-alias, --ip, --ip6, --mac-address, --link, --link-local-ip),
// turned into HostConfig.NetworkMode and NetworkingConfig.EndpointsConfig
// (cli/command/container/opts.go: parseNetworkOpts).
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/result.h"

namespace berth::cli {

struct NetworkAttachment {
  std::string target;
  std::vector<std::string> aliases;
  std::vector<std::string> links;
  std::vector<std::string> linkLocalIps;
  std::string ipv4;
  std::string ipv6;
  std::string mac;
  std::map<std::string, std::string> driverOpts;
};

// opts.NetworkOpt.Set for one --network value; errors read like docker's
// ("invalid field key x", "network name/id is not specified").
Result<NetworkAttachment> parseNetworkAttachment(const std::string& value);

// The per-container flags, applied to the first network.
struct EndpointFlags {
  std::vector<std::string> aliases;
  std::vector<std::string> links;
  std::vector<std::string> linkLocalIps;
  std::string ipv4;
  std::string ipv6;
  std::string mac;
};

struct NetworkingConfig {
  std::string networkMode;   // the first network's name, or "default"
  nlohmann::json endpoints;  // EndpointsConfig: {name: EndpointSettings}
};

// parseNetworkOpts: every --network value plus the flags above.
Result<NetworkingConfig> buildNetworkingConfig(const std::vector<std::string>& networks,
                                               const EndpointFlags& flags);

}  // namespace berth::cli
