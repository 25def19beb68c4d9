// DefaultIpam: berth's built-in IPAM driver, dockerd's "default" one in
// behaviour (docs/network-design.md, network/ipam/ipam.h).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/ip.h"
#include "network/ipam/address_pools.h"
#include "network/ipam/ipam.h"

namespace berth::network {

// Pools are keyed by their subnet ("172.18.0.0/16"): two pools in use never
// overlap, so the subnet names one. Addresses are handed out round-robin after
// the last one given, wrapping around, so a just-released address is not
// reused at once. Allocated addresses live in a sorted set (no bitmap), so a
// v6 /64 costs what is allocated in it, not its size.
class DefaultIpam final : public Ipam {
 public:
  // `defaultPools`: what a request without subnet picks from, in order.
  explicit DefaultIpam(std::vector<AddressPool> defaultPools = dockerDefaultAddressPools());

  Result<Pool> requestPool(const PoolRequest& r) override;
  // Allowed with addresses still allocated: they go with the pool (the
  // controller releases endpoints before their network).
  Status releasePool(const std::string& poolId) override;
  Result<std::string> requestAddress(const std::string& poolId,
                                     const std::string& preferred) override;
  Status releaseAddress(const std::string& poolId, const std::string& address) override;

  // One pool's state (public so that the helpers in default_ipam.cc can build it).
  struct PoolState {
    IpPrefix subnet;
    IpPrefix range;  // == subnet when no ip-range was given
    bool rangeGiven = false;
    IpAddress gateway;
    std::map<std::string, IpAddress> aux;
    std::set<IpAddress> reserved;     // network, broadcast, gateway, aux: never handed out
    std::set<IpAddress> taken;        // reserved + allocated: what the scan skips
    uint64_t freeInRange = 0;         // addresses of range neither reserved nor allocated
    std::optional<IpAddress> cursor;  // the last address handed out by the scan
  };

 private:
  Result<IpPrefix> pickDefault(bool v6, const std::vector<IpPrefix>& avoid) const;
  bool overlapsInUse(const IpPrefix& subnet) const;

  const std::vector<AddressPool> defaultPools_;
  mutable std::mutex mu_;
  std::map<std::string, PoolState> pools_;  // guarded by mu_
};

}  // namespace berth::network
