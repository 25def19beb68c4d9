// FwState checked and turned into typed values, so that the renderer only ever
// prints canonical addresses, known keywords and names of a safe alphabet: no
// input can inject nft syntax.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/ip.h"
#include "common/result.h"
#include "network/firewall/firewall.h"

namespace berth {

struct FwCheckedNetwork {
  std::string id;
  std::string bridge;
  std::vector<IpPrefix> subnets;  // masked
  bool icc = true;
  bool masquerade = true;
  bool internal = false;
};

// One element of a DNAT map.
struct FwDnat {
  std::optional<IpAddress> hostIp;  // empty: any local address of the family
  std::string proto;                // "tcp" | "udp" | "sctp"
  int hostPort = 0;
  IpAddress containerIp;
  int containerPort = 0;

  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy flags the defaulted <=> itself.
  auto operator<=>(const FwDnat&) const = default;
};

struct FwCheckedState {
  std::vector<FwCheckedNetwork> networks;  // sorted by bridge name
  // Sorted; a key (hostIp, proto, hostPort) appears at most once per family.
  std::vector<FwDnat> dnat4;
  std::vector<FwDnat> dnat6;
};

// A Linux interface name berth may print into a ruleset: [A-Za-z0-9_.-]{1,15}.
bool isSafeIfName(std::string_view name);

// Checks every field of `s` (invalid-argument naming the culprit; conflict for
// two ports with the same host key). Ports of internal networks are dropped:
// an internal network publishes nothing.
Result<FwCheckedState> checkFwState(const FwState& s);

}  // namespace berth
