// Port publishing: `-p [ip:]hostPort:containerPort[/proto]`, ranges and -P
// as the create request carries them (HostConfig.PortBindings,
// PublishAllPorts, Config.ExposedPorts), turned into concrete mappings. The
// firewall DNATs them; no userland proxy holds the ports, so a port is checked
// free (by berth's own mappings and by a bind probe) before anything changes.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "network/records.h"

namespace berth::network {

struct PortRequest {
  std::string proto;  // tcp | udp | sctp
  int containerPort = 0;
  std::string hostIp;  // "" = every address
  int hostPortLo = 0;  // 0 = any ephemeral port
  int hostPortHi = 0;  // == lo for one port
};

// Reads HostConfig.PortBindings ({"80/tcp": [{"HostIp": "", "HostPort": "8080"}]})
// and, with publishAll, every ExposedPorts key without a binding. invalid-argument
// for a bad port, protocol, range or address.
Result<std::vector<PortRequest>> parsePortRequests(const nlohmann::json& hostConfig,
                                                   const nlohmann::json& exposedPorts);

// True when `proto` port `port` on `hostIp` ("" = any) can be bound now.
bool hostPortFree(const std::string& proto, const std::string& hostIp, int port);

class PortAllocator {
 public:
  using FreeProbe = std::function<bool(const std::string& proto, const std::string& hostIp, int port)>;
  // `ephemeral`: the range -P and `-p :80` take ports from (ip_local_port_range).
  PortAllocator(FreeProbe probe, std::pair<int, int> ephemeral)
      : probe_(std::move(probe)), ephemeral_(ephemeral) {}

  // Host ports for every request, none among `taken` (berth's mappings) or
  // held by another process. All or nothing; conflict with dockerd's
  // "Bind for 0.0.0.0:8080 failed: port is already allocated".
  Result<std::vector<PortMapping>> allocate(const std::vector<PortRequest>& requests,
                                            std::vector<PortMapping> taken) const;

 private:
  FreeProbe probe_;
  std::pair<int, int> ephemeral_;
};

// The kernel's ip_local_port_range, or dockerd's 49153-60999 when unreadable.
std::pair<int, int> ephemeralPortRange();

// NetworkSettings.Ports for these mappings: {"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}]}.
nlohmann::json portsJson(const std::vector<PortMapping>& ports);

}  // namespace berth::network
