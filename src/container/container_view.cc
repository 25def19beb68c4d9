#include "container/container_view.h"

#include <algorithm>
#include <cmath>
#include <charconv>

#include "common/strings.h"
#include "common/time_format.h"
#include "container/mount_points.h"
#include "container/netns_sandbox.h"

namespace berth::container {

using nlohmann::json;

std::string humanDuration(std::chrono::nanoseconds d) {
  using namespace std::chrono;
  int64_t seconds = duration_cast<std::chrono::seconds>(d).count();
  if (seconds < 1) {
    return "Less than a second";
  }
  if (seconds == 1) {
    return "1 second";
  }
  if (seconds < 60) {
    return std::to_string(seconds) + " seconds";
  }
  int64_t minutes = duration_cast<std::chrono::minutes>(d).count();
  if (minutes == 1) {
    return "About a minute";
  }
  if (minutes < 60) {
    return std::to_string(minutes) + " minutes";
  }
  // Go rounds the hours: int(d.Hours() + 0.5).
  auto hours = static_cast<int64_t>(std::llround(duration<double, std::ratio<3600>>(d).count()));
  if (hours == 1) {
    return "About an hour";
  }
  if (hours < 48) {
    return std::to_string(hours) + " hours";
  }
  if (hours < int64_t{24} * 7 * 2) {
    return std::to_string(hours / 24) + " days";
  }
  if (hours < int64_t{24} * 30 * 2) {
    return std::to_string(hours / 24 / 7) + " weeks";
  }
  if (hours < int64_t{24} * 365 * 2) {
    return std::to_string(hours / 24 / 30) + " months";
  }
  return std::to_string(duration_cast<std::chrono::hours>(d).count() / 24 / 365) + " years";
}

std::string statusText(const ContainerState& s, int64_t nowNano) {
  auto since = [nowNano](int64_t t) {
    return humanDuration(std::chrono::nanoseconds(std::max<int64_t>(0, nowNano - t)));
  };
  if (s.running) {
    if (s.paused) {
      return "Up " + since(s.startedAtNano) + " (Paused)";
    }
    if (s.restarting) {
      return "Restarting (" + std::to_string(s.exitCode) + ") " + since(s.finishedAtNano) + " ago";
    }
    return "Up " + since(s.startedAtNano);
  }
  if (s.removalInProgress) {
    return "Removal In Progress";
  }
  if (s.dead) {
    return "Dead";
  }
  if (s.startedAtNano == 0) {
    return "Created";
  }
  if (s.finishedAtNano == 0) {
    return "";
  }
  return "Exited (" + std::to_string(s.exitCode) + ") " + since(s.finishedAtNano) + " ago";
}

std::string commandString(const ContainerRecord& r) {
  std::string out = r.path;
  for (const std::string& a : r.args) {
    out += " " + a;
  }
  return out;
}

std::string containerDir(const std::string& dataRoot, const std::string& id) {
  return dataRoot + "/containers/" + id;
}
std::string hostnamePath(const std::string& dataRoot, const std::string& id) {
  return containerDir(dataRoot, id) + "/hostname";
}
std::string hostsPath(const std::string& dataRoot, const std::string& id) {
  return containerDir(dataRoot, id) + "/hosts";
}
std::string resolvConfPath(const std::string& dataRoot, const std::string& id) {
  return containerDir(dataRoot, id) + "/resolv.conf";
}
std::string overlayDir(const std::string& dataRoot, const std::string& id) {
  return dataRoot + "/overlay/" + id;
}

json networksJson(const ContainerRecord& r) {
  // A running container shows exactly what it is attached to (possibly
  // nothing, after disconnecting from every network).
  if (r.networks.is_object() && (!r.networks.empty() || r.state.running)) {
    return r.networks;
  }
  json out = json::object();
  std::string mode = r.hostConfig.value("NetworkMode", std::string());
  if (!mode.empty()) {
    out[mode] = emptyEndpointSettings("", "");
  }
  return out;
}

namespace {

json stateJson(const ContainerState& s) {
  return {{"Status", s.statusString()},
          {"Running", s.running},
          {"Paused", s.paused},
          {"Restarting", s.restarting},
          {"OOMKilled", s.oomKilled},
          {"Dead", s.dead},
          {"Pid", s.pid},
          {"ExitCode", s.exitCode},
          {"Error", s.error},
          {"StartedAt", formatGoTime(s.startedAtNano)},
          {"FinishedAt", formatGoTime(s.finishedAtNano)}};
}

json graphDriverJson(const ContainerRecord& r, const std::string& dataRoot) {
  std::string dir = overlayDir(dataRoot, r.id);
  std::vector<std::string> lower(r.layerDirs.rbegin(),
                                 r.layerDirs.rend());  // top first, as overlayfs lists them
  return {{"Data",
           {{"LowerDir", join(lower, ":")},
            {"MergedDir", dir + "/merged"},
            {"UpperDir", dir + "/upper"},
            {"WorkDir", dir + "/work"}}},
          {"Name", "overlay2"}};
}

// NetworkSettings.Ports: the published ports while running, and every
// exposed port (null when not published), as dockerd shows them.
json portsJson(const ContainerRecord& r) {
  json ports = json::object();
  if (!r.state.running) {
    return ports;
  }
  const json exposed = r.config.value("ExposedPorts", json::object());
  if (exposed.is_object()) {
    for (const auto& [port, _] : exposed.items()) {
      ports[port] = nullptr;
    }
  }
  if (r.ports.is_object()) {
    for (const auto& [port, bindings] : r.ports.items()) {
      ports[port] = bindings;
    }
  }
  return ports;
}

json networkSettingsJson(const ContainerRecord& r) {
  bool live = r.state.running;
  // The deprecated top-level fields mirror the default bridge network's endpoint.
  json nets = networksJson(r);
  json b = live && nets.contains("bridge") ? nets["bridge"] : json::object();
  return {{"Bridge", ""},
          {"SandboxID", live ? r.sandboxId : ""},
          {"SandboxKey", live ? r.sandboxKey : ""},
          {"Ports", portsJson(r)},
          {"HairpinMode", false},
          {"LinkLocalIPv6Address", ""},
          {"LinkLocalIPv6PrefixLen", 0},
          {"SecondaryIPAddresses", nullptr},
          {"SecondaryIPv6Addresses", nullptr},
          {"EndpointID", b.value("EndpointID", "")},
          {"Gateway", b.value("Gateway", "")},
          {"GlobalIPv6Address", b.value("GlobalIPv6Address", "")},
          {"GlobalIPv6PrefixLen", b.value("GlobalIPv6PrefixLen", 0)},
          {"IPAddress", b.value("IPAddress", "")},
          {"IPPrefixLen", b.value("IPPrefixLen", 0)},
          {"IPv6Gateway", b.value("IPv6Gateway", "")},
          {"MacAddress", b.value("MacAddress", "")},
          {"Networks", nets}};
}

int portNumber(std::string_view s) {
  int n = 0;
  std::from_chars(s.data(), s.data() + s.size(), n);
  return n;
}

// The Ports of a /containers/json entry: one per binding, plus exposed ports
// without one.
json listPortsJson(const ContainerRecord& r) {
  json out = json::array();
  const json ports = portsJson(r);
  for (const auto& [key, bindings] : ports.items()) {
    size_t slash = key.find('/');
    int priv = portNumber(std::string_view(key).substr(0, slash));
    std::string type = slash == std::string::npos ? "tcp" : key.substr(slash + 1);
    if (!bindings.is_array() || bindings.empty()) {
      out.push_back({{"PrivatePort", priv}, {"Type", type}});
      continue;
    }
    for (const auto& b : bindings) {
      out.push_back({{"IP", b.value("HostIp", "")},
                     {"PrivatePort", priv},
                     {"PublicPort", portNumber(b.value("HostPort", "0"))},
                     {"Type", type}});
    }
  }
  return out;
}

// dockerd's "Mounts" from the record; VolumesFrom's lent mounts are not
// shown (the lender may be gone), and a local volume's Source is derived.
json mountsJson(const ContainerRecord& r, const std::string& dataRoot) {
  auto mounts = parseMountPoints(r.config, r.hostConfig, r.id,
                                 [](const std::string&) -> Result<std::vector<MountPoint>> {
                                   return std::vector<MountPoint>{};
                                 });
  json out = json::array();
  if (!mounts.ok()) {
    return out;
  }
  for (const MountPoint& m : *mounts) {
    std::string source;
    if (m.type == MountType::kVolume && (m.driver.empty() || m.driver == "local") &&
        !dataRoot.empty()) {
      source = dataRoot + "/volumes/" + m.source + "/_data";
    }
    out.push_back(mountPointJson(m, source));
  }
  return out;
}

}  // namespace

json inspectJson(const ContainerRecord& r, const InspectContext& ctx) {
  bool started = r.state.hasBeenStartedBefore;
  json j = {{"Id", r.id},
            {"Created", formatGoTime(r.createdNano)},
            {"Path", r.path},
            {"Args", r.args},
            {"State", stateJson(r.state)},
            {"Image", r.imageId},
            {"ResolvConfPath", started ? resolvConfPath(ctx.dataRoot, r.id) : ""},
            {"HostnamePath", started ? hostnamePath(ctx.dataRoot, r.id) : ""},
            {"HostsPath", started ? hostsPath(ctx.dataRoot, r.id) : ""},
            {"LogPath", started && r.logDriver == "json-file" ? r.logPath : ""},
            {"Name", r.name},
            {"RestartCount", r.restartCount},
            {"Driver", "overlay2"},
            {"Platform", "linux"},
            {"MountLabel", ""},
            {"ProcessLabel", ""},
            {"AppArmorProfile", ""},
            {"ExecIDs", ctx.execIds.empty() ? json(nullptr) : json(ctx.execIds)},
            {"HostConfig", r.hostConfig},
            {"GraphDriver", graphDriverJson(r, ctx.dataRoot)},
            {"Mounts", mountsJson(r, ctx.dataRoot)},
            {"Config", r.config},
            {"NetworkSettings", networkSettingsJson(r)}};
  if (ctx.sizes) {
    j["SizeRw"] = ctx.sizes->rw;
    j["SizeRootFs"] = ctx.sizes->rootFs;
  }
  return j;
}

json listEntryJson(const ContainerRecord& r, int64_t nowNano, const std::optional<Sizes>& sizes) {
  json j = {{"Id", r.id},
            {"Names", {r.name}},
            {"Image", r.config.value("Image", std::string())},
            {"ImageID", r.imageId},
            {"Command", commandString(r)},
            {"Created", r.createdNano / 1000000000},
            {"Ports", listPortsJson(r)},
            {"Labels", r.labels()},
            {"State", r.state.statusString()},
            {"Status", statusText(r.state, nowNano)},
            {"HostConfig", {{"NetworkMode", r.hostConfig.value("NetworkMode", std::string())}}},
            {"NetworkSettings", {{"Networks", networksJson(r)}}},
            {"Mounts", mountsJson(r, "")}};
  if (sizes) {
    j["SizeRw"] = sizes->rw;
    j["SizeRootFs"] = sizes->rootFs;
  }
  return j;
}

}  // namespace berth::container
