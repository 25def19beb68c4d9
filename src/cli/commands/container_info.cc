// Looking at containers: inspect (any object, or containers only), top, port,
// stats and logs.
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <ostream>
#include <thread>

#include "cli/command.h"
#include "cli/commands/container.h"
#include "cli/commands/system.h"
#include "cli/stdio_stream.h"
#include "cli/terminal.h"
#include "cli/timestamps.h"
#include "cli/units.h"
#include "common/strings.h"
#include "format/tabwriter.h"
#include "format/template.h"

namespace berth::cli {

namespace {

using nlohmann::json;

// ---- inspect ----------------------------------------------------------------------

struct InspectOptions {
  std::string format;
  std::string type;
  bool size = false;
};

// Whether a failed lookup just means "not this kind of object".
bool skippable(const Error& e) {
  return e.kind() == ErrorKind::kNotFound || e.kind() == ErrorKind::kNotImplemented ||
         e.message().find("not supported") != std::string::npos;
}

Result<std::string> inspectOne(ApiClient& client, const std::string& ref, const InspectOptions& o,
                        bool generic) {
  struct Kind {
    const char* type;
    std::string path;
  };
  const std::vector<Kind> kinds = {
      {"container", "/containers/" + ref + "/json"},
      {"image", "/images/" + ref + "/json"},
      {"network", "/networks/" + ref},
      {"volume", "/volumes/" + ref},
  };
  for (const Kind& k : kinds) {
    if (!o.type.empty() && o.type != k.type) {
      continue;
    }
    Query query;
    if (o.size && std::string_view(k.type) == "container") {
      query.emplace_back("size", "1");
    }
    auto reply = client.call("GET", k.path, query);
    if (!reply.ok()) {
      if (generic && o.type.empty() && skippable(reply.error())) {
        continue;
      }
      return std::move(reply).error();
    }
    return std::move(reply->body);
  }
  if (!o.type.empty() && generic) {
    return notImplemented(fmt::format("berth cannot inspect objects of type {} yet", o.type));
  }
  return notFound("Error: No such object: " + ref);
}

}  // namespace

Status inspectObjects(CommandContext& ctx, const std::string& format, const std::string& type,
                      bool size, const std::vector<std::string>& refs, bool generic) {
  InspectOptions o{format, type, size};
  static const std::vector<std::string> kTypes = {"",     "config", "container", "image",
                                                  "network", "node", "plugin",    "secret",
                                                  "service", "task", "volume"};
  if (std::find(kTypes.begin(), kTypes.end(), o.type) == kTypes.end()) {
    return invalidArgument(fmt::format(
        "unknown type: \"{}\": must be one of \"config\", \"container\", \"image\", "
        "\"network\", \"node\", \"plugin\", \"secret\", \"service\", \"task\", \"volume\"",
        o.type));
  }
  if (!o.format.empty() && o.format != "json") {
    auto tmpl = format::Template::parse(o.format);
    if (!tmpl.ok()) {
      return ctx.statusError(
          64, invalidArgument("template parsing error: " + tmpl.error().message()));
    }
  }
  BERTH_ASSIGN_OR_RETURN(ApiClient * client, ctx.client());
  std::vector<std::string> raws;
  std::vector<json> objects;
  std::vector<std::string> errors;
  for (const std::string& ref : refs) {
    auto raw = inspectOne(*client, ref, o, generic);
    if (!raw.ok()) {
      errors.push_back(raw.error().message());
      continue;
    }
    auto obj = json::parse(*raw, nullptr, false);
    if (obj.is_discarded()) {
      errors.push_back("invalid JSON from the daemon for " + ref);
      continue;
    }
    raws.push_back(std::move(raw).value());
    objects.push_back(std::move(obj));
  }
  if (o.format.empty()) {
    // docker indents the daemon's own bytes: its key order and escapes stay.
    ctx.out() << (raws.empty() ? "[]" : goJsonIndent("[" + join(raws, ",") + "]", "    "))
              << "\n";
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

namespace {

// ---- top ---------------------------------------------------------------------------

Status runTop(CommandContext& ctx, const std::vector<std::string>& args) {
  Query query;
  if (args.size() > 1) {
    query.emplace_back("ps_args",
                       join(std::vector<std::string>(args.begin() + 1, args.end()), " "));
  }
  BERTH_ASSIGN_OR_RETURN(ApiClient * client, ctx.client());
  BERTH_ASSIGN_OR_RETURN(ApiResponse reply,
                         client->call("GET", "/containers/" + args[0] + "/top", query));
  BERTH_ASSIGN_OR_RETURN(json top, reply.json());
  auto strings = [](const json& row) {
    std::vector<std::string> out;
    if (row.is_array()) {
      for (const auto& v : row) {
        out.push_back(v.is_string() ? v.get<std::string>() : v.dump());
      }
    }
    return out;
  };
  format::TabWriter tw(format::TabWriter::Options{20, 1, 3, ' '});
  tw.write(join(strings(top.value("Titles", json::array())), "\t") + "\n");
  for (const auto& proc : top.value("Processes", json::array())) {
    tw.write(join(strings(proc), "\t") + "\n");
  }
  ctx.out() << tw.flush();
  return okStatus();
}

// ---- stats ----------------------------------------------------------------------------

struct StatsOptions {
  bool all = false;
  bool noStream = false;
  bool noTrunc = false;
  std::string format;
};

constexpr std::string_view kStatsTable =
    "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{."
    "BlockIO}}\t{{.PIDs}}";

Result<std::vector<json>> collectStats(CommandContext& ctx, const StatsOptions& o,
                                       const std::vector<std::string>& names,
                                       std::vector<std::string>& errors) {
  BERTH_ASSIGN_OR_RETURN(ApiClient * client, ctx.client());
  std::vector<std::string> targets = names;
  if (targets.empty()) {
    Query query;
    if (o.all) {
      query.emplace_back("all", "1");
    }
    BERTH_ASSIGN_OR_RETURN(ApiResponse reply, client->call("GET", "/containers/json", query));
    BERTH_ASSIGN_OR_RETURN(json list, reply.json());
    for (const auto& c : list) {
      targets.push_back(c.value("Id", ""));
    }
  }
  std::vector<json> rows;
  for (const std::string& name : targets) {
    auto reply = client->call("GET", "/containers/" + name + "/stats", {{"stream", "0"}});
    if (!reply.ok()) {
      errors.push_back(reply.error().message());
      continue;
    }
    auto sample = reply->json();
    if (!sample.ok()) {
      errors.push_back(sample.error().message());
      continue;
    }
    rows.push_back(statsRow(*sample, names.empty() ? truncateId(name) : name, !o.noTrunc));
  }
  return rows;
}

Status runStats(CommandContext& ctx, const StatsOptions& o, const std::vector<std::string>& names) {
  std::string fmtText = o.format.empty() || o.format == "table" ? std::string(kStatsTable)
                                                                 : o.format;
  const bool clear = !o.noStream && isTerminal(STDOUT_FILENO);
  while (true) {
    std::vector<std::string> errors;
    BERTH_ASSIGN_OR_RETURN(std::vector<json> rows, collectStats(ctx, o, names, errors));
    auto text = renderList(fmtText, rows, statsHeaders());
    if (!text.ok()) {
      return std::move(text).error();
    }
    if (clear) {
      ctx.out() << "\033[2J\033[H";  // docker redraws the whole screen each second
    }
    ctx.out() << *text;
    ctx.out().flush();
    if (!errors.empty() && (o.noStream || !names.empty())) {
      return internal(join(errors, "\n"));
    }
    if (o.noStream) {
      return okStatus();
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
}

// ---- logs ------------------------------------------------------------------------------

struct LogsOptions {
  bool follow = false;
  bool timestamps = false;
  bool details = false;
  std::string since;
  std::string until;
  std::string tail = "all";
};

Status runLogs(CommandContext& ctx, const LogsOptions& o, const std::string& name) {
  BERTH_ASSIGN_OR_RETURN(ApiClient * client, ctx.client());
  BERTH_ASSIGN_OR_RETURN(ApiResponse reply, client->call("GET", "/containers/" + name + "/json"));
  BERTH_ASSIGN_OR_RETURN(json c, reply.json());
  const std::string id = c.value("Id", name);
  const bool tty = c.value("Config", json::object()).value("Tty", false);
  Query query = {{"stdout", "1"}, {"stderr", "1"}};
  if (!o.since.empty()) {
    BERTH_ASSIGN_OR_RETURN(std::string ts, parseTimestampArg(o.since));
    query.emplace_back("since", ts);
  }
  if (o.timestamps) {
    query.emplace_back("timestamps", "1");
  }
  if (o.details) {
    query.emplace_back("details", "1");
  }
  if (o.follow) {
    query.emplace_back("follow", "1");
  }
  query.emplace_back("tail", o.tail);
  if (!o.until.empty()) {
    BERTH_ASSIGN_OR_RETURN(std::string ts, parseTimestampArg(o.until));
    query.emplace_back("until", ts);
  }
  StdcopyDemuxer demux([&](StdStream stream, std::string_view payload) {
    std::ostream& os = stream == StdStream::kStderr ? ctx.err() : ctx.out();
    os.write(payload.data(), static_cast<std::streamsize>(payload.size()));
    os.flush();
    return okStatus();
  });
  Status failure = okStatus();
  BERTH_TRY(client->stream("GET", "/containers/" + id + "/logs", query, std::nullopt,
                           [&](std::string_view chunk) {
                             if (tty) {
                               ctx.out().write(chunk.data(),
                                               static_cast<std::streamsize>(chunk.size()));
                               ctx.out().flush();
                               return true;
                             }
                             failure = demux.feed(chunk);
                             return failure.ok();
                           }));
  return failure;
}

std::string aliasesFor(const std::string& name) {
  return fmt::format("berth container {0}, berth {0}", name);
}

}  // namespace

// ---- shared pieces ------------------------------------------------------------------------

json statsRow(const json& s, const std::string& idOrName, bool trunc) {
  auto u64 = [](const json& obj, const char* key) -> double {
    auto it = obj.find(key);
    return it != obj.end() && it->is_number() ? it->get<double>() : 0.0;
  };
  const json empty = json::object();
  auto obj = [&](const json& o, const char* key) -> const json& {
    auto it = o.find(key);
    return it != o.end() && it->is_object() ? *it : empty;
  };
  const json& cpu = obj(s, "cpu_stats");
  const json& pre = obj(s, "precpu_stats");
  double cpuDelta = u64(obj(cpu, "cpu_usage"), "total_usage") - u64(obj(pre, "cpu_usage"), "total_usage");
  double systemDelta = u64(cpu, "system_cpu_usage") - u64(pre, "system_cpu_usage");
  double online = u64(cpu, "online_cpus");
  if (online == 0) {
    auto per = obj(cpu, "cpu_usage").find("percpu_usage");
    online = per != obj(cpu, "cpu_usage").end() && per->is_array() ? static_cast<double>(per->size()) : 0;
  }
  double cpuPercent = systemDelta > 0 && cpuDelta > 0 ? cpuDelta / systemDelta * online * 100.0 : 0;

  const json& mem = obj(s, "memory_stats");
  double usage = u64(mem, "usage");
  const json& memStats = obj(mem, "stats");
  double used = usage;
  if (memStats.contains("total_inactive_file") && u64(memStats, "total_inactive_file") < usage) {
    used = usage - u64(memStats, "total_inactive_file");
  } else if (u64(memStats, "inactive_file") < usage) {
    used = usage - u64(memStats, "inactive_file");
  }
  double limit = u64(mem, "limit");
  double memPercent = limit != 0 ? used / limit * 100.0 : 0;

  double rx = 0;
  double tx = 0;
  for (const auto& [_, n] : obj(s, "networks").items()) {
    rx += u64(n, "rx_bytes");
    tx += u64(n, "tx_bytes");
  }
  double blkRead = 0;
  double blkWrite = 0;
  const json& blkio = obj(s, "blkio_stats");
  if (auto entries = blkio.find("io_service_bytes_recursive");
      entries != blkio.end() && entries->is_array()) {
    for (const auto& e : *entries) {
      std::string op = e.value("op", "");
      if (op.empty()) {
        continue;
      }
      if (op[0] == 'r' || op[0] == 'R') {
        blkRead += u64(e, "value");
      } else if (op[0] == 'w' || op[0] == 'W') {
        blkWrite += u64(e, "value");
      }
    }
  }
  std::string name = s.value("name", "");
  std::string id = s.value("id", "");
  auto pct = [](double v) { return fmt::format("{:.2f}%", v); };
  return {
      {"BlockIO", humanSizeWithPrecision(blkRead, 3) + " / " + humanSizeWithPrecision(blkWrite, 3)},
      {"CPUPerc", pct(cpuPercent)},
      {"Container", idOrName},
      {"ID", trunc ? truncateId(id) : id},
      {"MemPerc", pct(memPercent)},
      {"MemUsage", bytesSize(used) + " / " + bytesSize(limit)},
      {"Name", name.size() > 1 ? name.substr(1) : "--"},
      {"NetIO", humanSizeWithPrecision(rx, 3) + " / " + humanSizeWithPrecision(tx, 3)},
      {"PIDs", std::to_string(static_cast<uint64_t>(u64(obj(s, "pids_stats"), "current")))},
  };
}

const format::HeaderMap& statsHeaders() {
  static const format::HeaderMap kHeaders = {
      {"Container", "CONTAINER"},  {"Name", "NAME"},       {"ID", "CONTAINER ID"},
      {"CPUPerc", "CPU %"},        {"MemUsage", "MEM USAGE / LIMIT"},
      {"MemPerc", "MEM %"},        {"NetIO", "NET I/O"},    {"BlockIO", "BLOCK I/O"},
      {"PIDs", "PIDS"},
  };
  return kHeaders;
}

Result<std::vector<std::string>> portLines(const json& inspect, const std::string& port,
                                           const std::string& container) {
  const json settings = inspect.value("NetworkSettings", json::object());
  const json ports = settings.value("Ports", json::object());
  auto hostPort = [](const json& binding) {
    std::string ip = binding.value("HostIp", "");
    std::string p = binding.value("HostPort", "");
    return ip.find(':') != std::string::npos ? "[" + ip + "]:" + p : ip + ":" + p;
  };
  std::vector<std::string> out;
  if (!port.empty()) {
    std::string number = port.substr(0, port.find('/'));
    std::string proto = port.find('/') == std::string::npos ? "tcp" : port.substr(port.find('/') + 1);
    char* end = nullptr;
    unsigned long v = std::strtoul(number.c_str(), &end, 10);
    if (number.empty() || *end != '\0' || v > 65535) {
      return invalidArgument(fmt::format(
          "Error: invalid port ({}): strconv.ParseUint: parsing \"{}\": invalid syntax", number,
          number));
    }
    auto it = ports.find(number + "/" + proto);
    if (it == ports.end() || !it->is_array() || it->empty()) {
      return notFound(
          fmt::format("Error: No public port '{}' published for {}", port, container));
    }
    for (const auto& b : *it) {
      out.push_back(hostPort(b));
    }
  } else {
    for (const auto& [from, bindings] : ports.items()) {
      if (!bindings.is_array()) {
        continue;
      }
      for (const auto& b : bindings) {
        out.push_back(from + " -> " + hostPort(b));
      }
    }
  }
  std::sort(out.begin(), out.end(),
            [](const std::string& a, const std::string& b) { return naturalLess(a, b); });
  return out;
}

void addInspectCommand(CommandRegistry& r, CLI::App& parent) {
  auto opts = std::make_shared<InspectOptions>();
  CommandSpec spec;
  spec.name = "inspect";
  spec.use = "[OPTIONS] NAME|ID [NAME|ID...]";
  spec.summary = "Return low-level information on Berth objects";
  spec.args = minArgs(1);
  CLI::App* cmd = r.addCommand(parent, spec,
                               [opts](CommandContext& ctx, const std::vector<std::string>& args) {
                                 return inspectObjects(ctx, opts->format, opts->type, opts->size, args, true);
                               });
  addFormatFlag(*cmd, opts->format, FormatHelp::kInspect);
  addBoolFlag(*cmd, "-s,--size", opts->size, "Display total file sizes if the type is container");
  addStringFlag(*cmd, "--type", opts->type, "Only inspect objects of the given type");
}

void addContainerInspectCommand(CommandRegistry& r, CLI::App& group) {
  auto opts = std::make_shared<InspectOptions>();
  opts->type = "container";
  CommandSpec spec;
  spec.name = "inspect";
  spec.use = "[OPTIONS] CONTAINER [CONTAINER...]";
  spec.summary = "Display detailed information on one or more containers";
  spec.args = minArgs(1);
  CLI::App* cmd = r.addCommand(group, spec,
                               [opts](CommandContext& ctx, const std::vector<std::string>& args) {
                                 return inspectObjects(ctx, opts->format, opts->type, opts->size, args, false);
                               });
  addFormatFlag(*cmd, opts->format, FormatHelp::kInspect);
  addBoolFlag(*cmd, "-s,--size", opts->size, "Display total file sizes");
}

void addInfoCommands(CommandRegistry& r, CLI::App& parent, bool /*inGroup*/) {
  CommandSpec top;
  top.name = "top";
  top.use = "CONTAINER [ps OPTIONS]";
  top.summary = "Display the running processes of a container";
  top.aliasesLine = aliasesFor("top");
  top.args = minArgs(1);
  top.flagsEndAtFirstArg = true;
  r.addCommand(parent, top, [](CommandContext& ctx, const std::vector<std::string>& args) {
    return runTop(ctx, args);
  });

  CommandSpec port;
  port.name = "port";
  port.use = "CONTAINER [PRIVATE_PORT[/PROTO]]";
  port.summary = "List port mappings or a specific mapping for the container";
  port.aliasesLine = aliasesFor("port");
  port.args = rangeArgs(1, 2);
  r.addCommand(parent, port, [](CommandContext& ctx, const std::vector<std::string>& args) -> Status {
    BERTH_ASSIGN_OR_RETURN(ApiClient * client, ctx.client());
    BERTH_ASSIGN_OR_RETURN(ApiResponse reply,
                           client->call("GET", "/containers/" + args[0] + "/json"));
    BERTH_ASSIGN_OR_RETURN(json c, reply.json());
    BERTH_ASSIGN_OR_RETURN(auto lines, portLines(c, args.size() > 1 ? args[1] : "", args[0]));
    if (!lines.empty()) {
      ctx.out() << join(lines, "\n") << "\n";
    }
    return okStatus();
  });

  auto stats = std::make_shared<StatsOptions>();
  CommandSpec statsSpec;
  statsSpec.name = "stats";
  statsSpec.use = "[OPTIONS] [CONTAINER...]";
  statsSpec.summary = "Display a live stream of container(s) resource usage statistics";
  statsSpec.aliasesLine = aliasesFor("stats");
  statsSpec.args = minArgs(0);
  CLI::App* cmd = r.addCommand(parent, statsSpec,
                               [stats](CommandContext& ctx, const std::vector<std::string>& args) {
                                 return runStats(ctx, *stats, args);
                               });
  addBoolFlag(*cmd, "-a,--all", stats->all, "Show all containers (default shows just running)");
  addFormatFlag(*cmd, stats->format, FormatHelp::kTable, "--format");
  addBoolFlag(*cmd, "--no-stream", stats->noStream,
              "Disable streaming stats and only pull the first result");
  addBoolFlag(*cmd, "--no-trunc", stats->noTrunc, "Do not truncate output");

  auto logs = std::make_shared<LogsOptions>();
  CommandSpec logsSpec;
  logsSpec.name = "logs";
  logsSpec.use = "[OPTIONS] CONTAINER";
  logsSpec.summary = "Fetch the logs of a container";
  logsSpec.aliasesLine = aliasesFor("logs");
  logsSpec.args = exactArgs(1);
  cmd = r.addCommand(parent, logsSpec,
                     [logs](CommandContext& ctx, const std::vector<std::string>& args) {
                       return runLogs(ctx, *logs, args[0]);
                     });
  addBoolFlag(*cmd, "--details", logs->details, "Show extra details provided to logs");
  addBoolFlag(*cmd, "-f,--follow", logs->follow, "Follow log output");
  addStringFlag(*cmd, "--since", logs->since,
                "Show logs since timestamp (e.g. \"2013-01-02T13:23:37Z\") or relative (e.g. "
                "\"42m\" for 42 minutes)");
  addStringFlag(*cmd, "-n,--tail", logs->tail,
                "Number of lines to show from the end of the logs");
  addBoolFlag(*cmd, "-t,--timestamps", logs->timestamps, "Show timestamps");
  addStringFlag(*cmd, "--until", logs->until,
                "Show logs before a timestamp (e.g. \"2013-01-02T13:23:37Z\") or relative (e.g. "
                "\"42m\" for 42 minutes)");
}

}  // namespace berth::cli
