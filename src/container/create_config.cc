#include "container/create_config.h"

#include <arpa/inet.h>

#include <random>
#include <regex>

#include "common/strings.h"
#include "container/json_fields.h"

namespace berth::container {
namespace {

using nlohmann::json;

constexpr int64_t kDefaultShmSize = int64_t{64} * 1024 * 1024;

const std::vector<std::string>& defaultMaskedPaths() {
  static const std::vector<std::string> kPaths = {"/proc/asound",
                                                  "/proc/acpi",
                                                  "/proc/kcore",
                                                  "/proc/keys",
                                                  "/proc/latency_stats",
                                                  "/proc/timer_list",
                                                  "/proc/timer_stats",
                                                  "/proc/sched_debug",
                                                  "/proc/scsi",
                                                  "/sys/firmware",
                                                  "/sys/devices/virtual/powercap"};
  return kPaths;
}

const std::vector<std::string>& defaultReadonlyPaths() {
  static const std::vector<std::string> kPaths = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                                                  "/proc/sysrq-trigger"};
  return kPaths;
}

// dockerd's inspect Config of a container made from an empty request.
json defaultConfig() {
  return {{"Hostname", ""},       {"Domainname", ""},        {"User", ""},
          {"AttachStdin", false}, {"AttachStdout", false},   {"AttachStderr", false},
          {"Tty", false},         {"OpenStdin", false},      {"StdinOnce", false},
          {"Env", nullptr},       {"Cmd", nullptr},          {"Image", ""},
          {"Volumes", nullptr},   {"WorkingDir", ""},        {"Entrypoint", nullptr},
          {"OnBuild", nullptr},   {"Labels", json::object()}};
}

// dockerd's inspect HostConfig (cgroup v1 host, no user namespaces).
json defaultHostConfig() {
  return {{"Binds", nullptr},
          {"ContainerIDFile", ""},
          {"LogConfig", {{"Type", ""}, {"Config", json::object()}}},
          {"NetworkMode", ""},
          {"PortBindings", json::object()},
          {"RestartPolicy", {{"Name", "no"}, {"MaximumRetryCount", 0}}},
          {"AutoRemove", false},
          {"VolumeDriver", ""},
          {"VolumesFrom", nullptr},
          {"ConsoleSize", {0, 0}},
          {"CapAdd", nullptr},
          {"CapDrop", nullptr},
          {"CgroupnsMode", "host"},
          {"Dns", json::array()},
          {"DnsOptions", json::array()},
          {"DnsSearch", json::array()},
          {"ExtraHosts", nullptr},
          {"GroupAdd", nullptr},
          {"IpcMode", "private"},
          {"Cgroup", ""},
          {"Links", nullptr},
          {"OomScoreAdj", 0},
          {"PidMode", ""},
          {"Privileged", false},
          {"PublishAllPorts", false},
          {"ReadonlyRootfs", false},
          {"SecurityOpt", nullptr},
          {"UTSMode", ""},
          {"UsernsMode", ""},
          {"ShmSize", 0},
          {"Runtime", ""},
          {"Isolation", ""},
          {"CpuShares", 0},
          {"Memory", 0},
          {"NanoCpus", 0},
          {"CgroupParent", ""},
          {"BlkioWeight", 0},
          {"BlkioWeightDevice", json::array()},
          {"BlkioDeviceReadBps", json::array()},
          {"BlkioDeviceWriteBps", json::array()},
          {"BlkioDeviceReadIOps", json::array()},
          {"BlkioDeviceWriteIOps", json::array()},
          {"CpuPeriod", 0},
          {"CpuQuota", 0},
          {"CpuRealtimePeriod", 0},
          {"CpuRealtimeRuntime", 0},
          {"CpusetCpus", ""},
          {"CpusetMems", ""},
          {"Devices", json::array()},
          {"DeviceCgroupRules", nullptr},
          {"DeviceRequests", nullptr},
          {"MemoryReservation", 0},
          {"MemorySwap", 0},
          {"MemorySwappiness", nullptr},
          {"OomKillDisable", false},
          {"PidsLimit", nullptr},
          {"Ulimits", nullptr},
          {"CpuCount", 0},
          {"CpuPercent", 0},
          {"IOMaximumIOps", 0},
          {"IOMaximumBandwidth", 0},
          {"MaskedPaths", defaultMaskedPaths()},
          {"ReadonlyPaths", defaultReadonlyPaths()}};
}

// Overlays the request's values on the defaults. A null from the client keeps
// the default, as Go's decoder leaves a field alone for null.
void overlay(json& target, const json& from) {
  for (const auto& [k, v] : from.items()) {
    if (!v.is_null()) {
      target[k] = v;
    }
  }
}

std::string envKey(const std::string& kv) { return kv.substr(0, kv.find('=')); }

// dockerd's merge(userConf, imageConf) of daemon/commit.go.
void mergeImageConfig(json& cfg, const json& img) {
  if (!img.is_object()) {
    return;
  }
  auto imgEnv = img.find("Env");
  if (imgEnv != img.end() && imgEnv->is_array()) {
    if (!cfg["Env"].is_array() || cfg["Env"].empty()) {
      cfg["Env"] = *imgEnv;
    } else {
      json merged = cfg["Env"];
      for (const auto& e : *imgEnv) {
        if (!e.is_string()) {
          continue;
        }
        bool found = false;
        for (const auto& u : cfg["Env"]) {
          if (u.is_string() && envKey(u.get<std::string>()) == envKey(e.get<std::string>())) {
            found = true;
            break;
          }
        }
        if (!found) {
          merged.push_back(e);
        }
      }
      cfg["Env"] = merged;
    }
  }
  auto imgLabels = img.find("Labels");
  if (imgLabels != img.end() && imgLabels->is_object()) {
    for (const auto& [k, v] : imgLabels->items()) {
      if (!cfg["Labels"].contains(k)) {
        cfg["Labels"][k] = v;
      }
    }
  }
  bool userEntrypoint = cfg["Entrypoint"].is_array() && !cfg["Entrypoint"].empty();
  if (!userEntrypoint) {
    if (!cfg["Cmd"].is_array() || cfg["Cmd"].empty()) {
      cfg["Cmd"] = img.value("Cmd", json(nullptr));
    }
    if (cfg["Entrypoint"].is_null()) {
      cfg["Entrypoint"] = img.value("Entrypoint", json(nullptr));
    }
  }
  for (const char* key : {"WorkingDir", "User", "StopSignal"}) {
    if (cfg.value(key, std::string()).empty() && img.contains(key) && img[key].is_string() &&
        !img[key].get<std::string>().empty()) {
      cfg[key] = img[key];
    }
  }
  for (const char* key : {"Volumes", "ExposedPorts"}) {
    if (img.contains(key) && img[key].is_object()) {
      json merged = cfg.contains(key) && cfg[key].is_object() ? cfg[key] : json::object();
      for (const auto& [k, v] : img[key].items()) {
        if (!merged.contains(k)) {
          merged[k] = v;
        }
      }
      cfg[key] = merged;
    }
  }
  if (!cfg.contains("Healthcheck") && img.contains("Healthcheck") &&
      img["Healthcheck"].is_object()) {
    cfg["Healthcheck"] = img["Healthcheck"];
  }
  if (cfg["OnBuild"].is_null() && img.contains("OnBuild")) {
    cfg["OnBuild"] = img["OnBuild"];
  }
}

bool isIpAddress(const std::string& s) {
  unsigned char buf[16];
  return ::inet_pton(AF_INET, s.c_str(), buf) == 1 || ::inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

Status validateHostname(const std::string& h) {
  static const std::regex kLabel("^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$");
  if (h.size() > 255) {
    return invalidArgument("invalid hostname format: " + h);
  }
  for (const std::string& label : split(h, '.')) {
    if (!std::regex_match(label, kLabel)) {
      return invalidArgument("invalid hostname format: " + h);
    }
  }
  return okStatus();
}

// HostConfig parts that other issues implement; refusing them beats ignoring them.
Status refuseUnsupported(const json& hc) {
  for (const char* key : {"Devices", "Links"}) {
    auto it = hc.find(key);
    if (it != hc.end() && it->is_array() && !it->empty()) {
      return notImplemented(std::string("HostConfig.") + key + " is not supported yet");
    }
  }
  return okStatus();
}

Status parseResources(const json& hc, const HostFacts& host, RunSettings& run) {
  BERTH_ASSIGN_OR_RETURN(run.resources.memoryBytes, intField(hc, "Memory", "HostConfig"));
  BERTH_ASSIGN_OR_RETURN(run.resources.memorySwapBytes, intField(hc, "MemorySwap", "HostConfig"));
  BERTH_ASSIGN_OR_RETURN(run.resources.nanoCpus, intField(hc, "NanoCpus", "HostConfig"));
  BERTH_ASSIGN_OR_RETURN(run.resources.shmSizeBytes, intField(hc, "ShmSize", "HostConfig"));
  BERTH_ASSIGN_OR_RETURN(run.resources.pidsLimit, intField(hc, "PidsLimit", "HostConfig"));
  BERTH_ASSIGN_OR_RETURN(int64_t cpuPeriod, intField(hc, "CpuPeriod", "HostConfig"));
  BERTH_ASSIGN_OR_RETURN(int64_t oomAdj, intField(hc, "OomScoreAdj", "HostConfig"));
  const ResourceLimits& r = run.resources;
  if (r.memoryBytes < 0) {
    return invalidArgument("invalid memory limit: negative value");
  }
  BERTH_TRY(validateMemoryLimit(r.memoryBytes));
  if (r.memoryBytes > 0 && r.memorySwapBytes > 0 && r.memorySwapBytes < r.memoryBytes) {
    return invalidArgument(
        "Minimum memoryswap limit should be larger than memory limit, see usage");
  }
  if (r.memoryBytes == 0 && r.memorySwapBytes > 0) {
    return invalidArgument(
        "You should always set the Memory limit when using Memoryswap limit, see usage");
  }
  if (r.nanoCpus > 0 && cpuPeriod > 0) {
    return invalidArgument("Conflicting options: Nano CPUs and CPU Period cannot both be set");
  }
  BERTH_TRY(validateNanoCpus(r.nanoCpus, host.cpus));
  if (r.shmSizeBytes < 0) {
    return invalidArgument("SHM size can not be less than 0");
  }
  if (oomAdj < -1000 || oomAdj > 1000) {
    return invalidArgument("Invalid value " + std::to_string(oomAdj) +
                           ", range for oom score adj is [-1000, 1000]");
  }
  run.oomScoreAdj = static_cast<int>(oomAdj);
  return okStatus();
}

Status parseSecurity(const json& hc, RunSettings& run) {
  BERTH_ASSIGN_OR_RETURN(auto add, stringList(hc, "CapAdd", "HostConfig"));
  BERTH_ASSIGN_OR_RETURN(auto drop, stringList(hc, "CapDrop", "HostConfig"));
  for (const std::string& c : add.value_or(std::vector<std::string>{})) {
    BERTH_ASSIGN_OR_RETURN(std::string canon, parseCapability(c));
    run.capAdd.push_back(canon);
  }
  for (const std::string& c : drop.value_or(std::vector<std::string>{})) {
    BERTH_ASSIGN_OR_RETURN(std::string canon, parseCapability(c));
    run.capDrop.push_back(canon);
  }
  BERTH_ASSIGN_OR_RETURN(run.privileged, boolField(hc, "Privileged", "HostConfig"));
  BERTH_ASSIGN_OR_RETURN(run.readOnlyRootfs, boolField(hc, "ReadonlyRootfs", "HostConfig"));
  BERTH_ASSIGN_OR_RETURN(run.init, boolField(hc, "Init", "HostConfig"));
  BERTH_ASSIGN_OR_RETURN(auto secOpts, stringList(hc, "SecurityOpt", "HostConfig"));
  for (const std::string& opt : secOpts.value_or(std::vector<std::string>{})) {
    std::string o = opt;
    std::replace(o.begin(), o.end(), ':', '=');  // the old "seccomp:unconfined" spelling
    if (o == "seccomp=unconfined") {
      run.seccomp = SeccompMode::kUnconfined;
    } else if (o == "no-new-privileges" || o == "no-new-privileges=true" ||
               startsWith(o, "label=") || o == "apparmor=unconfined") {
      // accepted: no-new-privileges is runc's default here; labels need SELinux
    } else {
      return invalidArgument("invalid --security-opt: \"" + opt + "\"");
    }
  }
  auto sysctls = hc.find("Sysctls");
  if (sysctls != hc.end() && sysctls->is_object()) {
    for (const auto& [k, v] : sysctls->items()) {
      if (!v.is_string()) {
        return invalidArgument("invalid HostConfig.Sysctls: values must be strings");
      }
      run.sysctls[k] = v.get<std::string>();
    }
  }
  auto tmpfs = hc.find("Tmpfs");
  if (tmpfs != hc.end() && tmpfs->is_object()) {
    for (const auto& [dest, opts] : tmpfs->items()) {
      if (!opts.is_string()) {
        return invalidArgument("invalid HostConfig.Tmpfs: options must be strings");
      }
      BERTH_ASSIGN_OR_RETURN(std::string d, parseContainerPath(dest));
      BERTH_ASSIGN_OR_RETURN(TmpfsOptions o, parseTmpfsOptions(opts.get<std::string>()));
      run.tmpfs.push_back(TmpfsMount{d, o});
    }
  }
  BERTH_ASSIGN_OR_RETURN(auto groups, stringList(hc, "GroupAdd", "HostConfig"));
  run.groupAdd = groups.value_or(std::vector<std::string>{});
  return okStatus();
}

Status parseNetworkSide(const json& hc, RunSettings& run) {
  BERTH_ASSIGN_OR_RETURN(run.networkMode, stringField(hc, "NetworkMode", "HostConfig"));
  BERTH_ASSIGN_OR_RETURN(auto hosts, stringList(hc, "ExtraHosts", "HostConfig"));
  for (const std::string& h : hosts.value_or(std::vector<std::string>{})) {
    // "name:ip", where the ip may be IPv6 and hold colons itself.
    size_t colon = h.find(':');
    std::string name = colon == std::string::npos ? h : h.substr(0, colon);
    std::string ip = colon == std::string::npos ? "" : h.substr(colon + 1);
    if (name.empty() || colon == std::string::npos) {
      return invalidArgument("bad format for add-host: \"" + h + "\"");
    }
    if (ip.size() > 2 && ip.front() == '[' && ip.back() == ']') {
      ip = ip.substr(1, ip.size() - 2);
    }
    if (ip == "host-gateway") {
      return invalidArgument("unable to derive the IP value for host-gateway");
    }
    if (!isIpAddress(ip)) {
      return invalidArgument("invalid IP address in add-host: \"" + ip + "\"");
    }
    run.extraHosts.emplace_back(name, ip);
  }
  BERTH_ASSIGN_OR_RETURN(auto dns, stringList(hc, "Dns", "HostConfig"));
  for (const std::string& d : dns.value_or(std::vector<std::string>{})) {
    if (!isIpAddress(d)) {
      return invalidArgument(d + " is not an ip address");
    }
    run.dns.push_back(d);
  }
  BERTH_ASSIGN_OR_RETURN(auto search, stringList(hc, "DnsSearch", "HostConfig"));
  run.dnsSearch = search.value_or(std::vector<std::string>{});
  BERTH_ASSIGN_OR_RETURN(auto dnsOpts, stringList(hc, "DnsOptions", "HostConfig"));
  run.dnsOptions = dnsOpts.value_or(std::vector<std::string>{});
  return okStatus();
}

}  // namespace

Result<RunSettings> runSettingsFrom(const json& cfg, const json& hc, const HostFacts& host) {
  RunSettings run;
  BERTH_ASSIGN_OR_RETURN(auto entrypoint, stringList(cfg, "Entrypoint", "Config"));
  BERTH_ASSIGN_OR_RETURN(auto cmd, stringList(cfg, "Cmd", "Config"));
  // `--entrypoint ""` arrives as [""]: it clears the image's entrypoint.
  std::vector<std::string> ep = entrypoint.value_or(std::vector<std::string>{});
  if (ep.size() == 1 && ep[0].empty()) {
    ep.clear();
  }
  run.command = ep;
  for (const std::string& c : cmd.value_or(std::vector<std::string>{})) {
    run.command.push_back(c);
  }
  if (run.command.empty()) {
    return invalidArgument("no command specified");
  }
  BERTH_ASSIGN_OR_RETURN(auto env, stringList(cfg, "Env", "Config"));
  for (const std::string& e : env.value_or(std::vector<std::string>{})) {
    if (e.empty() || e[0] == '=') {
      return invalidArgument("invalid environment variable: " + e);
    }
    run.env.push_back(e);
  }
  BERTH_ASSIGN_OR_RETURN(run.workingDir, stringField(cfg, "WorkingDir", "Config"));
  if (!run.workingDir.empty()) {
    if (run.workingDir[0] != '/') {
      return invalidArgument("the working directory '" + run.workingDir +
                             "' is invalid, it needs to be an absolute path");
    }
    BERTH_ASSIGN_OR_RETURN(run.workingDir, parseContainerPath(run.workingDir));
  }
  BERTH_ASSIGN_OR_RETURN(std::string user, stringField(cfg, "User", "Config"));
  BERTH_ASSIGN_OR_RETURN(run.user, parseUser(user));
  BERTH_ASSIGN_OR_RETURN(run.tty, boolField(cfg, "Tty", "Config"));
  BERTH_ASSIGN_OR_RETURN(run.openStdin, boolField(cfg, "OpenStdin", "Config"));
  BERTH_ASSIGN_OR_RETURN(run.stdinOnce, boolField(cfg, "StdinOnce", "Config"));
  BERTH_ASSIGN_OR_RETURN(run.hostname, stringField(cfg, "Hostname", "Config"));
  BERTH_ASSIGN_OR_RETURN(run.domainname, stringField(cfg, "Domainname", "Config"));
  if (!run.hostname.empty()) {
    BERTH_TRY(validateHostname(run.hostname));
  }
  BERTH_ASSIGN_OR_RETURN(std::string stopSignal, stringField(cfg, "StopSignal", "Config"));
  if (!stopSignal.empty()) {
    BERTH_ASSIGN_OR_RETURN(run.stopSignal, parseSignal(stopSignal));
  }
  if (cfg.contains("StopTimeout") && !cfg["StopTimeout"].is_null()) {
    BERTH_ASSIGN_OR_RETURN(int64_t t, intField(cfg, "StopTimeout", "Config"));
    if (t < -1) {
      return invalidArgument("invalid stop timeout " + std::to_string(t) + ": must be -1 or more");
    }
    run.stopTimeout = static_cast<int>(t);
  }

  BERTH_TRY(refuseUnsupported(hc));
  const json& rp = hc.contains("RestartPolicy") && hc["RestartPolicy"].is_object()
                       ? hc["RestartPolicy"]
                       : json::object();
  BERTH_ASSIGN_OR_RETURN(std::string rpName, stringField(rp, "Name", "HostConfig.RestartPolicy"));
  BERTH_ASSIGN_OR_RETURN(int64_t rpMax,
                         intField(rp, "MaximumRetryCount", "HostConfig.RestartPolicy"));
  BERTH_ASSIGN_OR_RETURN(run.restart, restartPolicyFrom(rpName, static_cast<int>(rpMax)));
  BERTH_ASSIGN_OR_RETURN(run.autoRemove, boolField(hc, "AutoRemove", "HostConfig"));
  if (run.autoRemove && run.restart.mode != RestartMode::kNo) {
    return invalidArgument("can't create 'AutoRemove' container with restart policy");
  }
  BERTH_TRY(parseResources(hc, host, run));
  BERTH_TRY(parseSecurity(hc, run));
  BERTH_TRY(parseNetworkSide(hc, run));
  const json& lc =
      hc.contains("LogConfig") && hc["LogConfig"].is_object() ? hc["LogConfig"] : json::object();
  BERTH_ASSIGN_OR_RETURN(run.logDriver, stringField(lc, "Type", "HostConfig.LogConfig"));
  if (lc.contains("Config") && lc["Config"].is_object()) {
    for (const auto& [k, v] : lc["Config"].items()) {
      if (!v.is_string()) {
        return invalidArgument("invalid HostConfig.LogConfig.Config: values must be strings");
      }
      run.logOpts[k] = v.get<std::string>();
    }
  }
  return run;
}

Result<CreatePlan> planCreate(const json& body, const image::ImageRecord& image,
                              const std::string& containerId, const CreateDefaults& defaults) {
  if (!body.is_object()) {
    return invalidArgument("config cannot be empty in order to create a container");
  }
  CreatePlan plan;
  plan.config = defaultConfig();
  json userConfig = body;
  userConfig.erase("HostConfig");
  userConfig.erase("NetworkingConfig");
  overlay(plan.config, userConfig);
  // Typed checks of what the client sent, before the image fills gaps.
  for (const char* key : {"Env", "Cmd", "Entrypoint"}) {
    BERTH_ASSIGN_OR_RETURN(auto list, stringList(plan.config, key, "Config"));
    plan.config[key] = list ? json(*list) : json(nullptr);
  }
  if (!plan.config["Labels"].is_object()) {
    return invalidArgument("invalid Config.Labels: expected an object");
  }
  mergeImageConfig(plan.config, image.config.value("config", json::object()));
  if (plan.config.value("Hostname", std::string()).empty()) {
    plan.config["Hostname"] = containerId.substr(0, 12);
  }

  plan.hostConfig = defaultHostConfig();
  if (body.contains("HostConfig") && !body["HostConfig"].is_null()) {
    if (!body["HostConfig"].is_object()) {
      return invalidArgument("invalid HostConfig: expected an object");
    }
    overlay(plan.hostConfig, body["HostConfig"]);
  }
  json& hc = plan.hostConfig;
  // dockerd's adaptContainerSettings and defaults.
  std::string mode = hc.value("NetworkMode", std::string());
  if (mode.empty() || mode == "default") {
    hc["NetworkMode"] = defaults.defaultNetworkMode;
  }
  if (hc["NetworkMode"] == "host" && !defaults.host.hostname.empty() &&
      (!body.contains("Hostname") ||
       (body["Hostname"].is_string() && body["Hostname"].get<std::string>().empty()))) {
    plan.config["Hostname"] = defaults.host.hostname;
  }
  if (hc["ShmSize"].is_number_integer() && hc["ShmSize"].get<int64_t>() == 0) {
    hc["ShmSize"] = kDefaultShmSize;
  }
  if (hc["Memory"].is_number_integer() && hc["MemorySwap"].is_number_integer() &&
      hc["Memory"].get<int64_t>() > 0 && hc["MemorySwap"].get<int64_t>() == 0) {
    hc["MemorySwap"] = hc["Memory"].get<int64_t>() * 2;
  }
  if (!hc["RestartPolicy"].is_object()) {
    return invalidArgument("invalid HostConfig.RestartPolicy: expected an object");
  }
  if (hc["RestartPolicy"].value("Name", std::string()).empty()) {
    hc["RestartPolicy"]["Name"] = "no";
  }
  BERTH_ASSIGN_OR_RETURN(std::string runtime, stringField(hc, "Runtime", "HostConfig"));
  if (runtime.empty()) {
    hc["Runtime"] = defaults.runtime;
  } else if (runtime != defaults.runtime) {
    return invalidArgument("Unknown runtime specified " + runtime);
  }
  if (hc.value("Privileged", false)) {
    hc["MaskedPaths"] = nullptr;
    hc["ReadonlyPaths"] = nullptr;
  }
  if (!hc["LogConfig"].is_object()) {
    return invalidArgument("invalid HostConfig.LogConfig: expected an object");
  }
  if (hc["LogConfig"].value("Type", std::string()).empty()) {
    hc["LogConfig"]["Type"] = defaults.logDriver;
    if (!hc["LogConfig"].contains("Config") || !hc["LogConfig"]["Config"].is_object() ||
        hc["LogConfig"]["Config"].empty()) {
      hc["LogConfig"]["Config"] = defaults.logOpts;
    }
  }
  if (!hc["LogConfig"].contains("Config") || hc["LogConfig"]["Config"].is_null()) {
    hc["LogConfig"]["Config"] = json::object();
  }
  if (body.contains("NetworkingConfig") && body["NetworkingConfig"].is_object()) {
    plan.networkingConfig = body["NetworkingConfig"];
  }

  BERTH_ASSIGN_OR_RETURN(plan.run, runSettingsFrom(plan.config, hc, defaults.host));
  BERTH_TRY(validateLogConfig(plan.run.logDriver, plan.run.logOpts));
  BERTH_ASSIGN_OR_RETURN(plan.mounts,
                         parseMountPoints(plan.config, hc, containerId, defaults.volumesFrom));
  if (plan.run.init) {
    BERTH_TRY(findInitBinary());
  }
  plan.path = plan.run.command.front();
  plan.args.assign(plan.run.command.begin() + 1, plan.run.command.end());
  return plan;
}

Result<std::string> validateContainerName(std::string_view name) {
  static const std::regex kName("^/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$");
  std::string n(name);
  if (!std::regex_match(n, kName)) {
    return invalidArgument("Invalid container name (" + n +
                           "), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
  }
  return n[0] == '/' ? n : "/" + n;
}

std::string randomContainerName(unsigned retry) {
  // A short version of moby's namesgenerator lists.
  static const char* const kLeft[] = {
      "admiring",   "adoring",   "agitated",    "amazing",    "angry",    "awesome", "blissful",
      "bold",       "brave",     "busy",        "charming",   "clever",   "cool",    "dazzling",
      "determined", "eager",     "ecstatic",    "elegant",    "epic",     "festive", "focused",
      "friendly",   "funny",     "gallant",     "gifted",     "happy",    "hopeful", "hungry",
      "inspiring",  "jolly",     "keen",        "kind",       "loving",   "lucid",   "magical",
      "modest",     "nervous",   "nice",        "optimistic", "peaceful", "pensive", "practical",
      "priceless",  "quirky",    "relaxed",     "serene",     "sharp",    "silly",   "sleepy",
      "stoic",      "sweet",     "tender",      "trusting",   "upbeat",   "vibrant", "vigilant",
      "wizardly",   "wonderful", "xenodochial", "youthful",   "zealous",  "zen"};
  static const char* const kRight[] = {
      "albattani",  "allen",   "archimedes",    "babbage",  "banach",   "bardeen",  "bartik",
      "bell",       "black",   "blackwell",     "bohr",     "boyd",     "brown",    "cannon",
      "carson",     "cerf",    "chandrasekhar", "curie",    "darwin",   "davinci",  "dijkstra",
      "einstein",   "elion",   "euclid",        "euler",    "fermat",   "fermi",    "feynman",
      "franklin",   "galileo", "gauss",         "goldberg", "goodall",  "hamilton", "hawking",
      "heisenberg", "hopper",  "hypatia",       "jackson",  "johnson",  "kalam",    "keller",
      "kepler",     "knuth",   "lamport",       "lovelace", "mccarthy", "mendel",   "newton",
      "noether",    "pascal",  "pasteur",       "ritchie",  "shannon",  "tesla",    "thompson",
      "torvalds",   "turing",  "wiles",         "wozniak",  "yalow",    "zhukovsky"};
  static thread_local std::mt19937 rng{std::random_device{}()};
  std::string name =
      std::string(kLeft[rng() % std::size(kLeft)]) + "_" + kRight[rng() % std::size(kRight)];
  if (retry > 0) {
    name += std::to_string(rng() % 10);
  }
  return name;
}

}  // namespace berth::container
