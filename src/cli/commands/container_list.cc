// `ps` / `container ls`: GET /containers/json rendered with docker's
// ContainerContext fields (ID, Image, Command, RunningFor, Status, Ports, ...).
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <ostream>

#include "cli/command.h"
#include "cli/commands/container.h"
#include "cli/flag_values.h"
#include "cli/units.h"
#include "format/go_fmt.h"
#include "common/strings.h"
#include "format/template.h"

namespace berth::cli {

namespace {

using nlohmann::json;

constexpr std::string_view kDefaultTable =
    "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}";
constexpr std::string_view kRawFormat =
    "container_id: {{.ID}}\\nimage: {{.Image}}\\ncommand: {{.Command}}\\ncreated_at: "
    "{{.CreatedAt}}\\nstate: {{- pad .State 1 0}}\\nstatus: {{- pad .Status 1 0}}\\nnames: "
    "{{.Names}}\\nlabels: {{- pad .Labels 1 0}}\\nports: {{- pad .Ports 1 0}}\\n";

std::string str(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

int64_t num(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_number() ? it->get<int64_t>() : 0;
}

// reference.FamiliarString of a normalized name.
std::string familiar(std::string name) {
  for (std::string_view prefix : {"docker.io/library/", "docker.io/"}) {
    if (startsWith(name, prefix)) {
      return name.substr(prefix.size());
    }
  }
  return name;
}

// docker's ContainerContext.Image: short ids for image ids, digests dropped.
std::string imageColumn(const json& c, bool trunc) {
  std::string image = str(c, "Image");
  if (image.empty()) {
    return "<no image>";
  }
  if (!trunc) {
    return image;
  }
  if (truncateId(str(c, "ImageID")) == truncateId(image)) {
    return truncateId(image);
  }
  size_t at = image.find('@');
  std::string named = at == std::string::npos ? image : image.substr(0, at);
  return familiar(named);
}

std::string names(const json& c, bool trunc) {
  std::vector<std::string> out;
  for (const auto& n : c.value("Names", json::array())) {
    if (!n.is_string()) {
      continue;
    }
    std::string name = n.get<std::string>();
    if (!name.empty() && name[0] == '/') {
      name.erase(0, 1);
    }
    out.push_back(name);
  }
  if (trunc) {
    // Links show up as other names with a slash inside; the container's own comes first.
    for (const std::string& name : out) {
      if (name.find('/') == std::string::npos) {
        return name;
      }
    }
  }
  return join(out, ",");
}

std::string joinHostPort(const std::string& host, const std::string& port) {
  return host.find(':') != std::string::npos ? "[" + host + "]:" + port : host + ":" + port;
}

}  // namespace

std::string displayablePorts(const json& ports) {
  struct Port {
    std::string ip;
    uint16_t priv = 0;
    uint16_t pub = 0;
    std::string type;
  };
  std::vector<Port> list;
  if (ports.is_array()) {
    for (const auto& p : ports) {
      Port port;
      port.ip = str(p, "IP");
      port.priv = static_cast<uint16_t>(num(p, "PrivatePort"));
      port.pub = static_cast<uint16_t>(num(p, "PublicPort"));
      port.type = str(p, "Type");
      list.push_back(port);
    }
  }
  std::sort(list.begin(), list.end(), [](const Port& a, const Port& b) {
    return std::tie(a.priv, a.ip, a.pub, a.type) < std::tie(b.priv, b.ip, b.pub, b.type);
  });
  struct Group {
    uint16_t first;
    uint16_t last;
  };
  auto formGroup = [](const std::string& key, uint16_t first, uint16_t last) {
    std::string ip;
    std::string type = key;
    if (size_t slash = key.rfind('/'); slash != std::string::npos) {
      ip = key.substr(0, slash);
      type = key.substr(slash + 1);
    }
    std::string group = std::to_string(first);
    if (first != last) {
      group += "-" + std::to_string(last);
    }
    if (!ip.empty()) {
      group = joinHostPort(ip, group) + "->" + group;
    }
    return group + "/" + type;
  };
  std::map<std::string, Group> groups;
  std::vector<std::string> order;
  std::vector<std::string> result;
  std::vector<std::string> hostMappings;
  for (const Port& p : list) {
    std::string key = p.type;
    if (!p.ip.empty()) {
      if (p.pub != p.priv) {
        hostMappings.push_back(fmt::format("{}->{}/{}", joinHostPort(p.ip, std::to_string(p.pub)),
                                           p.priv, p.type));
        continue;
      }
      key = p.ip + "/" + p.type;
    }
    auto it = groups.find(key);
    if (it == groups.end()) {
      groups[key] = Group{p.priv, p.priv};
      order.push_back(key);
      continue;
    }
    if (p.priv == it->second.last + 1) {
      it->second.last = p.priv;
      continue;
    }
    result.push_back(formGroup(key, it->second.first, it->second.last));
    it->second = Group{p.priv, p.priv};
  }
  for (const std::string& key : order) {
    result.push_back(formGroup(key, groups[key].first, groups[key].last));
  }
  result.insert(result.end(), hostMappings.begin(), hostMappings.end());
  return join(result, ", ");
}

json containerRow(const json& c, bool trunc, std::chrono::system_clock::time_point now) {
  std::string command = str(c, "Command");
  if (trunc) {
    command = ellipsis(command, 20);
  }
  std::vector<std::string> labels;
  const json labelMap = c.value("Labels", json::object());
  for (const auto& [k, v] : labelMap.items()) {
    labels.push_back(k + "=" + (v.is_string() ? v.get<std::string>() : v.dump()));
  }
  std::vector<std::string> networks;
  const json settings = c.value("NetworkSettings", json::object());
  if (auto nets = settings.find("Networks"); nets != settings.end() && nets->is_object()) {
    for (const auto& [name, _] : nets->items()) {
      networks.push_back(name);
    }
  }
  std::vector<std::string> mounts;
  int localVolumes = 0;
  for (const auto& m : c.value("Mounts", json::array())) {
    std::string name = str(m, "Name").empty() ? str(m, "Source") : str(m, "Name");
    mounts.push_back(trunc ? ellipsis(name, 15) : name);
    localVolumes += str(m, "Driver") == "local" ? 1 : 0;
  }
  std::string size = humanSizeWithPrecision(static_cast<double>(num(c, "SizeRw")), 3);
  if (num(c, "SizeRootFs") > 0) {
    size += fmt::format(" (virtual {})",
                        humanSizeWithPrecision(static_cast<double>(num(c, "SizeRootFs")), 3));
  }
  const std::string id = str(c, "Id");
  return {
      {"Command", format::goQuote(command)},
      {"CreatedAt", goTimeString(num(c, "Created"))},
      {"ID", trunc ? truncateId(id) : id},
      {"Image", imageColumn(c, trunc)},
      {"Labels", join(labels, ",")},
      {"LocalVolumes", std::to_string(localVolumes)},
      {"Mounts", join(mounts, ",")},
      {"Names", names(c, trunc)},
      {"Networks", join(networks, ",")},
      {"Platform", nullptr},
      {"Ports", displayablePorts(c.value("Ports", json::array()))},
      {"RunningFor", timeAgo(num(c, "Created"), now)},
      {"Size", size},
      {"State", str(c, "State")},
      {"Status", str(c, "Status")},
  };
}

const format::HeaderMap& containerHeaders() {
  static const format::HeaderMap kHeaders = {
      {"ID", "CONTAINER ID"},   {"Image", "IMAGE"},         {"Command", "COMMAND"},
      {"RunningFor", "CREATED"}, {"Status", "STATUS"},       {"Ports", "PORTS"},
      {"Names", "NAMES"},       {"Size", "SIZE"},           {"CreatedAt", "CREATED AT"},
      {"Labels", "LABELS"},     {"Mounts", "MOUNTS"},       {"Networks", "NETWORKS"},
      {"State", "STATE"},       {"LocalVolumes", "LOCAL VOLUMES"}, {"Platform", "PLATFORM"},
  };
  return kHeaders;
}

std::string psFormat(const std::string& userFormat, bool quiet, bool size) {
  if (userFormat.empty() || userFormat == "table") {
    if (quiet) {
      return "{{.ID}}";
    }
    return std::string(kDefaultTable) + (size ? "\t{{.Size}}" : "");
  }
  if (userFormat == "raw") {
    if (quiet) {
      return "container_id: {{.ID}}";
    }
    return std::string(kRawFormat) + (size ? "size: {{.Size}}\\n" : "");
  }
  return quiet ? "{{.ID}}" : userFormat;
}

namespace {

struct PsOptions {
  bool all = false;
  bool quiet = false;
  bool size = false;
  CLI::Option* sizeOpt = nullptr;
  bool noTrunc = false;
  bool latest = false;
  int last = -1;
  std::vector<std::string> filters;
  std::string format;
};

Status runPs(CommandContext& ctx, const PsOptions& o) {
  auto filters = parseFilterFlags(o.filters);
  if (!filters.ok()) {
    return ctx.flagError(filters.error().message());
  }
  bool size = o.size;
  if (!o.format.empty()) {
    if (o.quiet) {
      ctx.err() << "WARNING: Ignoring custom format, because both --format and --quiet are set.\n";
    }
    // docker asks for sizes when the template shows them and --size was not given.
    std::string_view body = o.format;
    if (startsWith(body, "table")) {
      body.remove_prefix(5);
    }
    auto tmpl = format::Template::parse(body);
    if (tmpl.ok() && !o.quiet && (o.sizeOpt == nullptr || o.sizeOpt->count() == 0)) {
      const auto& fields = tmpl->fieldNames();
      size = size || std::find(fields.begin(), fields.end(), "Size") != fields.end();
    }
  }
  int limit = o.last;
  if (o.latest && limit == -1) {
    limit = 1;
  }
  Query query;
  if (o.all || limit > 0) {
    query.emplace_back("all", "1");
  }
  if (limit > 0) {
    query.emplace_back("limit", std::to_string(limit));
  }
  if (size) {
    query.emplace_back("size", "1");
  }
  if (!filters->empty()) {
    query.emplace_back("filters", filters->toJson());
  }
  BERTH_ASSIGN_OR_RETURN(ApiClient * client, ctx.client());
  BERTH_ASSIGN_OR_RETURN(ApiResponse reply, client->call("GET", "/containers/json", query));
  BERTH_ASSIGN_OR_RETURN(json list, reply.json());
  std::vector<json> rows;
  auto now = std::chrono::system_clock::now();
  if (list.is_array()) {
    for (const auto& c : list) {
      rows.push_back(containerRow(c, !o.noTrunc, now));
    }
  }
  auto text = renderList(psFormat(o.format, o.quiet, size), rows, containerHeaders());
  if (!text.ok()) {
    return std::move(text).error();
  }
  ctx.out() << *text;
  return okStatus();
}

}  // namespace

void addPsCommand(CommandRegistry& r, CLI::App& parent, bool inGroup) {
  auto opts = std::make_shared<PsOptions>();
  CommandSpec spec;
  spec.name = inGroup ? "ls" : "ps";
  spec.use = "[OPTIONS]";
  spec.summary = "List containers";
  spec.aliasesLine = "berth container ls, berth container list, berth container ps, berth ps";
  if (inGroup) {
    spec.aliases = {"list", "ps"};
  } else {
    spec.topRank = 3;
  }
  CLI::App* cmd = r.addCommand(parent, spec,
                               [opts](CommandContext& ctx, const std::vector<std::string>&) {
                                 return runPs(ctx, *opts);
                               });
  addBoolFlag(*cmd, "-a,--all", opts->all, "Show all containers (default shows just running)");
  addRepeatedFlag(*cmd, "-f,--filter", opts->filters, "Filter output based on conditions provided",
              "filter");
  addFormatFlag(*cmd, opts->format, FormatHelp::kTable, "--format");
  addIntFlag(*cmd, "-n,--last", opts->last,
             "Show n last created containers (includes all states)");
  addBoolFlag(*cmd, "-l,--latest", opts->latest,
              "Show the latest created container (includes all states)");
  addBoolFlag(*cmd, "--no-trunc", opts->noTrunc, "Don't truncate output");
  addBoolFlag(*cmd, "-q,--quiet", opts->quiet, "Only display container IDs");
  opts->sizeOpt = addBoolFlag(*cmd, "-s,--size", opts->size, "Display total file sizes");
}

}  // namespace berth::cli
