// The `volume` group: create, ls, inspect, rm, prune (cli/command/volume/*.go).
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>

#include "cli/command.h"
#include "cli/commands/commands.h"
#include "cli/commands/container.h"
#include "cli/flag_values.h"
#include "cli/units.h"
#include "common/strings.h"

namespace berth::cli {

namespace {

using nlohmann::json;

// opts.MapOpts / ListOpts "k=v" values as a JSON object (the last one wins).
json kvObject(const std::vector<std::string>& values) {
  json out = json::object();
  for (const std::string& v : values) {
    size_t eq = v.find('=');
    out[v.substr(0, eq)] = eq == std::string::npos ? "" : v.substr(eq + 1);
  }
  return out;
}

// ---- create -----------------------------------------------------------------------------

struct CreateOptions {
  std::string driver = "local";
  std::vector<std::string> driverOpts;
  std::vector<std::string> labels;
  std::string name;
};

Status runCreate(CommandContext& ctx, const CreateOptions& o,
                 const std::vector<std::string>& args) {
  std::string name = o.name;
  if (!args.empty()) {
    if (!name.empty() && name != args[0]) {
      return ctx.flagError(
          fmt::format("conflicting options: either specify --name or provide positional arg, "
                      "not both"));
    }
    name = args[0];
  }
  for (const std::string& opt : o.driverOpts) {
    if (opt.find('=') == std::string::npos) {
      return ctx.flagError(
          fmt::format("invalid argument \"{}\" for \"-o, --opt\" flag: bad format for "
                      "key-value pair",
                      opt));
    }
  }
  json body = {{"Name", name},
               {"Driver", o.driver},
               {"DriverOpts", kvObject(o.driverOpts)},
               {"Labels", kvObject(o.labels)}};
  BERTH_ASSIGN_OR_RETURN(ApiClient * client, ctx.client());
  BERTH_ASSIGN_OR_RETURN(ApiResponse reply, client->call("POST", "/volumes/create", {}, body));
  BERTH_ASSIGN_OR_RETURN(json created, reply.json());
  ctx.out() << created.value("Name", "") << "\n";
  return okStatus();
}

// ---- ls -----------------------------------------------------------------------------------

struct ListOptions {
  bool quiet = false;
  std::string format;
  std::vector<std::string> filters;
};

json volumeRow(const json& v) {
  auto str = [&v](const char* key) {
    auto it = v.find(key);
    return it != v.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  std::vector<std::string> labels;
  if (auto it = v.find("Labels"); it != v.end() && it->is_object()) {
    for (const auto& [k, val] : it->items()) {
      labels.push_back(k + "=" + (val.is_string() ? val.get<std::string>() : val.dump()));
    }
  }
  std::string size = "N/A";
  if (auto u = v.find("UsageData"); u != v.end() && u->is_object() && u->contains("Size") &&
                                    (*u)["Size"].is_number_integer() &&
                                    (*u)["Size"].get<int64_t>() >= 0) {
    size = humanSize(static_cast<double>((*u)["Size"].get<int64_t>()));
  }
  return {{"Driver", str("Driver")},         {"Name", str("Name")},
          {"Scope", str("Scope")},           {"Mountpoint", str("Mountpoint")},
          {"Labels", join(labels, ",")},     {"Size", size},
          {"Links", "N/A"},                  {"Availability", "N/A"},
          {"Group", "N/A"}};
}

const format::HeaderMap& volumeHeaders() {
  static const format::HeaderMap kHeaders = {
      {"Driver", "DRIVER"},         {"Name", "VOLUME NAME"}, {"Scope", "SCOPE"},
      {"Mountpoint", "MOUNTPOINT"}, {"Labels", "LABELS"},    {"Size", "SIZE"},
      {"Links", "LINKS"},           {"Availability", "AVAILABILITY"}, {"Group", "GROUP"}};
  return kHeaders;
}

std::string volumeListFormat(const std::string& userFormat, bool quiet) {
  if (userFormat.empty() || userFormat == "table") {
    return quiet ? "{{.Name}}" : "table {{.Driver}}\t{{.Name}}";
  }
  if (userFormat == "raw") {
    return quiet ? "name: {{.Name}}" : "driver: {{.Driver}}\\nname: {{.Name}}\\n";
  }
  return userFormat;
}

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
  BERTH_ASSIGN_OR_RETURN(ApiResponse reply, client->call("GET", "/volumes", query));
  BERTH_ASSIGN_OR_RETURN(json list, reply.json());
  std::vector<json> volumes;
  if (auto it = list.find("Volumes"); it != list.end() && it->is_array()) {
    volumes.assign(it->begin(), it->end());
  }
  std::stable_sort(volumes.begin(), volumes.end(), [](const json& a, const json& b) {
    return naturalLess(a.value("Name", ""), b.value("Name", ""));
  });
  std::vector<json> rows;
  rows.reserve(volumes.size());
  for (const json& v : volumes) {
    rows.push_back(volumeRow(v));
  }
  BERTH_ASSIGN_OR_RETURN(std::string text,
                         renderList(volumeListFormat(o.format, o.quiet), rows, volumeHeaders()));
  ctx.out() << text;
  return okStatus();
}

// ---- rm -----------------------------------------------------------------------------------

Status runRemove(CommandContext& ctx, bool force, const std::vector<std::string>& names) {
  BERTH_ASSIGN_OR_RETURN(ApiClient * client, ctx.client());
  std::vector<std::string> errors;
  for (const std::string& name : names) {
    Query query;
    if (force) {
      query.emplace_back("force", "1");
    }
    auto reply = client->call("DELETE", "/volumes/" + name, query);
    if (!reply.ok()) {
      errors.push_back(reply.error().message());
      continue;
    }
    ctx.out() << name << "\n";
  }
  if (!errors.empty()) {
    return internal(join(errors, "\n"));
  }
  return okStatus();
}

// ---- prune --------------------------------------------------------------------------------

struct PruneOptions {
  bool force = false;
  bool all = false;
  std::vector<std::string> filters;
};

Status runPrune(CommandContext& ctx, const PruneOptions& o) {
  auto filters = parseFilterFlags(o.filters, "--filter");
  if (!filters.ok()) {
    return ctx.flagError(filters.error().message());
  }
  if (o.all) {
    if (filters->contains("all")) {
      return ctx.flagError("conflicting options: cannot specify both --all and --filter all=1");
    }
    filters->add("all", "true");
  }
  const char* warning =
      o.all || filters->contains("all")
          ? "WARNING! This will remove all local volumes not used by at least one container.\n"
            "Are you sure you want to continue?"
          : "WARNING! This will remove anonymous local volumes not used by at least one "
            "container.\nAre you sure you want to continue?";
  if (!o.force && !promptForConfirmation(std::cin, ctx.out(), warning)) {
    return okStatus();
  }
  Query query;
  if (!filters->empty()) {
    query.emplace_back("filters", filters->toJson());
  }
  BERTH_ASSIGN_OR_RETURN(ApiClient * client, ctx.client());
  BERTH_ASSIGN_OR_RETURN(ApiResponse reply, client->call("POST", "/volumes/prune", query));
  BERTH_ASSIGN_OR_RETURN(json report, reply.json());
  auto deleted = report.find("VolumesDeleted");
  if (deleted != report.end() && deleted->is_array() && !deleted->empty()) {
    ctx.out() << "Deleted Volumes:\n";
    for (const auto& name : *deleted) {
      ctx.out() << (name.is_string() ? name.get<std::string>() : name.dump()) << "\n";
    }
    ctx.out() << "\n";
  }
  int64_t reclaimed = report.value("SpaceReclaimed", int64_t{0});
  ctx.out() << "Total reclaimed space: " << humanSize(static_cast<double>(reclaimed)) << "\n";
  return okStatus();
}

// ---- registration -------------------------------------------------------------------------

void addCreate(CommandRegistry& r, CLI::App& group) {
  auto o = std::make_shared<CreateOptions>();
  CommandSpec spec;
  spec.name = "create";
  spec.use = "[OPTIONS] [VOLUME]";
  spec.summary = "Create a volume";
  spec.args = maxArgs(1);
  CLI::App* cmd =
      r.addCommand(group, spec, [o](CommandContext& ctx, const std::vector<std::string>& args) {
        return runCreate(ctx, *o, args);
      });
  addStringFlag(*cmd, "-d,--driver", o->driver, "Specify volume driver name");
  addRepeatedFlag(*cmd, "--label", o->labels, "Set metadata for a volume", "list");
  addStringFlag(*cmd, "--name", o->name, "Specify volume name");
  addRepeatedFlag(*cmd, "-o,--opt", o->driverOpts, "Set driver specific options", "map")
      ->default_str("map[]");
}

void addList(CommandRegistry& r, CLI::App& group) {
  auto o = std::make_shared<ListOptions>();
  CommandSpec spec;
  spec.name = "ls";
  spec.use = "[OPTIONS]";
  spec.summary = "List volumes";
  spec.aliases = {"list"};
  spec.aliasesLine = "berth volume ls, berth volume list";
  CLI::App* cmd = r.addCommand(
      group, spec,
      [o](CommandContext& ctx, const std::vector<std::string>&) { return runList(ctx, *o); });
  addRepeatedFlag(*cmd, "-f,--filter", o->filters, "Provide filter values (e.g. \"dangling=true\")",
                  "filter");
  addFormatFlag(*cmd, o->format, FormatHelp::kTable, "--format");
  addBoolFlag(*cmd, "-q,--quiet", o->quiet, "Only display volume names");
}

void addInspect(CommandRegistry& r, CLI::App& group) {
  auto format = std::make_shared<std::string>();
  CommandSpec spec;
  spec.name = "inspect";
  spec.use = "[OPTIONS] VOLUME [VOLUME...]";
  spec.summary = "Display detailed information on one or more volumes";
  spec.args = minArgs(1);
  CLI::App* cmd = r.addCommand(
      group, spec, [format](CommandContext& ctx, const std::vector<std::string>& args) {
        return inspectObjects(ctx, *format, "volume", false, args, false);
      });
  addFormatFlag(*cmd, *format, FormatHelp::kInspect);
}

void addRemove(CommandRegistry& r, CLI::App& group) {
  auto force = std::make_shared<bool>(false);
  CommandSpec spec;
  spec.name = "rm";
  spec.use = "[OPTIONS] VOLUME [VOLUME...]";
  spec.summary = "Remove one or more volumes";
  spec.aliases = {"remove"};
  spec.aliasesLine = "berth volume rm, berth volume remove";
  spec.args = minArgs(1);
  CLI::App* cmd =
      r.addCommand(group, spec, [force](CommandContext& ctx, const std::vector<std::string>& args) {
        return runRemove(ctx, *force, args);
      });
  addBoolFlag(*cmd, "-f,--force", *force, "Force the removal of one or more volumes");
}

void addPrune(CommandRegistry& r, CLI::App& group) {
  auto o = std::make_shared<PruneOptions>();
  CommandSpec spec;
  spec.name = "prune";
  spec.use = "[OPTIONS]";
  spec.summary = "Remove unused local volumes";
  CLI::App* cmd = r.addCommand(
      group, spec,
      [o](CommandContext& ctx, const std::vector<std::string>&) { return runPrune(ctx, *o); });
  addBoolFlag(*cmd, "-a,--all", o->all, "Remove all unused volumes, not just anonymous ones");
  addRepeatedFlag(*cmd, "--filter", o->filters, "Provide filter values (e.g. \"label=<label>\")",
                  "filter");
  addBoolFlag(*cmd, "-f,--force", o->force, "Do not prompt for confirmation");
}

}  // namespace

void registerVolumeCommands(CommandRegistry& registry) {
  CommandSpec spec;
  spec.name = "volume";
  spec.summary = "Manage volumes";
  CLI::App* group = registry.addGroup(registry.root(), spec);
  addCreate(registry, *group);
  addInspect(registry, *group);
  addList(registry, *group);
  addPrune(registry, *group);
  addRemove(registry, *group);
}

}  // namespace berth::cli
