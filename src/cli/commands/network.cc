// The network group's registration and what its commands share: docker's IPAM
// consolidation for `network create` and the rows of `network ls`.
#include "cli/commands/network.h"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>

#include "cli/command.h"
#include "cli/commands/commands.h"
#include "cli/units.h"
#include "common/ip.h"
#include "common/strings.h"

namespace berth::cli {

namespace {

using nlohmann::json;

// docker's subnetMatches: `data` (an address, or a CIDR whose address counts)
// lies inside `subnet`. Go's ParseCIDR keeps host bits, so parseInterface.
Result<bool> subnetMatches(const std::string& subnet, const std::string& data) {
  auto s = IpPrefix::parseInterface(subnet);
  if (!s.ok()) {
    return invalidArgument(fmt::format("invalid subnet: invalid CIDR address: {}", subnet));
  }
  IpAddress ip;
  if (data.find('/') != std::string::npos) {
    auto p = IpPrefix::parseInterface(data);
    if (!p.ok()) {
      return invalidArgument(fmt::format("invalid CIDR address: {}", data));
    }
    ip = p->address();
  } else {
    auto a = IpAddress::parse(data);
    if (!a.ok()) {
      return false;  // Go's ParseIP gives nil, which no subnet contains
    }
    ip = *a;
  }
  return s->masked().contains(ip);
}

// Puts `value` into `field` of every subnet entry it falls in; `what` names
// the flag in docker's errors ("range", "gateway").
Status assignToSubnets(std::vector<std::string>& slots, const std::vector<std::string>& subnets,
                       const std::string& value, const char* what, const char* plural) {
  bool match = false;
  for (size_t i = 0; i < subnets.size(); ++i) {
    BERTH_ASSIGN_OR_RETURN(bool ok, subnetMatches(subnets[i], value));
    if (!ok) {
      continue;
    }
    if (!slots[i].empty()) {
      return invalidArgument(fmt::format(
          "cannot configure multiple {} ({}, {}) {} the same subnet ({})", plural, value, slots[i],
          std::string_view(what) == "range" ? "on" : "for", subnets[i]));
    }
    slots[i] = value;
    match = true;
  }
  if (!match) {
    return invalidArgument(fmt::format("no matching subnet for {} {}", what, value));
  }
  return okStatus();
}

// Go's time.Time.String() for the RFC 3339 text the daemon sends:
// "2024-01-02 03:04:05.5 +0000 UTC". Unreadable text is shown as it is.
std::string goTimeText(const std::string& rfc3339) {
  // YYYY-MM-DDTHH:MM:SS[.frac](Z|+hh:mm|-hh:mm)
  if (rfc3339.size() < 20 || rfc3339[10] != 'T') {
    return rfc3339;
  }
  std::string out = rfc3339.substr(0, 10) + " " + rfc3339.substr(11, 8);
  size_t pos = 19;
  if (pos < rfc3339.size() && rfc3339[pos] == '.') {
    size_t end = pos + 1;
    while (end < rfc3339.size() && std::isdigit(static_cast<unsigned char>(rfc3339[end])) != 0) {
      ++end;
    }
    std::string frac = rfc3339.substr(pos + 1, end - pos - 1);
    while (!frac.empty() && frac.back() == '0') {
      frac.pop_back();
    }
    if (!frac.empty()) {
      out += "." + frac;
    }
    pos = end;
  }
  std::string zone = rfc3339.substr(pos);
  if (zone == "Z") {
    return out + " +0000 UTC";
  }
  if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':') {
    std::string off = zone.substr(0, 3) + zone.substr(4);
    return out + " " + off + " " + off;
  }
  return rfc3339;
}

}  // namespace

Result<json> consolidateIpam(const std::vector<std::string>& subnets,
                             const std::vector<std::string>& ranges,
                             const std::vector<std::string>& gateways,
                             const std::map<std::string, std::string>& auxAddresses) {
  if (subnets.size() < ranges.size() || subnets.size() < gateways.size()) {
    return invalidArgument("every ip-range or gateway must have a corresponding subnet");
  }
  for (size_t i = 0; i < subnets.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      BERTH_ASSIGN_OR_RETURN(bool inside, subnetMatches(subnets[i], subnets[j]));
      BERTH_ASSIGN_OR_RETURN(bool outside, subnetMatches(subnets[j], subnets[i]));
      if (inside || outside) {
        return invalidArgument("multiple overlapping subnet configuration is not supported");
      }
    }
  }
  std::vector<std::string> ipRanges(subnets.size());
  std::vector<std::string> gws(subnets.size());
  std::vector<json> aux(subnets.size(), json::object());
  for (const std::string& r : ranges) {
    BERTH_TRY(assignToSubnets(ipRanges, subnets, r, "range", "ranges"));
  }
  for (const std::string& g : gateways) {
    BERTH_TRY(assignToSubnets(gws, subnets, g, "gateway", "gateways"));
  }
  for (const auto& [key, addr] : auxAddresses) {
    bool match = false;
    for (size_t i = 0; i < subnets.size(); ++i) {
      BERTH_ASSIGN_OR_RETURN(bool ok, subnetMatches(subnets[i], addr));
      if (ok) {
        aux[i][key] = addr;
        match = true;
      }
    }
    if (!match) {
      return invalidArgument("no matching subnet for aux-address " + addr);
    }
  }
  // IPAMConfig's fields are all omitempty.
  json config = json::array();
  for (size_t i = 0; i < subnets.size(); ++i) {
    json entry = {{"Subnet", subnets[i]}};
    if (!ipRanges[i].empty()) {
      entry["IPRange"] = ipRanges[i];
    }
    if (!gws[i].empty()) {
      entry["Gateway"] = gws[i];
    }
    if (!aux[i].empty()) {
      entry["AuxiliaryAddresses"] = aux[i];
    }
    config.push_back(std::move(entry));
  }
  return config;
}

std::vector<std::string> splitStringSlice(const std::vector<std::string>& values) {
  std::vector<std::string> out;
  for (const std::string& v : values) {
    if (v.empty()) {
      continue;  // pflag reads "" as no values
    }
    std::string cur;
    bool quoted = false;
    for (size_t i = 0; i < v.size(); ++i) {
      char c = v[i];
      if (quoted) {
        if (c == '"' && i + 1 < v.size() && v[i + 1] == '"') {
          cur += '"';
          ++i;
        } else if (c == '"') {
          quoted = false;
        } else {
          cur += c;
        }
      } else if (c == '"' && cur.empty()) {
        quoted = true;
      } else if (c == ',') {
        out.push_back(cur);
        cur.clear();
      } else {
        cur += c;
      }
    }
    out.push_back(cur);
  }
  return out;
}

json networkRow(const json& n, bool trunc) {
  auto str = [&n](const char* key) {
    auto it = n.find(key);
    return it != n.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  auto flag = [&n](const char* key) {
    auto it = n.find(key);
    return it != n.end() && it->is_boolean() && it->get<bool>() ? "true" : "false";
  };
  std::vector<std::string> labels;
  if (auto it = n.find("Labels"); it != n.end() && it->is_object()) {
    for (const auto& [k, v] : it->items()) {
      labels.push_back(k + "=" + (v.is_string() ? v.get<std::string>() : v.dump()));
    }
  }
  const std::string id = str("Id");
  return {
      {"CreatedAt", goTimeText(str("Created"))},
      {"Driver", str("Driver")},
      {"ID", trunc ? truncateId(id) : id},
      {"IPv6", flag("EnableIPv6")},
      {"Internal", flag("Internal")},
      {"Labels", join(labels, ",")},
      {"Name", str("Name")},
      {"Scope", str("Scope")},
  };
}

const format::HeaderMap& networkHeaders() {
  static const format::HeaderMap kHeaders = {
      {"ID", "NETWORK ID"}, {"Name", "NAME"},
      {"Driver", "DRIVER"}, {"Scope", "SCOPE"},
      {"IPv6", "IPV6"},     {"Internal", "INTERNAL"},
      {"Labels", "LABELS"}, {"CreatedAt", "CREATED AT"},
  };
  return kHeaders;
}

std::string networkListFormat(const std::string& userFormat, bool quiet) {
  if (userFormat.empty() || userFormat == "table") {
    return quiet ? "{{.ID}}" : "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}";
  }
  if (userFormat == "raw") {
    return quiet ? "network_id: {{.ID}}"
                 : "network_id: {{.ID}}\\nname: {{.Name}}\\ndriver: {{.Driver}}\\nscope: "
                   "{{.Scope}}\\n";
  }
  return userFormat;  // docker ignores -q beside a template of the user's
}

void registerNetworkCommands(CommandRegistry& registry) {
  CommandSpec spec;
  spec.name = "network";
  spec.summary = "Manage networks";
  CLI::App* group = registry.addGroup(registry.root(), spec);
  // docker lists them alphabetically.
  addNetworkConnectCommand(registry, *group);
  addNetworkCreateCommand(registry, *group);
  addNetworkDisconnectCommand(registry, *group);
  addNetworkInspectCommand(registry, *group);
  addNetworkListCommand(registry, *group);
  addNetworkPruneCommand(registry, *group);
  addNetworkRemoveCommand(registry, *group);
}

}  // namespace berth::cli
