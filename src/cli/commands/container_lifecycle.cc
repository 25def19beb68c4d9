// stop, kill, restart, pause, unpause, rm, rename, wait and container prune:
// one request per container, names echoed back, errors collected as docker does.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <ostream>

#include "cli/command.h"
#include "cli/commands/container.h"
#include "cli/flag_values.h"
#include "cli/units.h"
#include "common/strings.h"

namespace berth::cli {

namespace {

using nlohmann::json;

struct SignalTimeout {
  std::string signal;
  int timeout = 0;
  CLI::Option* timeoutOpt = nullptr;
  CLI::Option* timeOpt = nullptr;  // the deprecated --time spelling

  bool timeoutChanged() const {
    return (timeoutOpt != nullptr && timeoutOpt->count() > 0) ||
           (timeOpt != nullptr && timeOpt->count() > 0);
  }
  Query query() const {
    Query q;
    if (!signal.empty()) {
      q.emplace_back("signal", signal);
    }
    if (timeoutChanged()) {
      q.emplace_back("t", std::to_string(timeout));
    }
    return q;
  }
};

std::string aliasesFor(const std::string& name) {
  return fmt::format("berth container {0}, berth {0}", name);
}

CLI::App* addSimple(CommandRegistry& r, CLI::App& parent, const std::string& name,
                    const std::string& summary, const std::string& use, ArgCount args,
                    CommandAction action) {
  CommandSpec spec;
  spec.name = name;
  spec.use = use;
  spec.summary = summary;
  spec.aliasesLine = aliasesFor(name);
  spec.args = args;
  return r.addCommand(parent, spec, std::move(action));
}

void addSignalTimeoutFlags(CLI::App& cmd, SignalTimeout& o) {
  addStringFlag(cmd, "-s,--signal", o.signal, "Signal to send to the container");
  o.timeoutOpt =
      addIntFlag(cmd, "-t,--timeout", o.timeout, "Seconds to wait before killing the container");
  o.timeOpt = addIntFlag(cmd, "--time", o.timeout, "Seconds to wait before killing the container");
  o.timeOpt->group("");  // deprecated, hidden in docker's help
}

struct RemoveOptions {
  bool force = false;
  bool volumes = false;
  bool link = false;
};

Status runRemove(CommandContext& ctx, const RemoveOptions& o,
                 const std::vector<std::string>& names) {
  Query query;
  if (o.volumes) {
    query.emplace_back("v", "1");
  }
  if (o.link) {
    query.emplace_back("link", "1");
  }
  if (o.force) {
    query.emplace_back("force", "1");
  }
  return forEachContainer(
      ctx, names,
      [&](ApiClient& client, const std::string& name) -> Status {
        std::string id(trim(name));
        while (!id.empty() && id.front() == '/') {
          id.erase(0, 1);
        }
        while (!id.empty() && id.back() == '/') {
          id.pop_back();
        }
        if (id.empty()) {
          return invalidArgument("Container name cannot be empty");
        }
        BERTH_TRY(client.call("DELETE", "/containers/" + id, query));
        return okStatus();
      },
      [&](const Error& e) { return o.force && e.kind() == ErrorKind::kNotFound; });
}

Status runWait(CommandContext& ctx, const std::vector<std::string>& names) {
  BERTH_ASSIGN_OR_RETURN(ApiClient * client, ctx.client());
  std::vector<std::string> errors;
  for (const std::string& name : names) {
    std::string body;
    Status st = client->stream("POST", "/containers/" + name + "/wait", {}, std::nullopt,
                               [&](std::string_view chunk) {
                                 body.append(chunk);
                                 return true;
                               });
    if (!st.ok()) {
      errors.push_back(st.error().message());
      continue;
    }
    auto reply = json::parse(body, nullptr, false);
    ctx.out() << (reply.is_object() ? reply.value("StatusCode", 0) : 0) << "\n";
  }
  if (!errors.empty()) {
    return internal(join(errors, "\n"));
  }
  return okStatus();
}

Status runRename(CommandContext& ctx, const std::string& oldName, const std::string& newName) {
  std::string from(trim(oldName));
  std::string to(trim(newName));
  if (from.empty() || to.empty()) {
    return invalidArgument("Error: Neither old nor new names may be empty");
  }
  BERTH_ASSIGN_OR_RETURN(ApiClient * client, ctx.client());
  auto reply = client->call("POST", "/containers/" + from + "/rename", {{"name", to}});
  if (!reply.ok()) {
    ctx.err() << reply.error().message() << "\n";
    return internal("Error: failed to rename container named " + from);
  }
  return okStatus();
}

struct PruneOptions {
  bool force = false;
  std::vector<std::string> filters;
};

Status runContainerPrune(CommandContext& ctx, const PruneOptions& o) {
  auto filters = parseFilterFlags(o.filters, "--filter");
  if (!filters.ok()) {
    return ctx.flagError(filters.error().message());
  }
  if (!o.force &&
      !promptForConfirmation(std::cin, ctx.out(),
                             "WARNING! This will remove all stopped containers.\n"
                             "Are you sure you want to continue?")) {
    return okStatus();  // cancelled: docker prints nothing more and exits 0
  }
  BERTH_ASSIGN_OR_RETURN(ApiClient * client, ctx.client());
  Query query;
  if (!filters->empty()) {
    query.emplace_back("filters", filters->toJson());
  }
  BERTH_ASSIGN_OR_RETURN(ApiResponse reply, client->call("POST", "/containers/prune", query));
  BERTH_ASSIGN_OR_RETURN(json report, reply.json());
  uint64_t reclaimed = 0;
  auto deleted = report.find("ContainersDeleted");
  if (deleted != report.end() && deleted->is_array() && !deleted->empty()) {
    ctx.out() << "Deleted Containers:\n";
    for (const auto& id : *deleted) {
      ctx.out() << (id.is_string() ? id.get<std::string>() : id.dump()) << "\n";
    }
    ctx.out() << "\n";
    auto space = report.find("SpaceReclaimed");
    if (space != report.end() && space->is_number()) {
      reclaimed = space->get<uint64_t>();
    }
  }
  ctx.out() << "Total reclaimed space: " << humanSize(static_cast<double>(reclaimed)) << "\n";
  return okStatus();
}

}  // namespace

void addLifecycleCommands(CommandRegistry& r, CLI::App& parent, bool inGroup) {
  auto stop = std::make_shared<SignalTimeout>();
  CLI::App* cmd = addSimple(
      r, parent, "stop", "Stop one or more running containers", "[OPTIONS] CONTAINER [CONTAINER...]",
      minArgs(1), [stop](CommandContext& ctx, const std::vector<std::string>& names) {
        Query q = stop->query();
        return forEachContainer(ctx, names, [&](ApiClient& c, const std::string& n) -> Status {
          BERTH_TRY(c.call("POST", "/containers/" + n + "/stop", q));
          return okStatus();
        });
      });
  addSignalTimeoutFlags(*cmd, *stop);

  auto restart = std::make_shared<SignalTimeout>();
  cmd = addSimple(r, parent, "restart", "Restart one or more containers",
                  "[OPTIONS] CONTAINER [CONTAINER...]", minArgs(1),
                  [restart](CommandContext& ctx, const std::vector<std::string>& names) {
                    Query q = restart->query();
                    return forEachContainer(ctx, names,
                                            [&](ApiClient& c, const std::string& n) -> Status {
                                              BERTH_TRY(c.call(
                                                  "POST", "/containers/" + n + "/restart", q));
                                              return okStatus();
                                            });
                  });
  addSignalTimeoutFlags(*cmd, *restart);

  auto killSignal = std::make_shared<std::string>();
  cmd = addSimple(r, parent, "kill", "Kill one or more running containers",
                  "[OPTIONS] CONTAINER [CONTAINER...]", minArgs(1),
                  [killSignal](CommandContext& ctx, const std::vector<std::string>& names) {
                    Query q;
                    if (!killSignal->empty()) {
                      q.emplace_back("signal", *killSignal);
                    }
                    return forEachContainer(ctx, names,
                                            [&](ApiClient& c, const std::string& n) -> Status {
                                              BERTH_TRY(
                                                  c.call("POST", "/containers/" + n + "/kill", q));
                                              return okStatus();
                                            });
                  });
  addStringFlag(*cmd, "-s,--signal", *killSignal, "Signal to send to the container");

  for (const char* verb : {"pause", "unpause"}) {
    std::string v = verb;
    addSimple(r, parent, v,
              v == "pause" ? "Pause all processes within one or more containers"
                           : "Unpause all processes within one or more containers",
              "CONTAINER [CONTAINER...]", minArgs(1),
              [v](CommandContext& ctx, const std::vector<std::string>& names) {
                return forEachContainer(ctx, names,
                                        [&](ApiClient& c, const std::string& n) -> Status {
                                          BERTH_TRY(c.call("POST", "/containers/" + n + "/" + v));
                                          return okStatus();
                                        });
              });
  }

  auto rm = std::make_shared<RemoveOptions>();
  CommandSpec rmSpec;
  rmSpec.name = "rm";
  rmSpec.use = "[OPTIONS] CONTAINER [CONTAINER...]";
  rmSpec.summary = "Remove one or more containers";
  rmSpec.aliasesLine = "berth container rm, berth container remove, berth rm";
  if (inGroup) {
    rmSpec.aliases = {"remove"};
  }
  rmSpec.args = minArgs(1);
  cmd = r.addCommand(parent, rmSpec,
                     [rm](CommandContext& ctx, const std::vector<std::string>& names) {
                       return runRemove(ctx, *rm, names);
                     });
  addBoolFlag(*cmd, "-f,--force", rm->force,
              "Force the removal of a running container (uses SIGKILL)");
  addBoolFlag(*cmd, "-l,--link", rm->link, "Remove the specified link");
  addBoolFlag(*cmd, "-v,--volumes", rm->volumes,
              "Remove anonymous volumes associated with the container");

  addSimple(r, parent, "rename", "Rename a container", "CONTAINER NEW_NAME", exactArgs(2),
            [](CommandContext& ctx, const std::vector<std::string>& args) {
              return runRename(ctx, args[0], args[1]);
            });
  addSimple(r, parent, "wait",
            "Block until one or more containers stop, then print their exit codes",
            "CONTAINER [CONTAINER...]", minArgs(1),
            [](CommandContext& ctx, const std::vector<std::string>& names) {
              return runWait(ctx, names);
            });
}

void addContainerPruneCommand(CommandRegistry& r, CLI::App& group) {
  auto opts = std::make_shared<PruneOptions>();
  CommandSpec spec;
  spec.name = "prune";
  spec.use = "[OPTIONS]";
  spec.summary = "Remove all stopped containers";
  CLI::App* cmd = r.addCommand(group, spec,
                               [opts](CommandContext& ctx, const std::vector<std::string>&) {
                                 return runContainerPrune(ctx, *opts);
                               });
  addRepeatedFlag(*cmd, "--filter", opts->filters,
              "Provide filter values (e.g. \"until=<timestamp>\")", "filter");
  addBoolFlag(*cmd, "-f,--force", opts->force, "Do not prompt for confirmation");
}

}  // namespace berth::cli
