// What the networking core keeps in the store (docs/network-design.md):
// networks, endpoints (one interface of one container on one network), each
// container's attachments (the networks it joins at its next start) and each
// running sandbox's own settings.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace berth::network {

inline constexpr const char* kNetworksPrefix = "networks/";
inline constexpr const char* kEndpointsPrefix = "endpoints/";
inline constexpr const char* kAttachmentsPrefix = "net-attachments/";
inline constexpr const char* kSandboxesPrefix = "net-sandboxes/";

struct IpamConfig {
  std::string subnet, ipRange, gateway;
  std::map<std::string, std::string> auxAddresses;
  // The subnet came from the user (--subnet), not from the default pools:
  // only then may a container ask for a static address (dockerd's rule).
  bool userSubnet = false;
  bool userGateway = false;  // --gateway given: inspect shows the config as the user gave it
};

struct NetworkRecord {
  std::string id, name, driver;
  int64_t createdNano = 0;
  bool enableIpv6 = false, internal = false, attachable = false, ingress = false;
  bool builtin = false;  // bridge, host, none: cannot be removed
  std::string ipamDriver = "default";
  std::map<std::string, std::string> ipamOptions;
  std::vector<IpamConfig> ipam;  // one entry per subnet, as allocated
  std::map<std::string, std::string> options, labels;
  // "creating" until every kernel object exists; found at start-up, it is rolled back.
  std::string state = "ready";
  std::string bridge;  // the Linux bridge (bridge driver)
};

struct PortMapping {
  std::string proto;        // tcp | udp | sctp
  int containerPort = 0;
  std::string hostIp;       // "" = every address
  int hostPort = 0;
};

struct EndpointRecord {
  std::string id, networkId, containerId, containerName;
  std::string ifName;      // inside the sandbox: eth0, eth1, ...
  std::string hostIfName;  // the host end of the veth
  std::string mac, ipv4, ipv6;  // CIDRs ("172.18.0.2/16")
  std::vector<std::string> aliases;
  std::vector<PortMapping> ports;
  bool gatewayEndpoint = false;  // the default route goes through this one
};

struct AttachmentEntry {
  std::string networkId;
  nlohmann::json endpointConfig = nlohmann::json::object();  // EndpointSettings of the request
};

struct AttachmentRecord {
  std::string containerId;
  std::vector<AttachmentEntry> networks;  // in connect order
};

// What a running sandbox asked for that the network side needs again after a
// berthd restart, when the container service does not call create(): the
// resolver's upstreams (--dns) and the hostname it answers to. Written when
// the sandbox is made, deleted when it is destroyed.
struct SandboxRecord {
  std::string containerId;
  std::string hostname;
  std::vector<std::string> dns;  // HostConfig.Dns; empty = the daemon's upstreams
};

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(IpamConfig, subnet, ipRange, gateway, auxAddresses,
                                                userSubnet, userGateway)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(NetworkRecord, id, name, driver, createdNano,
                                                enableIpv6, internal, attachable, ingress, builtin,
                                                ipamDriver, ipamOptions, ipam, options, labels,
                                                state, bridge)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(PortMapping, proto, containerPort, hostIp, hostPort)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(EndpointRecord, id, networkId, containerId,
                                                containerName, ifName, hostIfName, mac, ipv4, ipv6,
                                                aliases, ports, gatewayEndpoint)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(AttachmentEntry, networkId, endpointConfig)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(AttachmentRecord, containerId, networks)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SandboxRecord, containerId, hostname, dns)

}  // namespace berth::network
