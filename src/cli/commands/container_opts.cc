// The flags of run/create and the create request they make.
#include "cli/commands/container_opts.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <CLI/CLI.hpp>

#include "cli/command.h"
#include "cli/commands/container.h"
#include "cli/commands/network_attach.h"
#include "cli/flag_values.h"
#include "cli/units.h"
#include "common/strings.h"

namespace berth::cli {

namespace {

using nlohmann::json;

// "-m,--memory" -> "-m, --memory", as pflag names a flag in its errors.
std::string displayName(const std::string& names) {
  std::vector<std::string> parts = split(names, ',');
  std::string shortName;
  std::string longName;
  for (const std::string& p : parts) {
    (startsWith(p, "--") ? longName : shortName) = p;
  }
  return shortName.empty() ? longName : shortName + ", " + longName;
}

// A flag whose value a parser turns into an int64 (sizes, CPUs), failing like pflag.
CLI::Option* addParsedFlag(CLI::App& cmd, const std::string& names, int64_t& into,
                           const std::string& help, const std::string& typeName,
                           std::function<Result<int64_t>(std::string_view)> parse) {
  CLI::Option* opt = cmd.add_option_function<std::string>(
      names,
      [&into, display = displayName(names), parse = std::move(parse)](const std::string& value) {
        auto v = parse(value);
        if (!v.ok()) {
          throw FlagValueError(invalidFlagValue(value, display, v.error().message()));
        }
        into = *v;
      },
      help);
  opt->type_name(typeName);
  opt->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  return opt;
}

Result<int64_t> parseInt64(std::string_view text) {
  std::string s(text);
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(s.c_str(), &end, 0);
  if (s.empty() || *end != '\0' || errno == ERANGE) {
    return invalidArgument(fmt::format("strconv.ParseInt: parsing \"{}\": {}", text,
                                       errno == ERANGE ? "value out of range" : "invalid syntax"));
  }
  return static_cast<int64_t>(v);
}

json stringArrayOrNull(const std::vector<std::string>& v) {
  return v.empty() ? json(nullptr) : json(v);
}

}  // namespace

CLI::Option* addCheckedListFlag(CLI::App& cmd, const std::string& names,
                                std::vector<std::string>& into, const std::string& help,
                                const std::string& typeName,
                                std::function<Status(const std::string&)> check) {
  CLI::Option* opt = addRepeatedFlag(cmd, names, into, help, typeName);
  opt->each([display = displayName(names), check = std::move(check)](const std::string& v) {
    Status st = check(v);
    if (!st.ok()) {
      throw FlagValueError(invalidFlagValue(v, display, st.error().message()));
    }
  });
  return opt;
}

Status validateEnvValue(const std::string& value) {
  if (value.empty() || value[0] == '=') {
    return invalidArgument("invalid environment variable: " + value);
  }
  return okStatus();
}

namespace {

// opts.ValidateExtraHost: "name:ip" or "name=ip", an address or host-gateway.
Status validateExtraHost(const std::string& h) {
  size_t sep = h.find('=');
  if (sep == std::string::npos) {
    sep = h.find(':');
  }
  if (sep == std::string::npos || sep == 0 || h.substr(0, sep).find(':') != std::string::npos) {
    return invalidArgument(fmt::format("bad format for add-host: \"{}\"", h));
  }
  std::string ip = h.substr(sep + 1);
  if (ip.size() > 2 && ip.front() == '[' && ip.back() == ']') {
    ip = ip.substr(1, ip.size() - 2);
  }
  unsigned char buf[16];
  if (ip != "host-gateway" && ::inet_pton(AF_INET, ip.c_str(), buf) != 1 &&
      ::inet_pton(AF_INET6, ip.c_str(), buf) != 1) {
    return invalidArgument(fmt::format("invalid IP address in add-host: \"{}\"", ip));
  }
  return okStatus();
}

}  // namespace

bool ContainerFlags::changed(const std::string& flag) const {
  auto it = changeable.find(flag);
  return it != changeable.end() && it->second != nullptr && it->second->count() > 0;
}

void addContainerFlags(CLI::App& cmd, ContainerFlags& f, bool forRun) {
  // -h is --hostname here, so help is --help only, as in docker.
  cmd.set_help_flag("--help", "Print usage");
  addCheckedListFlag(cmd, "--add-host", f.addHosts, "Add a custom host-to-IP mapping (host:ip)",
                     "list", validateExtraHost);
  addCheckedListFlag(cmd, "-a,--attach", f.attach, "Attach to STDIN, STDOUT or STDERR", "list",
                     [](const std::string& v) -> Status {
                       std::string s = toLower(v);
                       if (s != "stdin" && s != "stdout" && s != "stderr") {
                         return invalidArgument("valid streams are STDIN, STDOUT and STDERR");
                       }
                       return okStatus();
                     });
  addRepeatedFlag(cmd, "--cap-add", f.capAdd, "Add Linux capabilities");
  addRepeatedFlag(cmd, "--cap-drop", f.capDrop, "Drop Linux capabilities");
  addStringFlag(cmd, "--cgroup-parent", f.cgroupParent,
                "Optional parent cgroup for the container");
  addStringFlag(cmd, "--cidfile", f.cidFile, "Write the container ID to the file");
  addParsedFlag(cmd, "-c,--cpu-shares", f.cpuShares, "CPU shares (relative weight)", "int",
                parseInt64);
  addParsedFlag(cmd, "--cpus", f.nanoCpus, "Number of CPUs", "decimal", parseNanoCpus);
  addStringFlag(cmd, "--cpuset-cpus", f.cpusetCpus, "CPUs in which to allow execution (0-3, 0,1)");
  if (forRun) {
    addBoolFlag(cmd, "-d,--detach", f.detach, "Run container in background and print container ID");
    addStringFlag(cmd, "--detach-keys", f.detachKeys,
                  "Override the key sequence for detaching a container");
  }
  addRepeatedFlag(cmd, "--dns", f.dns, "Set custom DNS servers");
  addRepeatedFlag(cmd, "--dns-option", f.dnsOptions, "Set DNS options");
  addRepeatedFlag(cmd, "--dns-search", f.dnsSearch, "Set custom DNS search domains");
  addStringFlag(cmd, "--domainname", f.domainname, "Container NIS domain name");
  // Zero or one value, so that `--entrypoint=` (clearing the image's) does not
  // make CLI11 take the next word as the value.
  CLI::Option* entrypoint = cmd.add_option_function<std::vector<std::string>>(
      "--entrypoint",
      [&f](const std::vector<std::string>& v) { f.entrypoint = v.empty() ? "" : v.back(); },
      "Overwrite the default ENTRYPOINT of the image");
  entrypoint->type_name("string");
  entrypoint->expected(0, 1);
  entrypoint->allow_extra_args(false);
  f.changeable["entrypoint"] = entrypoint;
  addCheckedListFlag(cmd, "-e,--env", f.env, "Set environment variables", "list",
                     validateEnvValue);
  addRepeatedFlag(cmd, "--env-file", f.envFiles, "Read in a file of environment variables");
  addRepeatedFlag(cmd, "--expose", f.expose, "Expose a port or a range of ports");
  addRepeatedFlag(cmd, "--group-add", f.groupAdd, "Add additional groups to join");
  addStringFlag(cmd, "-h,--hostname", f.hostname, "Container host name");
  f.changeable["init"] = addBoolFlag(
      cmd, "--init", f.init,
      "Run an init inside the container that forwards signals and reaps processes");
  addBoolFlag(cmd, "-i,--interactive", f.interactive, "Keep STDIN open even if not attached");
  addStringFlag(cmd, "--ip", f.ip, "IPv4 address (e.g., 172.30.100.104)");
  addStringFlag(cmd, "--ip6", f.ip6, "IPv6 address (e.g., 2001:db8::33)");
  addStringFlag(cmd, "--ipc", f.ipc, "IPC mode to use");
  addRepeatedFlag(cmd, "-l,--label", f.labels, "Set meta data on a container");
  addRepeatedFlag(cmd, "--label-file", f.labelFiles, "Read in a line delimited file of labels");
  addRepeatedFlag(cmd, "--link", f.links, "Add link to another container");
  addRepeatedFlag(cmd, "--link-local-ip", f.linkLocalIps,
                  "Container IPv4/IPv6 link-local addresses");
  addStringFlag(cmd, "--log-driver", f.logDriver, "Logging driver for the container");
  addRepeatedFlag(cmd, "--log-opt", f.logOpts, "Log driver options");
  addStringFlag(cmd, "--mac-address", f.macAddress,
                "Container MAC address (e.g., 92:d0:c6:0a:29:33)");
  addParsedFlag(cmd, "-m,--memory", f.memory, "Memory limit", "bytes", ramInBytes);
  addParsedFlag(cmd, "--memory-reservation", f.memoryReservation, "Memory soft limit", "bytes",
                ramInBytes);
  addParsedFlag(cmd, "--memory-swap", f.memorySwap,
                "Swap limit equal to memory plus swap: '-1' to enable unlimited swap", "bytes",
                [](std::string_view v) -> Result<int64_t> {
                  if (v == "-1") {
                    return int64_t{-1};
                  }
                  return ramInBytes(v);
                });
  addCheckedListFlag(cmd, "--mount", f.mounts, "Attach a filesystem mount to the container",
                     "mount", [](const std::string& v) -> Status {
                       BERTH_TRY(parseMount(v));
                       return okStatus();
                     });
  addStringFlag(cmd, "--name", f.name, "Assign a name to the container");
  addCheckedListFlag(cmd, "--network", f.networks, "Connect a container to a network", "network",
                     [](const std::string& v) -> Status {
                       BERTH_TRY(parseNetworkAttachment(v));
                       return okStatus();
                     });
  addRepeatedFlag(cmd, "--network-alias", f.networkAliases,
              "Add network-scoped alias for the container");
  addBoolFlag(cmd, "--oom-kill-disable", f.oomKillDisable, "Disable OOM Killer");
  addStringFlag(cmd, "--pid", f.pid, "PID namespace to use");
  f.changeable["pids-limit"] = addParsedFlag(
      cmd, "--pids-limit", f.pidsLimit, "Tune container pids limit (set -1 for unlimited)", "int",
      parseInt64);
  addStringFlag(cmd, "--platform", f.platform,
                "Set platform if server is multi-platform capable");
  addBoolFlag(cmd, "--privileged", f.privileged,
              "Give extended privileges to this container");
  addRepeatedFlag(cmd, "-p,--publish", f.publish, "Publish a container's port(s) to the host");
  addBoolFlag(cmd, "-P,--publish-all", f.publishAll,
              "Publish all exposed ports to random ports");
  addStringFlag(cmd, "--pull", f.pull,
                "Pull image before running (\"always\", \"missing\", \"never\")");
  addBoolFlag(cmd, "-q,--quiet", f.quiet, "Suppress the pull output");
  addBoolFlag(cmd, "--read-only", f.readOnly,
              "Mount the container's root filesystem as read only");
  addStringFlag(cmd, "--restart", f.restart,
                "Restart policy to apply when a container exits");
  addBoolFlag(cmd, "--rm", f.autoRemove,
              "Automatically remove the container and its associated anonymous volumes when it "
              "exits");
  addStringFlag(cmd, "--runtime", f.runtime, "Runtime to use for this container");
  addRepeatedFlag(cmd, "--security-opt", f.securityOpt, "Security Options");
  addParsedFlag(cmd, "--shm-size", f.shmSize, "Size of /dev/shm", "bytes", ramInBytes);
  if (forRun) {
    addBoolFlag(cmd, "--sig-proxy", f.sigProxy, "Proxy received signals to the process");
  }
  addStringFlag(cmd, "--stop-signal", f.stopSignal, "Signal to stop the container");
  f.changeable["stop-timeout"] = addIntFlag(cmd, "--stop-timeout", f.stopTimeout,
                                            "Timeout (in seconds) to stop a container");
  addRepeatedFlag(cmd, "--sysctl", f.sysctls, "Sysctl options", "map")->default_str("map[]");
  addRepeatedFlag(cmd, "--tmpfs", f.tmpfs, "Mount a tmpfs directory");
  addBoolFlag(cmd, "-t,--tty", f.tty, "Allocate a pseudo-TTY");
  addRepeatedFlag(cmd, "--ulimit", f.ulimits, "Ulimit options", "ulimit");
  addStringFlag(cmd, "-u,--user", f.user,
                "Username or UID (format: <name|uid>[:<group|gid>])");
  addStringFlag(cmd, "--uts", f.uts, "UTS namespace to use");
  addRepeatedFlag(cmd, "-v,--volume", f.volumes, "Bind mount a volume");
  addRepeatedFlag(cmd, "--volumes-from", f.volumesFrom,
                  "Mount volumes from the specified container(s)");
  addStringFlag(cmd, "-w,--workdir", f.workdir, "Working directory inside the container");
}

Result<CreateRequest> buildCreateRequest(const ContainerFlags& f,
                                         const std::vector<std::string>& args,
                                         const EnvLookup& env) {
  CreateRequest req;
  req.name = f.name;
  req.platform = f.platform;

  bool attachStdin = false;
  bool attachStdout = f.attach.empty();
  bool attachStderr = f.attach.empty();
  for (const std::string& a : f.attach) {
    std::string s = toLower(a);
    attachStdin = attachStdin || s == "stdin";
    attachStdout = attachStdout || s == "stdout";
    attachStderr = attachStderr || s == "stderr";
  }
  if (f.interactive) {
    attachStdin = true;
  }

  BERTH_ASSIGN_OR_RETURN(std::vector<std::string> envVars,
                         readEnvStrings(f.envFiles, f.env, env));
  BERTH_ASSIGN_OR_RETURN(auto labels, readLabels(f.labelFiles, f.labels));
  BERTH_ASSIGN_OR_RETURN(json restart, parseRestartPolicy(f.restart));
  const std::string policy = restart["Name"].get<std::string>();
  if (f.autoRemove && !policy.empty() && policy != "no") {
    return invalidArgument("conflicting options: cannot specify both --restart and --rm");
  }

  json exposed = json::object();
  json bindings = json::object();
  for (const std::string& p : f.publish) {
    BERTH_TRY(parsePublish(p, exposed, bindings));
  }
  for (const std::string& e : f.expose) {
    BERTH_TRY(parseExpose(e, exposed));
  }
  BERTH_ASSIGN_OR_RETURN(VolumeSpecs volumes, parseVolumes(f.volumes));
  json anonymous = json::object();
  for (const std::string& v : volumes.anonymous) {
    anonymous[v] = json::object();
  }
  json mounts = json::array();
  for (const std::string& m : f.mounts) {
    BERTH_ASSIGN_OR_RETURN(json mount, parseMount(m));
    mounts.push_back(std::move(mount));
  }
  json tmpfs = json::object();
  for (const std::string& t : f.tmpfs) {
    size_t colon = t.find(':');
    tmpfs[t.substr(0, colon)] = colon == std::string::npos ? "" : t.substr(colon + 1);
  }
  auto [capAdd, capDrop] = effectiveCaps(f.capAdd, f.capDrop);

  json logConfig = {{"Type", f.logDriver}, {"Config", json::object()}};
  if (f.logDriver == "none" && !f.logOpts.empty()) {
    return invalidArgument("invalid logging opts for driver none");
  }
  for (const std::string& o : f.logOpts) {
    size_t eq = o.find('=');
    logConfig["Config"][o.substr(0, eq)] = eq == std::string::npos ? "" : o.substr(eq + 1);
  }
  std::vector<std::string> extraHosts;
  for (const std::string& h : f.addHosts) {
    // opts.ValidateExtraHost: "name=ip" or "name:ip"; the API wants "name:ip".
    size_t sep = h.find('=');
    if (sep == std::string::npos) {
      sep = h.find(':');
    }
    if (sep == std::string::npos || sep == 0 || h.substr(0, sep).find(':') != std::string::npos) {
      return invalidArgument(fmt::format("bad format for add-host: \"{}\"", h));
    }
    extraHosts.push_back(h.substr(0, sep) + ":" + h.substr(sep + 1));
  }
  json sysctls = json::object();
  for (const std::string& s : f.sysctls) {
    size_t eq = s.find('=');
    if (eq == std::string::npos || eq == 0) {
      return invalidArgument(fmt::format("sysctl '{}' is not allowed", s));
    }
    sysctls[s.substr(0, eq)] = s.substr(eq + 1);
  }
  json ulimits = json::array();
  for (const std::string& u : f.ulimits) {
    size_t eq = u.find('=');
    std::string limits = eq == std::string::npos ? "" : u.substr(eq + 1);
    size_t colon = limits.find(':');
    auto soft = parseInt64(limits.substr(0, colon));
    auto hard = colon == std::string::npos ? soft : parseInt64(limits.substr(colon + 1));
    if (eq == std::string::npos || !soft.ok() || !hard.ok()) {
      return invalidArgument("invalid ulimit argument: " + u);
    }
    ulimits.push_back({{"Name", u.substr(0, eq)}, {"Soft", *soft}, {"Hard", *hard}});
  }

  BERTH_ASSIGN_OR_RETURN(NetworkingConfig networking,
                         buildNetworkingConfig(f.networks, EndpointFlags{
                                                               .aliases = f.networkAliases,
                                                               .links = f.links,
                                                               .linkLocalIps = f.linkLocalIps,
                                                               .ipv4 = f.ip,
                                                               .ipv6 = f.ip6,
                                                               .mac = f.macAddress,
                                                           }));

  json hc = {
      {"Binds", stringArrayOrNull(volumes.binds)},
      // Passed as given, as docker's CLI does: the daemon checks the mode.
      {"VolumesFrom", stringArrayOrNull(f.volumesFrom)},
      {"LogConfig", logConfig},
      {"NetworkMode", networking.networkMode},
      {"Links", stringArrayOrNull(f.links)},
      {"PortBindings", bindings},
      {"RestartPolicy", restart},
      {"AutoRemove", f.autoRemove},
      {"ConsoleSize", {0, 0}},
      {"CapAdd", stringArrayOrNull(capAdd)},
      {"CapDrop", stringArrayOrNull(capDrop)},
      {"Dns", f.dns},
      {"DnsOptions", f.dnsOptions},
      {"DnsSearch", f.dnsSearch},
      {"ExtraHosts", stringArrayOrNull(extraHosts)},
      {"GroupAdd", stringArrayOrNull(f.groupAdd)},
      {"IpcMode", f.ipc},
      {"PidMode", f.pid},
      {"UTSMode", f.uts},
      {"Privileged", f.privileged},
      {"PublishAllPorts", f.publishAll},
      {"ReadonlyRootfs", f.readOnly},
      {"SecurityOpt", stringArrayOrNull(f.securityOpt)},
      {"ShmSize", f.shmSize},
      {"CpuShares", f.cpuShares},
      {"Memory", f.memory},
      {"MemoryReservation", f.memoryReservation},
      {"MemorySwap", f.memorySwap},
      {"MemorySwappiness", -1},
      {"NanoCpus", f.nanoCpus},
      {"CpusetCpus", f.cpusetCpus},
      {"CgroupParent", f.cgroupParent},
      {"OomKillDisable", f.oomKillDisable},
      {"Ulimits", ulimits},
  };
  if (!tmpfs.empty()) {
    hc["Tmpfs"] = tmpfs;
  }
  if (!mounts.empty()) {
    hc["Mounts"] = mounts;
  }
  if (!sysctls.empty()) {
    hc["Sysctls"] = sysctls;
  }
  if (!f.runtime.empty()) {
    hc["Runtime"] = f.runtime;
  }
  if (f.changed("pids-limit")) {
    hc["PidsLimit"] = f.pidsLimit;
  }
  if (f.changed("init")) {
    hc["Init"] = f.init;
  }

  json entrypoint = nullptr;
  if (!f.entrypoint.empty()) {
    entrypoint = json::array({f.entrypoint});
  } else if (f.changed("entrypoint")) {
    entrypoint = json::array({""});  // clears the image's entrypoint
  }
  std::vector<std::string> cmd(args.begin() + 1, args.end());
  json body = {
      {"Hostname", f.hostname},
      {"Domainname", f.domainname},
      {"User", f.user},
      {"AttachStdin", attachStdin},
      {"AttachStdout", attachStdout},
      {"AttachStderr", attachStderr},
      {"Tty", f.tty},
      {"OpenStdin", f.interactive},
      {"StdinOnce", f.interactive && attachStdin},
      {"Env", stringArrayOrNull(envVars)},
      {"Cmd", stringArrayOrNull(cmd)},
      {"Image", args.front()},
      {"Volumes", anonymous},
      {"WorkingDir", f.workdir},
      {"Entrypoint", entrypoint},
      {"OnBuild", nullptr},
      {"Labels", labels},
      {"HostConfig", hc},
      {"NetworkingConfig", {{"EndpointsConfig", networking.endpoints}}},
  };
  if (!exposed.empty()) {
    body["ExposedPorts"] = exposed;
  }
  if (!f.stopSignal.empty()) {
    body["StopSignal"] = f.stopSignal;
  }
  if (f.changed("stop-timeout")) {
    body["StopTimeout"] = f.stopTimeout;
  }
  req.attachStdin = attachStdin;
  req.attachStdout = attachStdout;
  req.attachStderr = attachStderr;
  req.body = std::move(body);
  return req;
}

}  // namespace berth::cli
