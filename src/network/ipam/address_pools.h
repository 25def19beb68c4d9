// dockerd's default address pools, daemon.json "default-address-pools", and
// the pick of a free subnet from them for a network created without --subnet.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
#include <vector>

#include "common/ip.h"
#include "common/result.h"

namespace berth::network {

// `base` split into subnets of prefix length `size`, in address order
// ({10.10.0.0/16, 24} = 10.10.0.0/24, 10.10.1.0/24, ... 10.10.255.0/24).
struct AddressPool {
  IpPrefix base;
  int size = 0;
  bool operator==(const AddressPool&) const = default;
};

// dockerd's local-scope defaults: 172.17.0.0/16 .. 172.31.0.0/16 as /16s, then
// 192.168.0.0/16 in /20s. No IPv6 pool: an IPv6 network needs --subnet.
std::vector<AddressPool> dockerDefaultAddressPools();

// daemon.json "default-address-pools": [{"base":"10.10.0.0/16","size":24}, ...].
// Host bits in base are cleared (dockerd accepts them). invalid-argument naming
// the entry for anything else. An empty array gives an empty list.
Result<std::vector<AddressPool>> parseDefaultAddressPools(const nlohmann::json& pools);

// dockerd's --default-address-pool flag: "base=10.10.0.0/16,size=24".
Result<AddressPool> parseDefaultAddressPoolFlag(std::string_view flag);

// The candidate subnets of `pools` in order, at most `limit` of them (an IPv6
// base split in /64s has far too many to list).
std::vector<IpPrefix> candidateSubnets(const std::vector<AddressPool>& pools, size_t limit);

// The first candidate subnet of the family (v6 or not) that overlaps none of
// `taken`; nullopt when there is none. Skips whole taken prefixes at once, so
// it stays fast with huge pools (work grows with taken.size(), not pool size).
std::optional<IpPrefix> pickSubnet(const std::vector<AddressPool>& pools, bool v6,
                                   const std::vector<IpPrefix>& taken);

}  // namespace berth::network
