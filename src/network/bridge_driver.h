// The bridge driver: a Linux bridge per network (berth0 for the default
// `bridge` network, br-<12 hex of the id> for user networks), a veth pair per
// endpoint. Forwarding rules (isolation, masquerade, published ports) are the
// firewall's, driven by the controller.
#pragma once

#include <functional>
#include <map>
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

// Facts about the kernel the driver asks for; tests inject them.
struct BridgeKernelProbes {
  // Ports enslaved to `bridge` now; null = ask the kernel.
  std::function<int(const std::string& bridge)> portCount;
  // Whether bridged traffic can pass netfilter (br_netfilter: /proc/sys/net/bridge
  // exists in this netns); null = look.
  std::function<bool()> bridgeNetfilter;
};

class BridgeDriver : public Driver {
 public:
  explicit BridgeDriver(BridgeKernelProbes probes = {});
  std::string name() const override { return "bridge"; }
  Status createNetwork(NetworkRecord& n) override;
  Status deleteNetwork(const NetworkRecord& n) override;
  Status restoreNetwork(const NetworkRecord& n) override;
  Status join(const NetworkRecord& n, EndpointRecord& ep, int sandboxFd,
              bool defaultGateway) override;
  Status leave(const NetworkRecord& n, const EndpointRecord& ep) override;
  bool natted() const override { return true; }

 private:
  BridgeKernelProbes probes_;
};

// Refuses a new port on `bridge` of network `network` that already has
// `ports` ports, with a message that names the kernel's limit.
Status checkBridgeRoom(const std::string& network, const std::string& bridge, int ports);
// Refuses enable_icc=false without br_netfilter: the bridge would switch
// frames between its ports without asking the firewall, so the setting could
// not hold. `bridgeNetfilter` says whether the kernel has it.
Status checkIccSupported(const std::map<std::string, std::string>& options, bool bridgeNetfilter);

// Checks the bridge options of a create request: known keys with valid values.
Status validateBridgeOptions(const std::map<std::string, std::string>& options);
// A boolean driver option ("true"/"false"/"1"/"0"); `fallback` when absent.
bool boolOption(const std::map<std::string, std::string>& options, const std::string& key,
                bool fallback);
// dockerd's MAC for an IPv4 address: 02:42 followed by its four bytes.
std::string macForIpv4(const std::string& cidr);

}  // namespace berth::network
