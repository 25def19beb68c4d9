// `berth info`: docker's client and server sections over GET /info, plus the
// kernel networking features the daemon detected (BerthKernelFeatures).
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <ostream>

#include "cli/command.h"
#include "cli/commands/system.h"
#include "cli/version_info.h"
#include "common/strings.h"
#include "format/template.h"

namespace berth::cli {

namespace {

// The feature map's keys in the order berth explains them; others follow sorted.
constexpr std::array<std::string_view, 11> kFeatureOrder = {
    "bridge",   "veth", "vxlan",     "macvlan",      "ipvlan",        "vlan8021q",
    "nftables", "ipvs", "overlayfs", "cgroupLayout", "kernelRelease",
};

// fmt.Sprint of one JSON value as docker's Println shows struct fields.
std::string goText(const nlohmann::json& v) {
  switch (v.type()) {
    case nlohmann::json::value_t::string:
      return v.get<std::string>();
    case nlohmann::json::value_t::boolean:
      return v.get<bool>() ? "true" : "false";
    case nlohmann::json::value_t::null:
      return "";
    default:
      return v.dump();
  }
}

const nlohmann::json& member(const nlohmann::json& obj, std::string_view key) {
  static const nlohmann::json kNull;
  if (!obj.is_object()) {
    return kNull;
  }
  auto it = obj.find(key);
  return it == obj.end() ? kNull : *it;
}

// Println-style builder: "label value" lines, and the NonEmpty variant docker uses.
class Lines {
 public:
  void add(std::string_view label, const nlohmann::json& value) {
    out_ += fmt::format("{} {}\n", label, goText(value));
  }
  void addText(std::string_view label, std::string_view value) {
    out_ += fmt::format("{} {}\n", label, value);
  }
  void addNonEmpty(std::string_view label, const nlohmann::json& value) {
    std::string text = goText(value);
    if (!text.empty()) {
      out_ += fmt::format("{} {}\n", label, text);
    }
  }
  void raw(std::string_view text) { out_ += text; }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

std::string joinStrings(const nlohmann::json& arr) {
  std::vector<std::string> parts;
  if (arr.is_array()) {
    for (const auto& v : arr) {
      parts.push_back(goText(v));
    }
  }
  return join(parts, " ");
}

void printSwarm(Lines& l, const nlohmann::json& swarm) {
  std::string state = goText(member(swarm, "LocalNodeState"));
  if (state.empty() || state == "inactive" || state == "locked") {
    return;
  }
  l.add("  NodeID:", member(swarm, "NodeID"));
  l.addNonEmpty("  Error:", member(swarm, "Error"));
  l.add("  Is Manager:", member(swarm, "ControlAvailable"));
  const nlohmann::json& cluster = member(swarm, "Cluster");
  if (cluster.is_object() && goText(member(swarm, "ControlAvailable")) == "true" &&
      goText(member(swarm, "Error")).empty() && state != "error") {
    l.add("  ClusterID:", member(cluster, "ID"));
    l.add("  Managers:", member(swarm, "Managers"));
    l.add("  Nodes:", member(swarm, "Nodes"));
  }
  l.add("  Node Address:", member(swarm, "NodeAddr"));
  const nlohmann::json& remotes = member(swarm, "RemoteManagers");
  if (remotes.is_array() && !remotes.empty()) {
    std::vector<std::string> addrs;
    for (const auto& r : remotes) {
      addrs.push_back(goText(member(r, "Addr")));
    }
    std::sort(addrs.begin(), addrs.end());
    l.raw("  Manager Addresses:\n");
    for (const auto& a : addrs) {
      l.raw("   " + a + "\n");
    }
  }
}

void printSecurityOptions(Lines& l, const nlohmann::json& opts) {
  if (!opts.is_array() || opts.empty()) {
    return;
  }
  l.raw(" Security Options:\n");
  for (const auto& opt : opts) {
    std::string text = goText(opt);
    if (text.find('=') == std::string::npos) {
      l.raw("  " + text + "\n");  // the legacy form: just a name
      continue;
    }
    std::string name;
    std::string profile;
    for (const auto& kv : split(text, ',')) {
      size_t eq = kv.find('=');
      std::string key = kv.substr(0, eq);
      std::string value = eq == std::string::npos ? "" : kv.substr(eq + 1);
      if (key == "name") {
        name = value;
      } else if (key == "profile") {
        profile = value;
      }
    }
    l.raw("  " + name + "\n");
    if (!profile.empty()) {
      l.addText("   Profile:", profile);
    }
  }
}

void printRegistries(Lines& l, const nlohmann::json& reg) {
  const nlohmann::json& indexes = member(reg, "IndexConfigs");
  const nlohmann::json& cidrs = member(reg, "InsecureRegistryCIDRs");
  bool anyIndexes = indexes.is_object() && !indexes.empty();
  bool anyCidrs = cidrs.is_array() && !cidrs.empty();
  if (anyIndexes || anyCidrs) {
    l.raw(" Insecure Registries:\n");
    if (anyIndexes) {
      for (const auto& [name, cfg] : indexes.items()) {
        if (goText(member(cfg, "Secure")) != "true") {
          l.raw("  " + goText(member(cfg, "Name")) + "\n");
        }
      }
    }
    if (anyCidrs) {
      for (const auto& c : cidrs) {
        l.raw("  " + goText(c) + "\n");
      }
    }
  }
  const nlohmann::json& mirrors = member(reg, "Mirrors");
  if (mirrors.is_array() && !mirrors.empty()) {
    l.raw(" Registry Mirrors:\n");
    for (const auto& m : mirrors) {
      l.raw("  " + goText(m) + "\n");
    }
  }
}

// berth's addition: what the kernel offers for networking, from /info's
// BerthKernelFeatures, so a missing module is visible before a network fails.
void printKernelFeatures(Lines& l, const nlohmann::json& features) {
  if (!features.is_object() || features.empty()) {
    return;
  }
  l.raw(" Kernel Networking:\n");
  auto show = [&](const std::string& key, const nlohmann::json& value) {
    if (value.is_boolean()) {
      l.raw(fmt::format("  {}: {}\n", key, value.get<bool>() ? "yes" : "no (missing)"));
    } else {
      l.raw(fmt::format("  {}: {}\n", key, goText(value)));
    }
  };
  for (std::string_view key : kFeatureOrder) {
    auto it = features.find(key);
    if (it != features.end()) {
      show(std::string(key), *it);
    }
  }
  for (const auto& [key, value] : features.items()) {
    if (std::find(kFeatureOrder.begin(), kFeatureOrder.end(), key) == kFeatureOrder.end()) {
      show(key, value);
    }
  }
}

nlohmann::json clientInfoJson(bool debug) {
  nlohmann::json c = clientVersionJson(std::string(kMaxApiVersion));
  c.erase("ApiVersion");  // docker leaves it out unless it talked to the daemon
  c["Debug"] = debug;
  c["Plugins"] = nlohmann::json::array();
  c["Warnings"] = nullptr;
  return c;
}

Status runInfo(CommandContext& ctx, const std::string& formatFlag) {
  const bool debug = ctx.globals().debug;
  std::optional<format::Template> tmpl;
  if (!formatFlag.empty()) {
    auto parsed = format::Template::parse(formatFlag == "json" ? "{{json .}}" : formatFlag);
    if (!parsed.ok()) {
      return ctx.statusError(
          64, invalidArgument("template parsing error: " + parsed.error().message()));
    }
    tmpl = std::move(parsed).value();
  }

  Result<nlohmann::json> info = internal("not fetched");
  auto fetch = [&]() -> Result<nlohmann::json> {
    BERTH_ASSIGN_OR_RETURN(ApiClient * client, ctx.client());
    BERTH_ASSIGN_OR_RETURN(ApiResponse reply, client->call("GET", "/info"));
    return reply.json();
  };

  if (!tmpl) {
    const ClientBuildInfo& build = clientBuildInfo();
    ctx.out() << "Client:\n"
              << " Version:    " << build.version << "\n"
              << " Context:    default\n"
              << " Debug Mode: " << (debug ? "true" : "false") << "\n\n"
              << "Server:\n";
    ctx.out().flush();
    info = fetch();
    if (!info.ok()) {
      return std::move(info).error();
    }
    ServerInfoText text = renderServerInfo(*info, debug);
    ctx.out() << text.out;
    ctx.out().flush();
    for (const auto& w : text.warnings) {
      ctx.err() << w << "\n";
    }
    return okStatus();
  }

  info = fetch();
  nlohmann::json data = info.ok() && info->is_object() ? *info : nlohmann::json::object();
  nlohmann::json client = clientInfoJson(debug);
  if (info.ok()) {
    if (auto c = ctx.client(); c.ok()) {
      client["ApiVersion"] = (*c)->apiVersion().valueOr(std::string(kMaxApiVersion));
    }
  } else {
    data["ServerErrors"] = nlohmann::json::array({info.error().message()});
  }
  data["ClientInfo"] = std::move(client);
  auto rendered = tmpl->execute(data);
  if (!rendered.ok()) {
    return std::move(rendered).error();
  }
  ctx.out() << *rendered << "\n";
  if (!info.ok()) {
    return std::move(info).error();
  }
  return okStatus();
}

}  // namespace

std::string bytesSize(double bytes) {
  static constexpr std::array<std::string_view, 9> kUnits = {"B",   "KiB", "MiB", "GiB", "TiB",
                                                             "PiB", "EiB", "ZiB", "YiB"};
  size_t i = 0;
  while (bytes >= 1024 && i + 1 < kUnits.size()) {
    bytes /= 1024;
    ++i;
  }
  return fmt::format("{:.4g}{}", bytes, kUnits[i]);
}

ServerInfoText renderServerInfo(const nlohmann::json& info, bool clientDebug) {
  Lines l;
  l.add(" Containers:", member(info, "Containers"));
  l.add("  Running:", member(info, "ContainersRunning"));
  l.add("  Paused:", member(info, "ContainersPaused"));
  l.add("  Stopped:", member(info, "ContainersStopped"));
  l.add(" Images:", member(info, "Images"));
  l.addNonEmpty(" Server Version:", member(info, "ServerVersion"));
  l.addNonEmpty(" Storage Driver:", member(info, "Driver"));
  for (const char* key : {"DriverStatus", "SystemStatus"}) {
    const nlohmann::json& pairs = member(info, key);
    if (pairs.is_array()) {
      for (const auto& p : pairs) {
        if (p.is_array() && p.size() >= 2) {
          l.raw(fmt::format("{}{}: {}\n", std::string_view(key) == "DriverStatus" ? "  " : " ",
                            goText(p[0]), goText(p[1])));
        }
      }
    }
  }
  l.addNonEmpty(" Logging Driver:", member(info, "LoggingDriver"));
  l.addNonEmpty(" Cgroup Driver:", member(info, "CgroupDriver"));
  l.addNonEmpty(" Cgroup Version:", member(info, "CgroupVersion"));

  const nlohmann::json& plugins = member(info, "Plugins");
  l.raw(" Plugins:\n");
  l.addText("  Volume:", joinStrings(member(plugins, "Volume")));
  l.addText("  Network:", joinStrings(member(plugins, "Network")));
  if (const auto& authz = member(plugins, "Authorization"); authz.is_array() && !authz.empty()) {
    l.addText("  Authorization:", joinStrings(authz));
  }
  l.addText("  Log:", joinStrings(member(plugins, "Log")));
  if (const auto& cdi = member(info, "CDISpecDirs"); cdi.is_array() && !cdi.empty()) {
    l.raw(" CDI spec directories:\n");
    for (const auto& d : cdi) {
      l.raw("  " + goText(d) + "\n");
    }
  }

  l.add(" Swarm:", member(member(info, "Swarm"), "LocalNodeState"));
  printSwarm(l, member(info, "Swarm"));

  if (const auto& runtimes = member(info, "Runtimes"); runtimes.is_object() && !runtimes.empty()) {
    std::vector<std::string> names;
    for (const auto& [name, rt] : runtimes.items()) {
      names.push_back(name);
    }
    l.addText(" Runtimes:", join(names, " "));
    l.add(" Default Runtime:", member(info, "DefaultRuntime"));
  }
  if (goText(member(info, "OSType")) == "linux") {
    l.add(" Init Binary:", member(info, "InitBinary"));
    l.add(" containerd version:", member(member(info, "ContainerdCommit"), "ID"));
    l.add(" runc version:", member(member(info, "RuncCommit"), "ID"));
    l.add(" init version:", member(member(info, "InitCommit"), "ID"));
    printSecurityOptions(l, member(info, "SecurityOptions"));
  }
  l.addNonEmpty(" Kernel Version:", member(info, "KernelVersion"));
  l.addNonEmpty(" Operating System:", member(info, "OperatingSystem"));
  l.addNonEmpty(" OSType:", member(info, "OSType"));
  l.addNonEmpty(" Architecture:", member(info, "Architecture"));
  l.add(" CPUs:", member(info, "NCPU"));
  const nlohmann::json& mem = member(info, "MemTotal");
  l.addText(" Total Memory:", bytesSize(mem.is_number() ? mem.get<double>() : 0));
  l.addNonEmpty(" Name:", member(info, "Name"));
  l.addNonEmpty(" ID:", member(info, "ID"));
  l.add(" Berth Root Dir:", member(info, "DockerRootDir"));
  bool daemonDebug = member(info, "Debug").is_boolean() && member(info, "Debug").get<bool>();
  l.addText(" Debug Mode:", daemonDebug ? "true" : "false");
  if (daemonDebug || clientDebug) {
    l.add("  File Descriptors:", member(info, "NFd"));
    l.add("  Goroutines:", member(info, "NGoroutines"));
    l.add("  System Time:", member(info, "SystemTime"));
    l.add("  EventsListeners:", member(info, "NEventsListener"));
  }
  l.addNonEmpty(" HTTP Proxy:", member(info, "HttpProxy"));
  l.addNonEmpty(" HTTPS Proxy:", member(info, "HttpsProxy"));
  l.addNonEmpty(" No Proxy:", member(info, "NoProxy"));
  if (const auto& labels = member(info, "Labels"); labels.is_array() && !labels.empty()) {
    l.raw(" Labels:\n");
    for (const auto& lbl : labels) {
      l.raw("  " + goText(lbl) + "\n");
    }
  }
  const nlohmann::json& experimental = member(info, "ExperimentalBuild");
  l.addText(" Experimental:",
            experimental.is_boolean() && experimental.get<bool>() ? "true" : "false");
  printRegistries(l, member(info, "RegistryConfig"));
  const nlohmann::json& live = member(info, "LiveRestoreEnabled");
  l.addText(" Live Restore Enabled:", live.is_boolean() && live.get<bool>() ? "true" : "false");
  l.addNonEmpty(" Product License:", member(info, "ProductLicense"));
  if (const auto& pools = member(info, "DefaultAddressPools"); pools.is_array() && !pools.empty()) {
    l.raw(" Default Address Pools:\n");
    for (const auto& p : pools) {
      l.raw(fmt::format("   Base: {}, Size: {}\n", goText(member(p, "Base")),
                        goText(member(p, "Size"))));
    }
  }
  printKernelFeatures(l, member(info, "BerthKernelFeatures"));
  l.raw("\n");

  ServerInfoText text;
  text.out = l.take();
  if (const auto& warnings = member(info, "Warnings"); warnings.is_array()) {
    for (const auto& w : warnings) {
      text.warnings.push_back(goText(w));
    }
  }
  return text;
}

void addInfoCommand(CommandRegistry& registry, CLI::App& parent, const std::string& aliasesLine) {
  auto formatFlag = std::make_shared<std::string>();
  CommandSpec spec;
  spec.name = "info";
  spec.use = "[OPTIONS]";
  spec.summary = "Display system-wide information";
  spec.aliasesLine = aliasesLine;
  spec.topRank = parent.get_parent() == nullptr ? 12 : 0;
  CLI::App* cmd = registry.addCommand(
      parent, spec, [formatFlag](CommandContext& ctx, const std::vector<std::string>&) {
        return runInfo(ctx, *formatFlag);
      });
  addFormatFlag(*cmd, *formatFlag, FormatHelp::kInspect);
}

}  // namespace berth::cli
