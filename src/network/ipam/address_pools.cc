#include "network/ipam/address_pools.h"

#include <fmt/format.h>

#include <charconv>
#include <string>

#include "common/strings.h"

namespace berth::network {
namespace {

// The first subnet of prefix length `size` after `p`; nullopt when `p` ends
// the address family (the next one would wrap to 0.0.0.0 / ::).
std::optional<IpPrefix> nextAfter(const IpPrefix& p, int size) {
  IpAddress next = p.last().plus(1);
  if (next <= p.first()) {
    return std::nullopt;
  }
  return IpPrefix(next, size);
}

const IpPrefix* firstOverlap(const IpPrefix& candidate, const std::vector<IpPrefix>& taken) {
  for (const auto& t : taken) {
    if (t.overlaps(candidate)) {
      return &t;
    }
  }
  return nullptr;
}

Result<AddressPool> makePool(std::string_view baseText, int64_t size, const std::string& where) {
  auto base = IpPrefix::parseInterface(baseText);
  if (!base.ok()) {
    return invalidArgument(where + ": invalid base " + std::string(baseText) +
                           " (expected a CIDR such as 10.10.0.0/16)");
  }
  if (size < base->length() || size > base->address().bitCount()) {
    return invalidArgument(where + ": size " + std::to_string(size) + " must be between " +
                           std::to_string(base->length()) + " (the prefix length of base " +
                           base->masked().toString() + ") and " +
                           std::to_string(base->address().bitCount()));
  }
  return AddressPool{base->masked(), static_cast<int>(size)};
}

}  // namespace

std::vector<AddressPool> dockerDefaultAddressPools() {
  // moby's localScopeDefaultNetworks, written as the list it expands to.
  std::vector<AddressPool> out;
  for (int second = 17; second <= 31; ++second) {
    out.push_back({IpPrefix(IpAddress::v4({172, static_cast<uint8_t>(second), 0, 0}), 16), 16});
  }
  out.push_back({IpPrefix(IpAddress::v4({192, 168, 0, 0}), 16), 20});
  return out;
}

Result<std::vector<AddressPool>> parseDefaultAddressPools(const nlohmann::json& pools) {
  const std::string usage =
      R"(default-address-pools must be an array of {"base": "<CIDR>", "size": <prefix length>})";
  if (!pools.is_array()) {
    return invalidArgument(usage);
  }
  std::vector<AddressPool> out;
  for (size_t i = 0; i < pools.size(); ++i) {
    const auto& entry = pools[i];
    std::string where = "default-address-pools[" + std::to_string(i) + "]";
    if (!entry.is_object()) {
      return invalidArgument(fmt::format("{}: {}", where, usage));
    }
    auto base = entry.find("base");
    if (base == entry.end() || !base->is_string()) {
      return invalidArgument(where + ": \"base\" must be a CIDR string such as \"10.10.0.0/16\"");
    }
    auto size = entry.find("size");
    if (size == entry.end() || !size->is_number_integer()) {
      return invalidArgument(where + ": \"size\" must be an integer prefix length such as 24");
    }
    BERTH_ASSIGN_OR_RETURN(AddressPool pool,
                           makePool(base->get<std::string>(), size->get<int64_t>(), where));
    out.push_back(pool);
  }
  return out;
}

Result<AddressPool> parseDefaultAddressPoolFlag(std::string_view flag) {
  std::string where = "--default-address-pool " + std::string(flag);
  std::string base;
  std::string size;
  for (const auto& field : split(flag, ',')) {
    auto eq = field.find('=');
    std::string key = eq == std::string::npos ? field : field.substr(0, eq);
    std::string value = eq == std::string::npos ? "" : field.substr(eq + 1);
    if (key == "base") {
      base = value;
    } else if (key == "size") {
      size = value;
    } else {
      return invalidArgument(fmt::format(
          "{}: unknown field \"{}\" (expected base=<CIDR>,size=<prefix length>)", where, key));
    }
  }
  if (base.empty() || size.empty()) {
    return invalidArgument(where + ": expected base=<CIDR>,size=<prefix length>");
  }
  int64_t n = -1;
  auto [ptr, ec] = std::from_chars(size.data(), size.data() + size.size(), n);
  if (ec != std::errc() || ptr != size.data() + size.size()) {
    return invalidArgument(where + ": size \"" + size + "\" is not a number");
  }
  return makePool(base, n, where);
}

std::vector<IpPrefix> candidateSubnets(const std::vector<AddressPool>& pools, size_t limit) {
  std::vector<IpPrefix> out;
  for (const auto& pool : pools) {
    std::optional<IpPrefix> c = IpPrefix(pool.base.first(), pool.size);
    while (out.size() < limit && c && pool.base.contains(*c)) {
      out.push_back(*c);
      c = nextAfter(*c, pool.size);
    }
  }
  return out;
}

std::optional<IpPrefix> pickSubnet(const std::vector<AddressPool>& pools, bool v6,
                                   const std::vector<IpPrefix>& taken) {
  for (const auto& pool : pools) {
    if (pool.base.isV6() != v6) {
      continue;
    }
    std::optional<IpPrefix> c = IpPrefix(pool.base.first(), pool.size);
    while (c && pool.base.contains(*c)) {
      const IpPrefix* hit = firstOverlap(*c, taken);
      if (hit == nullptr) {
        return c;
      }
      // Jump past the taken prefix when it covers the candidate (its end is
      // aligned to the candidate size), else past the candidate. Either way
      // the taken prefix is behind us for good, which bounds the loop.
      c = hit->length() <= c->length() ? nextAfter(hit->masked(), pool.size)
                                       : nextAfter(*c, pool.size);
    }
  }
  return std::nullopt;
}

}  // namespace berth::network
