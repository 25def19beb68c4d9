// The IPAM seam (docs/network-design.md, network/ipam/ipam.h): address pools
// for networks and addresses for endpoints. Pure state: no kernel, no store.
// The controller persists networks and endpoints and replays them at start
// (requestPool with the stored subnet, requestAddress with each stored address).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/result.h"

namespace berth::network {

struct PoolRequest {
  std::string subnet;   // CIDR; "" = pick from the default pools
  std::string ipRange;  // CIDR inside subnet; "" = the whole subnet
  std::string gateway;  // address inside subnet; "" = first usable address of the subnet
  std::map<std::string, std::string> auxAddresses;  // name -> address; never handed out
  bool v6 = false;  // family to pick when subnet is ""; ignored when a subnet is given
  std::vector<std::string> avoid;  // CIDRs (host routes etc.) a picked subnet must not overlap
};

// A pool in use. Addresses are plain ("172.18.0.1"); ipRange is "" when the
// whole subnet is used. All in canonical text.
struct Pool {
  std::string id;  // stable, derived from the subnet: "172.18.0.0/16"
  std::string subnet, ipRange, gateway;
  std::map<std::string, std::string> auxAddresses;
};

// Implementations are thread-safe; two requests never get the same address.
class Ipam {
 public:
  virtual ~Ipam() = default;
  // Reserves a subnet. conflict "Pool overlaps with other one on this address
  // space" when an explicit subnet overlaps a pool in use; invalid-argument for
  // bad options; unavailable when no default pool is free.
  virtual Result<Pool> requestPool(const PoolRequest& r) = 0;
  // Frees a pool, with any addresses still allocated in it (the controller
  // releases endpoints first; this does not check). not-found for an unknown id.
  virtual Status releasePool(const std::string& poolId) = 0;
  // "" = next free in ipRange (never the gateway, network, broadcast or aux addresses);
  // a given address ("a.b.c.d" or "a.b.c.d/len") must be inside the subnet and free.
  // Returns "addr/len" (len of the subnet).
  virtual Result<std::string> requestAddress(const std::string& poolId,
                                             const std::string& preferred) = 0;
  // Frees an address ("addr" or "addr/len"). not-found for an unknown pool or
  // an address that is not allocated.
  virtual Status releaseAddress(const std::string& poolId, const std::string& address) = 0;
};

}  // namespace berth::network
