#include "cli/commands/network_attach.h"

#include <fmt/format.h>

#include <regex>

#include "cli/commands/network.h"
#include "common/strings.h"

namespace berth::cli {

namespace {

using nlohmann::json;

// container.NetworkMode.IsUserDefined.
bool isUserDefined(const std::string& mode) {
  return mode != "default" && mode != "bridge" && mode != "host" && mode != "none" &&
         !startsWith(mode, "container:");
}

// opts.ValidateMACAddress (net.ParseMAC for the 6-byte forms a container uses).
bool validMac(const std::string& mac) {
  static const std::regex kColon("^([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$");
  static const std::regex kDot("^([0-9A-Fa-f]{4}\\.){2}[0-9A-Fa-f]{4}$");
  if (std::regex_match(mac, kColon)) {
    return mac[2] == mac[5] && mac[5] == mac[8] && mac[8] == mac[11] && mac[11] == mac[14];
  }
  return std::regex_match(mac, kDot);
}

// applyContainerOptions: the per-container flags go to the first network, but
// not beside the same setting given per network.
Status applyFlags(NetworkAttachment& n, const EndpointFlags& f) {
  auto conflict = [](const char* what) {
    return invalidArgument(fmt::format("conflicting options: cannot specify both {}", what));
  };
  if (!n.aliases.empty() && !f.aliases.empty()) {
    return conflict("--network-alias and per-network alias");
  }
  if (!n.links.empty() && !f.links.empty()) {
    return conflict("--link and per-network links");
  }
  if (!n.ipv4.empty() && !f.ipv4.empty()) {
    return conflict("--ip and per-network IPv4 address");
  }
  if (!n.ipv6.empty() && !f.ipv6.empty()) {
    return conflict("--ip6 and per-network IPv6 address");
  }
  if (!n.mac.empty() && !f.mac.empty()) {
    return conflict("--mac-address and per-network MAC address");
  }
  if (!n.linkLocalIps.empty() && !f.linkLocalIps.empty()) {
    return conflict("--link-local-ip and per-network link-local IP addresses");
  }
  if (!f.aliases.empty()) {
    n.aliases = f.aliases;
  }
  // On a user-defined network --link is an endpoint alias; on the default
  // bridge it is a legacy link, carried by HostConfig.Links alone.
  if (isUserDefined(n.target) && !f.links.empty()) {
    n.links = f.links;
  }
  if (!f.ipv4.empty()) {
    n.ipv4 = f.ipv4;
  }
  if (!f.ipv6.empty()) {
    n.ipv6 = f.ipv6;
  }
  if (!f.mac.empty()) {
    n.mac = f.mac;
  }
  if (!f.linkLocalIps.empty()) {
    n.linkLocalIps = f.linkLocalIps;
  }
  return okStatus();
}

// parseNetworkAttachmentOpt: the EndpointSettings of one attachment, with only
// the fields that are set (the daemon reads absent and empty alike).
Result<json> endpointSettings(const NetworkAttachment& n) {
  if (trim(n.target).empty()) {
    return invalidArgument("no name set for network");
  }
  if (!isUserDefined(n.target)) {
    if (!n.aliases.empty()) {
      return invalidArgument("network-scoped aliases are only supported for user-defined networks");
    }
    if (!n.links.empty()) {
      return invalidArgument("links are only supported for user-defined networks");
    }
  }
  json ep = json::object();
  if (!n.aliases.empty()) {
    ep["Aliases"] = n.aliases;
  }
  if (!n.driverOpts.empty()) {
    ep["DriverOpts"] = n.driverOpts;
  }
  if (!n.links.empty()) {
    ep["Links"] = n.links;
  }
  if (!n.ipv4.empty() || !n.ipv6.empty() || !n.linkLocalIps.empty()) {
    json ipam = json::object();
    if (!n.ipv4.empty()) {
      ipam["IPv4Address"] = n.ipv4;
    }
    if (!n.ipv6.empty()) {
      ipam["IPv6Address"] = n.ipv6;
    }
    if (!n.linkLocalIps.empty()) {
      ipam["LinkLocalIPs"] = n.linkLocalIps;
    }
    ep["IPAMConfig"] = ipam;
  }
  if (!n.mac.empty()) {
    if (!validMac(n.mac)) {
      return invalidArgument(n.mac + " is not a valid mac address");
    }
    ep["MacAddress"] = n.mac;
  }
  return ep;
}

}  // namespace

Result<NetworkAttachment> parseNetworkAttachment(const std::string& value) {
  // docker's test for the long form is this unanchored pattern.
  static const std::regex kLong(R"(\w+=\w+(,\w+=\w+)*)");
  NetworkAttachment n;
  if (!std::regex_search(value, kLong)) {
    n.target = value;
    return n;
  }
  for (const std::string& field : splitStringSlice({value})) {
    // docker lower-cases the whole field, values included.
    std::string lower = toLower(field);
    size_t eq = lower.find('=');
    if (eq == std::string::npos || eq == 0) {
      return invalidArgument("invalid field " + field);
    }
    std::string key(trim(std::string_view(lower).substr(0, eq)));
    std::string val(trim(std::string_view(lower).substr(eq + 1)));
    if (key == "name") {
      n.target = val;
    } else if (key == "alias") {
      n.aliases.push_back(val);
    } else if (key == "ip") {
      n.ipv4 = val;
    } else if (key == "ip6") {
      n.ipv6 = val;
    } else if (key == "mac-address") {
      n.mac = val;
    } else if (key == "link-local-ip") {
      n.linkLocalIps.push_back(val);
    } else if (key == "driver-opt") {
      size_t deq = val.find('=');
      if (deq == std::string::npos || deq == 0) {
        return invalidArgument("invalid key value pair format in driver options");
      }
      n.driverOpts[std::string(trim(std::string_view(val).substr(0, deq)))] =
          std::string(trim(std::string_view(val).substr(deq + 1)));
    } else {
      return invalidArgument("invalid field key " + key);
    }
  }
  if (n.target.empty()) {
    return invalidArgument("network name/id is not specified");
  }
  return n;
}

Result<NetworkingConfig> buildNetworkingConfig(const std::vector<std::string>& networks,
                                               const EndpointFlags& flags) {
  NetworkingConfig out{"default", json::object()};
  if (networks.empty()) {
    NetworkAttachment n;
    n.target = "default";
    BERTH_TRY(applyFlags(n, flags));
    BERTH_ASSIGN_OR_RETURN(out.endpoints["default"], endpointSettings(n));
    return out;
  }
  bool userDefined = false;
  bool builtin = false;
  for (size_t i = 0; i < networks.size(); ++i) {
    BERTH_ASSIGN_OR_RETURN(NetworkAttachment n, parseNetworkAttachment(networks[i]));
    (isUserDefined(n.target) ? userDefined : builtin) = true;
    if (i == 0) {
      out.networkMode = n.target;
      BERTH_TRY(applyFlags(n, flags));
    }
    BERTH_ASSIGN_OR_RETURN(json ep, endpointSettings(n));
    if (out.endpoints.contains(n.target)) {
      return invalidArgument(fmt::format("network \"{}\" is specified multiple times", n.target));
    }
    // One network without settings of its own: docker leaves the endpoint
    // out and the daemon makes it.
    if (i == 0 && networks.size() == 1 && ep.empty()) {
      continue;
    }
    out.endpoints[n.target] = std::move(ep);
  }
  if (userDefined && builtin) {
    return invalidArgument(
        "conflicting options: cannot attach both user-defined and non-user-defined network-modes");
  }
  return out;
}

}  // namespace berth::cli
