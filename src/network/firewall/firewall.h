// The firewall seam: the controller describes every bridge network and
// published port it wants, and the Firewall makes the kernel match that
// description as a whole (docs/network-design.md, docs/firewall.md).
#pragma once

#include <string>
#include <vector>

#include "common/result.h"

namespace berth {

// One bridge network as the firewall sees it.
struct FwNetwork {
  std::string id;                    // the network id (only for messages)
  std::string bridge;                // the Linux bridge, e.g. "br-1a2b3c4d5e6f"
  std::vector<std::string> subnets;  // CIDRs, IPv4 and/or IPv6: "172.18.0.0/16", "fd00:1::/64"
  bool icc = true;                   // containers of this network may talk to each other
  bool masquerade = true;            // SNAT traffic leaving the host to the outside
  bool internal = false;             // no traffic in or out of the bridge at all
};

// One published port: hostIp:hostPort on the host → containerIp:containerPort.
// A host port range is given as one FwPortMap per port.
struct FwPortMap {
  std::string networkId;  // the FwNetwork the container is reached through
  std::string proto;      // "tcp" | "udp" | "sctp"
  // "" = any address of the container's family; "0.0.0.0" = any IPv4 address;
  // "::" = any IPv6 address; otherwise one host address of the container's family.
  std::string hostIp;
  int hostPort = 0;
  int containerPort = 0;
  std::string containerIp;  // inside one of the network's subnets; v4 or v6
};

struct FwState {
  std::vector<FwNetwork> networks;
  std::vector<FwPortMap> ports;
};

class Firewall {
 public:
  virtual ~Firewall() = default;
  // Makes berth's rules exactly `s`, atomically: on any error (invalid-argument
  // for a bad state, internal for a kernel refusal) the previous rules stay.
  // Acts in the calling thread's network namespace. Thread-safe.
  virtual Status apply(const FwState& s) = 0;
  // Removes all of berth's rules; fine when there are none. Thread-safe.
  virtual Status removeAll() = 0;
};

}  // namespace berth
