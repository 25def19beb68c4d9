// network create, ls, inspect, rm, connect, disconnect, prune: docker's flags,
// request bodies and output (cli/command/network/*.go).
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <ostream>

#include "cli/command.h"
#include "cli/commands/container.h"
#include "cli/commands/container_opts.h"
#include "cli/commands/network.h"
#include "cli/flag_values.h"
#include "cli/units.h"
#include "common/strings.h"
#include "format/template.h"

namespace berth::cli {

namespace {

using nlohmann::json;

// opts.MapOpts: "k=v" (or "k", meaning k="") per value, the last one winning.
json kvMap(const std::vector<std::string>& values) {
  json out = json::object();
  for (const std::string& v : values) {
    size_t eq = v.find('=');
    out[v.substr(0, eq)] = eq == std::string::npos ? "" : v.substr(eq + 1);
  }
  return out;
}

// opts.ValidateLabel: a non-empty key without whitespace; the value is optional.
Status validateLabel(const std::string& value) {
  std::string key(trim(std::string_view(value).substr(0, value.find('='))));
  if (key.empty()) {
    return invalidArgument(fmt::format("invalid label '{}': empty name", value));
  }
  if (key.find_first_of(" \t\n\v\f\r") != std::string::npos) {
    return invalidArgument(fmt::format("label '{}' contains whitespaces", key));
  }
  return okStatus();
}

// ---- create ----------------------------------------------------------------------------

struct CreateOptions {
  std::string driver = "bridge";
  std::vector<std::string> driverOpts;
  std::vector<std::string> labels;
  bool internal = false;
  bool ipv6 = false;
  bool attachable = false;
  bool ingress = false;
  std::string scope;
  bool configOnly = false;
  std::string configFrom;
  std::string ipamDriver = "default";
  std::vector<std::string> subnets;
  std::vector<std::string> ipRanges;
  std::vector<std::string> gateways;
  std::vector<std::string> auxAddresses;
  std::vector<std::string> ipamOpts;
};

Status runCreate(CommandContext& ctx, const CreateOptions& o, const std::string& name) {
  const json auxMap = kvMap(o.auxAddresses);
  std::map<std::string, std::string> aux;
  for (const auto& [k, v] : auxMap.items()) {
    aux[k] = v.get<std::string>();
  }
  BERTH_ASSIGN_OR_RETURN(json ipamConfig,
                         consolidateIpam(splitStringSlice(o.subnets), splitStringSlice(o.ipRanges),
                                         splitStringSlice(o.gateways), aux));
  std::map<std::string, std::string> labels;
  for (const std::string& l : o.labels) {
    size_t eq = l.find('=');
    labels[l.substr(0, eq)] = eq == std::string::npos ? "" : l.substr(eq + 1);
  }
  json body = {
      {"Name", name},
      {"Driver", o.driver},
      {"Scope", o.scope},
      {"EnableIPv6", o.ipv6},
      {"IPAM", {{"Driver", o.ipamDriver}, {"Config", ipamConfig}, {"Options", kvMap(o.ipamOpts)}}},
      {"Internal", o.internal},
      {"Attachable", o.attachable},
      {"Ingress", o.ingress},
      {"ConfigOnly", o.configOnly},
      {"Options", kvMap(o.driverOpts)},
      {"Labels", labels},
  };
  if (!o.configFrom.empty()) {
    body["ConfigFrom"] = {{"Network", o.configFrom}};
  }
  BERTH_ASSIGN_OR_RETURN(ApiClient * client, ctx.client());
  BERTH_ASSIGN_OR_RETURN(ApiResponse reply, client->call("POST", "/networks/create", {}, body));
  BERTH_ASSIGN_OR_RETURN(json created, reply.json());
  ctx.out() << created.value("Id", "") << "\n";
  return okStatus();
}

// ---- ls ----------------------------------------------------------------------------------

struct ListOptions {
  bool quiet = false;
  bool noTrunc = false;
  std::string format;
  std::vector<std::string> filters;
};

Status runList(CommandContext& ctx, const ListOptions& o) {
  auto filters = parseFilterFlags(o.filters);
  if (!filters.ok()) {
    return ctx.flagError(filters.error().message());
  }
  Query query;
  if (!filters->empty()) {
    query.emplace_back("filters", filters->toJson());
  }
  BERTH_ASSIGN_OR_RETURN(ApiClient * client, ctx.client());
  BERTH_ASSIGN_OR_RETURN(ApiResponse reply, client->call("GET", "/networks", query));
  BERTH_ASSIGN_OR_RETURN(json list, reply.json());
  std::vector<json> networks;
  if (list.is_array()) {
    networks.assign(list.begin(), list.end());
  }
  std::stable_sort(networks.begin(), networks.end(), [](const json& a, const json& b) {
    return naturalLess(a.value("Name", ""), b.value("Name", ""));
  });
  std::vector<json> rows;
  rows.reserve(networks.size());
  for (const json& n : networks) {
    rows.push_back(networkRow(n, !o.noTrunc));
  }
  BERTH_ASSIGN_OR_RETURN(std::string text,
                         renderList(networkListFormat(o.format, o.quiet), rows, networkHeaders()));
  ctx.out() << text;
  return okStatus();
}

// ---- inspect ------------------------------------------------------------------------------

struct InspectOptions {
  std::string format;
  bool verbose = false;
};

// docker's inspect.Inspect over GET /networks/{id}: the daemon's bytes indented,
// or the template per network; lookup failures joined into one error.
Status runInspect(CommandContext& ctx, const InspectOptions& o,
                  const std::vector<std::string>& names) {
  if (!o.verbose) {
    return inspectObjects(ctx, o.format, "network", false, names, false);
  }
  if (!o.format.empty() && o.format != "json") {
    auto tmpl = format::Template::parse(o.format);
    if (!tmpl.ok()) {
      return ctx.statusError(64,
                             invalidArgument("template parsing error: " + tmpl.error().message()));
    }
  }
  BERTH_ASSIGN_OR_RETURN(ApiClient * client, ctx.client());
  std::vector<std::string> raws;
  std::vector<json> objects;
  std::vector<std::string> errors;
  for (const std::string& name : names) {
    auto reply = client->call("GET", "/networks/" + name, {{"verbose", "true"}});
    if (!reply.ok()) {
      errors.push_back(reply.error().message());
      continue;
    }
    auto obj = json::parse(reply->body, nullptr, false);
    if (obj.is_discarded()) {
      errors.push_back("invalid JSON from the daemon for " + name);
      continue;
    }
    raws.push_back(reply->body);
    objects.push_back(std::move(obj));
  }
  if (o.format.empty()) {
    ctx.out() << (raws.empty() ? "[]" : goJsonIndent("[" + join(raws, ",") + "]", "    ")) << "\n";
  } else {
    auto text = format::renderInspect(o.format, objects);
    if (!text.ok()) {
      errors.push_back(text.error().message());
    } else {
      ctx.out() << *text;
    }
  }
  if (!errors.empty()) {
    return internal(join(errors, "\n"));
  }
  return okStatus();
}

// ---- rm ----------------------------------------------------------------------------------

// docker's runRemove: each name in turn, printed when gone; failures go to
// stderr one by one and make the exit status 1 (no message of its own).
Status runRemove(CommandContext& ctx, bool force, const std::vector<std::string>& names) {
  BERTH_ASSIGN_OR_RETURN(ApiClient * client, ctx.client());
  bool failed = false;
  for (const std::string& name : names) {
    auto reply = client->call("DELETE", "/networks/" + name);
    if (!reply.ok()) {
      if (force && reply.error().kind() == ErrorKind::kNotFound) {
        continue;
      }
      ctx.err() << reply.error().message() << "\n";
      failed = true;
      continue;
    }
    ctx.out() << name << "\n";
  }
  if (failed) {
    ctx.setExitCode(1);
  }
  return okStatus();
}

// ---- connect / disconnect ------------------------------------------------------------------

struct ConnectOptions {
  std::string ip;
  std::string ip6;
  std::vector<std::string> links;
  std::vector<std::string> aliases;
  std::vector<std::string> linkLocalIps;
  std::vector<std::string> driverOpts;
};

// docker's convertDriverOpt: "k=v" with a non-blank key, both sides trimmed.
Result<json> driverOptions(const std::vector<std::string>& values) {
  json out = json::object();
  for (const std::string& opt : values) {
    size_t eq = opt.find('=');
    std::string key(trim(std::string_view(opt).substr(0, eq)));
    if (eq == std::string::npos || key.empty()) {
      return invalidArgument("invalid key/value pair format in driver options");
    }
    out[key] = std::string(trim(std::string_view(opt).substr(eq + 1)));
  }
  return out;
}

Status runConnect(CommandContext& ctx, const ConnectOptions& o, const std::string& network,
                  const std::string& container) {
  BERTH_ASSIGN_OR_RETURN(json driverOpts, driverOptions(splitStringSlice(o.driverOpts)));
  json ipam = {{"IPv4Address", o.ip}, {"IPv6Address", o.ip6}};
  std::vector<std::string> linkLocal = splitStringSlice(o.linkLocalIps);
  if (!linkLocal.empty()) {
    ipam["LinkLocalIPs"] = linkLocal;
  }
  json endpoint = {
      {"IPAMConfig", ipam},
      {"Links", o.links.empty() ? json(nullptr) : json(o.links)},
      {"Aliases", splitStringSlice(o.aliases)},
      {"DriverOpts", driverOpts},
  };
  BERTH_ASSIGN_OR_RETURN(ApiClient * client, ctx.client());
  BERTH_TRY(client->call("POST", "/networks/" + network + "/connect", {},
                         json{{"Container", container}, {"EndpointConfig", endpoint}}));
  return okStatus();
}

Status runDisconnect(CommandContext& ctx, bool force, const std::string& network,
                     const std::string& container) {
  BERTH_ASSIGN_OR_RETURN(ApiClient * client, ctx.client());
  BERTH_TRY(client->call("POST", "/networks/" + network + "/disconnect", {},
                         json{{"Container", container}, {"Force", force}}));
  return okStatus();
}

// ---- prune ---------------------------------------------------------------------------------

struct PruneOptions {
  bool force = false;
  std::vector<std::string> filters;
};

Status runPrune(CommandContext& ctx, const PruneOptions& o) {
  auto filters = parseFilterFlags(o.filters, "--filter");
  if (!filters.ok()) {
    return ctx.flagError(filters.error().message());
  }
  if (!o.force &&
      !promptForConfirmation(std::cin, ctx.out(),
                             "WARNING! This will remove all custom networks not used by at least "
                             "one container.\nAre you sure you want to continue?")) {
    return okStatus();  // cancelled: docker prints nothing more and exits 0
  }
  Query query;
  if (!filters->empty()) {
    query.emplace_back("filters", filters->toJson());
  }
  BERTH_ASSIGN_OR_RETURN(ApiClient * client, ctx.client());
  BERTH_ASSIGN_OR_RETURN(ApiResponse reply, client->call("POST", "/networks/prune", query));
  BERTH_ASSIGN_OR_RETURN(json report, reply.json());
  auto deleted = report.find("NetworksDeleted");
  if (deleted != report.end() && deleted->is_array() && !deleted->empty()) {
    // docker builds "Deleted Networks:\n<name>\n..." and prints it with Fprintln.
    ctx.out() << "Deleted Networks:\n";
    for (const auto& name : *deleted) {
      ctx.out() << (name.is_string() ? name.get<std::string>() : name.dump()) << "\n";
    }
    ctx.out() << "\n";
  }
  return okStatus();
}

}  // namespace

void addNetworkCreateCommand(CommandRegistry& r, CLI::App& group) {
  auto o = std::make_shared<CreateOptions>();
  CommandSpec spec;
  spec.name = "create";
  spec.use = "[OPTIONS] NETWORK";
  spec.summary = "Create a network";
  spec.args = exactArgs(1);
  CLI::App* cmd =
      r.addCommand(group, spec, [o](CommandContext& ctx, const std::vector<std::string>& args) {
        return runCreate(ctx, *o, args[0]);
      });
  addBoolFlag(*cmd, "--attachable", o->attachable, "Enable manual container attachment");
  addRepeatedFlag(*cmd, "--aux-address", o->auxAddresses,
                  "Auxiliary IPv4 or IPv6 addresses used by Network driver", "map")
      ->default_str("map[]");
  addStringFlag(*cmd, "--config-from", o->configFrom,
                "The network from which to copy the configuration");
  addBoolFlag(*cmd, "--config-only", o->configOnly, "Create a configuration only network");
  addStringFlag(*cmd, "-d,--driver", o->driver, "Driver to manage the Network");
  addRepeatedFlag(*cmd, "--gateway", o->gateways, "IPv4 or IPv6 Gateway for the master subnet",
                  "strings");
  addBoolFlag(*cmd, "--ingress", o->ingress, "Create swarm routing-mesh network");
  addBoolFlag(*cmd, "--internal", o->internal, "Restrict external access to the network");
  addRepeatedFlag(*cmd, "--ip-range", o->ipRanges, "Allocate container ip from a sub-range",
                  "strings");
  addStringFlag(*cmd, "--ipam-driver", o->ipamDriver, "IP Address Management Driver");
  addRepeatedFlag(*cmd, "--ipam-opt", o->ipamOpts, "Set IPAM driver specific options", "map")
      ->default_str("map[]");
  addBoolFlag(*cmd, "--ipv6", o->ipv6, "Enable IPv6 networking");
  addCheckedListFlag(*cmd, "--label", o->labels, "Set metadata on a network", "list",
                     validateLabel);
  addRepeatedFlag(*cmd, "-o,--opt", o->driverOpts, "Set driver specific options", "map")
      ->default_str("map[]");
  addStringFlag(*cmd, "--scope", o->scope, "Control the network's scope");
  addRepeatedFlag(*cmd, "--subnet", o->subnets,
                  "Subnet in CIDR format that represents a network segment", "strings");
}

void addNetworkListCommand(CommandRegistry& r, CLI::App& group) {
  auto o = std::make_shared<ListOptions>();
  CommandSpec spec;
  spec.name = "ls";
  spec.use = "[OPTIONS]";
  spec.summary = "List networks";
  spec.aliases = {"list"};
  spec.aliasesLine = "berth network ls, berth network list";
  CLI::App* cmd = r.addCommand(
      group, spec,
      [o](CommandContext& ctx, const std::vector<std::string>&) { return runList(ctx, *o); });
  addRepeatedFlag(*cmd, "-f,--filter", o->filters, "Provide filter values (e.g. \"driver=bridge\")",
                  "filter");
  addFormatFlag(*cmd, o->format, FormatHelp::kTable, "--format");
  addBoolFlag(*cmd, "--no-trunc", o->noTrunc, "Do not truncate the output");
  addBoolFlag(*cmd, "-q,--quiet", o->quiet, "Only display network IDs");
}

void addNetworkInspectCommand(CommandRegistry& r, CLI::App& group) {
  auto o = std::make_shared<InspectOptions>();
  CommandSpec spec;
  spec.name = "inspect";
  spec.use = "[OPTIONS] NETWORK [NETWORK...]";
  spec.summary = "Display detailed information on one or more networks";
  spec.args = minArgs(1);
  CLI::App* cmd =
      r.addCommand(group, spec, [o](CommandContext& ctx, const std::vector<std::string>& args) {
        return runInspect(ctx, *o, args);
      });
  addFormatFlag(*cmd, o->format, FormatHelp::kInspect);
  addBoolFlag(*cmd, "-v,--verbose", o->verbose, "Verbose output for diagnostics");
}

void addNetworkRemoveCommand(CommandRegistry& r, CLI::App& group) {
  auto force = std::make_shared<bool>(false);
  CommandSpec spec;
  spec.name = "rm";
  spec.use = "NETWORK [NETWORK...]";
  spec.summary = "Remove one or more networks";
  spec.aliases = {"remove"};
  spec.aliasesLine = "berth network rm, berth network remove";
  spec.args = minArgs(1);
  CLI::App* cmd =
      r.addCommand(group, spec, [force](CommandContext& ctx, const std::vector<std::string>& args) {
        return runRemove(ctx, *force, args);
      });
  addBoolFlag(*cmd, "-f,--force", *force, "Do not error if the network does not exist");
}

void addNetworkConnectCommand(CommandRegistry& r, CLI::App& group) {
  auto o = std::make_shared<ConnectOptions>();
  CommandSpec spec;
  spec.name = "connect";
  spec.use = "[OPTIONS] NETWORK CONTAINER";
  spec.summary = "Connect a container to a network";
  spec.args = exactArgs(2);
  CLI::App* cmd =
      r.addCommand(group, spec, [o](CommandContext& ctx, const std::vector<std::string>& args) {
        return runConnect(ctx, *o, args[0], args[1]);
      });
  addRepeatedFlag(*cmd, "--alias", o->aliases, "Add network-scoped alias for the container",
                  "strings");
  addRepeatedFlag(*cmd, "--driver-opt", o->driverOpts, "driver options for the network", "strings");
  addStringFlag(*cmd, "--ip", o->ip, "IPv4 address (e.g., \"172.30.100.104\")");
  addStringFlag(*cmd, "--ip6", o->ip6, "IPv6 address (e.g., \"2001:db8::33\")");
  addRepeatedFlag(*cmd, "--link", o->links, "Add link to another container");
  addRepeatedFlag(*cmd, "--link-local-ip", o->linkLocalIps,
                  "Add a link-local address for the container", "strings");
}

void addNetworkDisconnectCommand(CommandRegistry& r, CLI::App& group) {
  auto force = std::make_shared<bool>(false);
  CommandSpec dspec;
  dspec.name = "disconnect";
  dspec.use = "[OPTIONS] NETWORK CONTAINER";
  dspec.summary = "Disconnect a container from a network";
  dspec.args = exactArgs(2);
  CLI::App* dcmd = r.addCommand(group, dspec,
                                [force](CommandContext& ctx, const std::vector<std::string>& args) {
                                  return runDisconnect(ctx, *force, args[0], args[1]);
                                });
  addBoolFlag(*dcmd, "-f,--force", *force, "Force the container to disconnect from a network");
}

void addNetworkPruneCommand(CommandRegistry& r, CLI::App& group) {
  auto o = std::make_shared<PruneOptions>();
  CommandSpec spec;
  spec.name = "prune";
  spec.use = "[OPTIONS]";
  spec.summary = "Remove all unused networks";
  CLI::App* cmd = r.addCommand(
      group, spec,
      [o](CommandContext& ctx, const std::vector<std::string>&) { return runPrune(ctx, *o); });
  addRepeatedFlag(*cmd, "--filter", o->filters,
                  "Provide filter values (e.g. \"until=<timestamp>\")", "filter");
  addBoolFlag(*cmd, "-f,--force", o->force, "Do not prompt for confirmation");
}

}  // namespace berth::cli
