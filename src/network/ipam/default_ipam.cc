#include "network/ipam/default_ipam.h"

#include <fmt/format.h>

#include <utility>

namespace berth::network {
namespace {

using PoolState = DefaultIpam::PoolState;

std::string family(const IpPrefix& p) { return p.isV6() ? "IPv6" : "IPv4"; }

// "a.b.c.d" or "a.b.c.d/len" (the form requestAddress returns): the address.
Result<IpAddress> parseAddress(const std::string& text, const std::string& what) {
  if (text.find('/') != std::string::npos) {
    auto p = IpPrefix::parseInterface(text);
    if (p.ok()) {
      return p->address();
    }
  } else if (auto a = IpAddress::parse(text); a.ok()) {
    return *a;
  }
  return invalidArgument("invalid " + what + " \"" + text + "\": not an IP address");
}

// The network address, and the v4 broadcast address: never handed out. Point
// to point subnets (v4 /31 /32, v6 /127 /128) use every address, as RFC 3021.
std::set<IpAddress> networkAndBroadcast(const IpPrefix& subnet) {
  std::set<IpAddress> out;
  int hostBits = subnet.address().bitCount() - subnet.length();
  if (hostBits >= 2) {
    out.insert(subnet.first());
    if (subnet.isV4()) {
      out.insert(subnet.last());
    }
  }
  return out;
}

// Why `a` may not be used as a gateway, aux or static address; "" if it may.
std::string specialAddress(const IpAddress& a, const IpPrefix& subnet) {
  if (networkAndBroadcast(subnet).contains(a)) {
    return a == subnet.first() ? "the network address" : "the broadcast address";
  }
  return "";
}

Result<IpAddress> validateGateway(const PoolRequest& r, const IpPrefix& subnet) {
  if (r.gateway.empty()) {
    IpAddress first = subnet.first();
    return networkAndBroadcast(subnet).contains(first) ? first.plus(1) : first;
  }
  BERTH_ASSIGN_OR_RETURN(IpAddress gw, parseAddress(r.gateway, "gateway"));
  if (!subnet.contains(gw)) {
    return invalidArgument("gateway " + gw.toString() + " is not inside subnet " +
                           subnet.toString());
  }
  if (auto why = specialAddress(gw, subnet); !why.empty()) {
    return invalidArgument("gateway " + gw.toString() + " is " + why + " of subnet " +
                           subnet.toString());
  }
  return gw;
}

Status validateAux(const PoolRequest& r, PoolState& s) {
  std::map<IpAddress, std::string> seen;
  for (const auto& [name, text] : r.auxAddresses) {
    std::string what = fmt::format("aux-address {}={}", name, text);
    auto a = IpAddress::parse(text);
    if (!a.ok()) {
      return invalidArgument("invalid " + what + ": not an IP address");
    }
    if (!s.subnet.contains(*a)) {
      return invalidArgument(fmt::format("{} is not inside subnet {}", what, s.subnet.toString()));
    }
    if (auto why = specialAddress(*a, s.subnet); !why.empty()) {
      return invalidArgument(fmt::format("{} is {} of subnet {}", what, why, s.subnet.toString()));
    }
    if (*a == s.gateway) {
      return invalidArgument(what + " is the gateway");
    }
    if (auto it = seen.find(*a); it != seen.end()) {
      return invalidArgument(what + ": the address is also aux-address " + it->second);
    }
    seen.emplace(*a, name);
    s.aux.emplace(name, *a);
  }
  return okStatus();
}

// Validates the request's ip-range, gateway and aux addresses against `subnet`.
Result<PoolState> makePoolState(const PoolRequest& r, const IpPrefix& subnet) {
  PoolState s;
  s.subnet = subnet;
  s.range = subnet;
  if (!r.ipRange.empty()) {
    auto range = IpPrefix::parse(r.ipRange);
    if (!range.ok()) {
      return std::move(range).error().withContext("invalid ip-range");
    }
    if (!subnet.contains(*range)) {
      return invalidArgument("ip-range " + range->toString() + " is not inside subnet " +
                             subnet.toString());
    }
    s.range = *range;
    s.rangeGiven = true;
  }
  BERTH_ASSIGN_OR_RETURN(s.gateway, validateGateway(r, subnet));
  BERTH_TRY(validateAux(r, s));
  s.reserved = networkAndBroadcast(subnet);
  s.reserved.insert(s.gateway);
  for (const auto& [name, a] : s.aux) {
    s.reserved.insert(a);
  }
  s.taken = s.reserved;
  s.freeInRange = s.range.size();
  for (const auto& a : s.reserved) {
    if (s.range.contains(a) && s.freeInRange > 0) {
      --s.freeInRange;
    }
  }
  return s;
}

Pool describe(const std::string& id, const PoolState& s) {
  Pool p{id, s.subnet.toString(), s.rangeGiven ? s.range.toString() : "", s.gateway.toString(), {}};
  for (const auto& [name, a] : s.aux) {
    p.auxAddresses.emplace(name, a.toString());
  }
  return p;
}

// The first free address of the range at or after the cursor, wrapping
// around. The caller has checked that one exists (freeInRange > 0).
IpAddress nextFree(const PoolState& s) {
  IpAddress c = s.cursor ? s.cursor->plus(1) : s.range.first();
  if (!s.range.contains(c)) {
    c = s.range.first();
  }
  // Walk the run of taken addresses that starts at c; the sorted set lets us
  // step through it without looking at free space.
  auto it = s.taken.lower_bound(c);
  while (it != s.taken.end() && *it == c) {
    if (c == s.range.last()) {
      c = s.range.first();
      it = s.taken.lower_bound(c);
    } else {
      c = c.plus(1);
      ++it;
    }
  }
  return c;
}

std::string withLength(const IpAddress& a, const PoolState& s) {
  return a.toString() + "/" + std::to_string(s.subnet.length());
}

Result<std::vector<IpPrefix>> parseAvoid(const std::vector<std::string>& avoid) {
  std::vector<IpPrefix> out;
  for (const auto& text : avoid) {
    auto p = IpPrefix::parseInterface(text);
    if (!p.ok()) {
      return std::move(p).error().withContext("invalid prefix to avoid");
    }
    // A default route overlaps everything; dockerd skips routes without a
    // destination the same way.
    if (p->length() > 0) {
      out.push_back(p->masked());
    }
  }
  return out;
}

}  // namespace

DefaultIpam::DefaultIpam(std::vector<AddressPool> defaultPools)
    : defaultPools_(std::move(defaultPools)) {}

bool DefaultIpam::overlapsInUse(const IpPrefix& subnet) const {
  for (const auto& [id, s] : pools_) {
    if (s.subnet.overlaps(subnet)) {
      return true;
    }
  }
  return false;
}

Result<IpPrefix> DefaultIpam::pickDefault(bool v6, const std::vector<IpPrefix>& avoid) const {
  std::vector<IpPrefix> taken = avoid;
  for (const auto& [id, s] : pools_) {
    taken.push_back(s.subnet);
  }
  if (auto picked = pickSubnet(defaultPools_, v6, taken)) {
    return *picked;
  }
  bool any = false;
  for (const auto& p : defaultPools_) {
    any = any || p.base.isV6() == v6;
  }
  if (v6 && !any) {
    return invalidArgument(
        "an IPv6 network needs an explicit IPv6 subnet (--subnet): no default IPv6 address "
        "pool is configured (daemon.json \"default-address-pools\")");
  }
  return unavailable(std::string("could not find an available, non-overlapping IPv") +
                     (v6 ? "6" : "4") +
                     " address pool among the defaults to assign to the network");
}

Result<Pool> DefaultIpam::requestPool(const PoolRequest& r) {
  // Everything that does not depend on the pools in use is checked unlocked.
  std::optional<IpPrefix> subnet;
  if (!r.subnet.empty()) {
    auto p = IpPrefix::parse(r.subnet);
    if (!p.ok()) {
      return std::move(p).error().withContext("invalid subnet");
    }
    subnet = *p;
  } else if (!r.ipRange.empty() || !r.gateway.empty() || !r.auxAddresses.empty()) {
    return invalidArgument("ip-range, gateway and aux-address need an explicit subnet");
  }
  BERTH_ASSIGN_OR_RETURN(std::vector<IpPrefix> avoid, parseAvoid(r.avoid));

  std::lock_guard lock(mu_);
  if (!subnet) {
    BERTH_ASSIGN_OR_RETURN(subnet, pickDefault(r.v6, avoid));
  } else if (overlapsInUse(*subnet)) {
    return conflict("Pool overlaps with other one on this address space");
  }
  BERTH_ASSIGN_OR_RETURN(PoolState state, makePoolState(r, *subnet));
  std::string id = subnet->toString();
  Pool out = describe(id, state);
  pools_.emplace(id, std::move(state));
  return out;
}

Status DefaultIpam::releasePool(const std::string& poolId) {
  std::lock_guard lock(mu_);
  if (pools_.erase(poolId) == 0) {
    return notFound("address pool " + poolId + " not found");
  }
  return okStatus();
}

Result<std::string> DefaultIpam::requestAddress(const std::string& poolId,
                                                const std::string& preferred) {
  std::optional<IpAddress> want;
  if (!preferred.empty()) {
    BERTH_ASSIGN_OR_RETURN(want, parseAddress(preferred, "address"));
  }
  std::lock_guard lock(mu_);
  auto it = pools_.find(poolId);
  if (it == pools_.end()) {
    return notFound("address pool " + poolId + " not found");
  }
  PoolState& s = it->second;
  if (!want) {
    if (s.freeInRange == 0) {
      return unavailable("no available " + family(s.subnet) +
                         " addresses on this network's address pools (" + s.range.toString() + ")");
    }
    want = nextFree(s);
    s.cursor = want;
  } else {
    if (!s.subnet.contains(*want)) {
      return invalidArgument("requested address " + want->toString() +
                             " is out of range: it is not inside subnet " + s.subnet.toString());
    }
    if (auto why = specialAddress(*want, s.subnet); !why.empty()) {
      return invalidArgument("requested address " + want->toString() + " is " + why +
                             " of subnet " + s.subnet.toString());
    }
    if (s.taken.contains(*want)) {
      return conflict("Address already in use");
    }
  }
  s.taken.insert(*want);
  if (s.range.contains(*want)) {
    --s.freeInRange;
  }
  return withLength(*want, s);
}

Status DefaultIpam::releaseAddress(const std::string& poolId, const std::string& address) {
  BERTH_ASSIGN_OR_RETURN(IpAddress a, parseAddress(address, "address"));
  std::lock_guard lock(mu_);
  auto it = pools_.find(poolId);
  if (it == pools_.end()) {
    return notFound("address pool " + poolId + " not found");
  }
  PoolState& s = it->second;
  if (s.reserved.contains(a) || s.taken.erase(a) == 0) {
    return notFound("address " + a.toString() + " is not allocated in pool " + poolId);
  }
  if (s.range.contains(a)) {
    ++s.freeInRange;
  }
  return okStatus();
}

}  // namespace berth::network
