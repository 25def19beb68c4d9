// The bridge driver: a Linux bridge per network (berth0 for the default
// `bridge` network, br-<12 hex of the id> for user networks), a veth pair per
// endpoint. Forwarding rules (isolation, masquerade, published ports) are the
// firewall's, driven by the controller.
#pragma once

#include <string>

#include "network/driver.h"

namespace berth::network {

// dockerd's bridge driver options.
inline constexpr const char* kOptBridgeName = "com.docker.network.bridge.name";
inline constexpr const char* kOptEnableIcc = "com.docker.network.bridge.enable_icc";
inline constexpr const char* kOptMasquerade = "com.docker.network.bridge.enable_ip_masquerade";
inline constexpr const char* kOptHostBinding = "com.docker.network.bridge.host_binding_ipv4";
inline constexpr const char* kOptMtu = "com.docker.network.driver.mtu";
inline constexpr const char* kOptDefaultBridge = "com.docker.network.bridge.default_bridge";

// The Linux kernel's limit of ports per bridge (BR_MAX_PORTS, port 0 reserved).
inline constexpr int kMaxBridgePorts = 1023;

class BridgeDriver : public Driver {
 public:
  std::string name() const override { return "bridge"; }
  Status createNetwork(NetworkRecord& n) override;
  Status deleteNetwork(const NetworkRecord& n) override;
  Status restoreNetwork(const NetworkRecord& n) override;
  Status join(const NetworkRecord& n, EndpointRecord& ep, int sandboxFd,
              bool defaultGateway) override;
  Status leave(const NetworkRecord& n, const EndpointRecord& ep) override;
  bool natted() const override { return true; }
};

// Checks the bridge options of a create request: known keys with valid values.
Status validateBridgeOptions(const std::map<std::string, std::string>& options);
// A boolean driver option ("true"/"false"/"1"/"0"); `fallback` when absent.
bool boolOption(const std::map<std::string, std::string>& options, const std::string& key,
                bool fallback);
// dockerd's MAC for an IPv4 address: 02:42 followed by its four bytes.
std::string macForIpv4(const std::string& cidr);

}  // namespace berth::network
