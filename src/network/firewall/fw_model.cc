#include "network/firewall/fw_model.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>
#include <utility>

namespace berth {
namespace {

constexpr std::size_t kMaxIfName = 15;  // IFNAMSIZ - 1
constexpr int kMaxPort = 65535;
constexpr std::size_t kMaxId = 128;

bool isSafeIdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-';
}

Result<FwCheckedNetwork> checkNetwork(const FwNetwork& n) {
  FwCheckedNetwork out;
  out.id = n.id;
  out.bridge = n.bridge;
  out.icc = n.icc;
  out.masquerade = n.masquerade;
  out.internal = n.internal;
  // The id is printed in ruleset comments: it must not end one.
  if (n.id.empty() || n.id.size() > kMaxId ||
      !std::all_of(n.id.begin(), n.id.end(), isSafeIdChar)) {
    return Unexpected(
        invalidArgument("firewall: network with bridge \"" + n.bridge + "\" has an invalid id"));
  }
  if (!isSafeIfName(n.bridge)) {
    return Unexpected(invalidArgument("firewall: network " + n.id + ": invalid bridge name \"" +
                                      n.bridge + "\""));
  }
  for (const std::string& cidr : n.subnets) {
    Result<IpPrefix> p = IpPrefix::parseInterface(cidr);
    if (!p.ok()) {
      return Unexpected(
          invalidArgument("firewall: network " + n.id + ": invalid subnet \"" + cidr + "\""));
    }
    out.subnets.push_back(p->masked());
  }
  return out;
}

Result<IpAddress> parseContainerIp(const std::string& text) {
  // "172.18.0.2" or an endpoint's "172.18.0.2/16".
  if (text.find('/') != std::string::npos) {
    BERTH_ASSIGN_OR_RETURN(IpPrefix p, IpPrefix::parseInterface(text));
    return p.address();
  }
  return IpAddress::parse(text);
}

std::string describe(const FwPortMap& p) {
  return p.proto + " " + (p.hostIp.empty() ? std::string("*") : p.hostIp) + ":" +
         std::to_string(p.hostPort) + " -> " + p.containerIp + ":" +
         std::to_string(p.containerPort);
}

// Checks one port map against its network. Returns nullopt for a port that
// is valid but publishes nothing (internal network).
Result<std::optional<FwDnat>> checkPort(const FwPortMap& p,
                                        const std::map<std::string, FwCheckedNetwork>& byId) {
  auto bad = [&p](const std::string& why) {
    return Unexpected(invalidArgument("firewall: port " + describe(p) + ": " + why));
  };
  auto net = byId.find(p.networkId);
  if (net == byId.end()) {
    return bad("unknown network \"" + p.networkId + "\"");
  }
  if (p.proto != "tcp" && p.proto != "udp" && p.proto != "sctp") {
    return bad("invalid protocol \"" + p.proto + "\"");
  }
  if (p.hostPort < 1 || p.hostPort > kMaxPort || p.containerPort < 1 ||
      p.containerPort > kMaxPort) {
    return bad("ports must be 1..65535");
  }
  Result<IpAddress> cip = parseContainerIp(p.containerIp);
  if (!cip.ok()) {
    return bad("invalid container address");
  }
  const FwCheckedNetwork& n = net->second;
  bool inSubnet = std::any_of(n.subnets.begin(), n.subnets.end(),
                              [&cip](const IpPrefix& s) { return s.contains(*cip); });
  if (!inSubnet) {
    return bad("container address is not in a subnet of network " + n.id);
  }
  FwDnat d;
  d.proto = p.proto;
  d.hostPort = p.hostPort;
  d.containerIp = *cip;
  d.containerPort = p.containerPort;
  if (!p.hostIp.empty()) {
    Result<IpAddress> hip = IpAddress::parse(p.hostIp);
    if (!hip.ok()) {
      return bad("invalid host address");
    }
    if (hip->isV4() != cip->isV4()) {
      return bad("host and container addresses are of different families");
    }
    // 0.0.0.0 and :: mean "any address of the family", as for an empty hostIp.
    if (*hip != IpAddress::parse(hip->isV4() ? "0.0.0.0" : "::").value()) {
      d.hostIp = *hip;
    }
  }
  if (n.internal) {
    return std::optional<FwDnat>();
  }
  return std::optional<FwDnat>(d);
}

// Two elements with the same key would make nft refuse the whole batch; name them.
Status checkUniqueKeys(const std::vector<FwDnat>& entries) {
  for (std::size_t i = 1; i < entries.size(); ++i) {
    const FwDnat& a = entries[i - 1];
    const FwDnat& b = entries[i];
    if (std::tie(a.hostIp, a.proto, a.hostPort) == std::tie(b.hostIp, b.proto, b.hostPort)) {
      std::string host = a.hostIp ? a.hostIp->toString() : std::string("*");
      return Unexpected(conflict("firewall: host port " + a.proto + " " + host + ":" +
                                 std::to_string(a.hostPort) + " is published twice"));
    }
  }
  return okStatus();
}

}  // namespace

bool isSafeIfName(std::string_view name) {
  return !name.empty() && name.size() <= kMaxIfName && name != "." && name != ".." &&
         std::all_of(name.begin(), name.end(), isSafeIdChar);
}

Result<FwCheckedState> checkFwState(const FwState& s) {
  FwCheckedState out;
  std::map<std::string, FwCheckedNetwork> byId;
  std::set<std::string> bridges;
  for (const FwNetwork& n : s.networks) {
    BERTH_ASSIGN_OR_RETURN(FwCheckedNetwork c, checkNetwork(n));
    if (!bridges.insert(c.bridge).second) {
      return Unexpected(
          invalidArgument("firewall: bridge " + c.bridge + " is used by two networks"));
    }
    if (!byId.emplace(c.id, c).second) {
      return Unexpected(invalidArgument("firewall: network " + c.id + " is given twice"));
    }
    out.networks.push_back(std::move(c));
  }
  std::sort(
      out.networks.begin(), out.networks.end(),
      [](const FwCheckedNetwork& a, const FwCheckedNetwork& b) { return a.bridge < b.bridge; });

  for (const FwPortMap& p : s.ports) {
    BERTH_ASSIGN_OR_RETURN(std::optional<FwDnat> d, checkPort(p, byId));
    if (d) {
      (d->containerIp.isV4() ? out.dnat4 : out.dnat6).push_back(std::move(*d));
    }
  }
  for (std::vector<FwDnat>* v : {&out.dnat4, &out.dnat6}) {
    std::sort(v->begin(), v->end());
    // The same mapping given twice is harmless: keep one.
    v->erase(std::unique(v->begin(), v->end()), v->end());
    BERTH_TRY(checkUniqueKeys(*v));
  }
  return out;
}

}  // namespace berth
