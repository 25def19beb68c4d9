// The flags of `run` and `create` and how they become the body of
// POST /containers/create, as docker's cli/command/container/opts.go builds it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace berth::cli {

struct ContainerFlags {
  // Config
  std::vector<std::string> attach;  // -a stdin|stdout|stderr
  bool interactive = false;
  bool tty = false;
  std::vector<std::string> env;
  std::vector<std::string> envFiles;
  std::vector<std::string> labels;
  std::vector<std::string> labelFiles;
  std::string workdir;
  std::string user;
  std::string entrypoint;
  std::string hostname;
  std::string domainname;
  std::string stopSignal;
  int stopTimeout = 0;
  std::vector<std::string> expose;
  std::string macAddress;
  // HostConfig
  bool autoRemove = false;
  std::string restart = "no";
  bool init = false;
  int64_t memory = 0;
  int64_t memoryReservation = 0;
  int64_t memorySwap = 0;
  int64_t nanoCpus = 0;
  int64_t cpuShares = 0;
  std::string cpusetCpus;
  int64_t pidsLimit = 0;
  bool readOnly = false;
  std::vector<std::string> tmpfs;
  int64_t shmSize = 0;
  std::vector<std::string> capAdd;
  std::vector<std::string> capDrop;
  bool privileged = false;
  std::vector<std::string> securityOpt;
  std::vector<std::string> sysctls;
  std::vector<std::string> groupAdd;
  std::vector<std::string> ulimits;
  bool oomKillDisable = false;
  std::vector<std::string> networks;  // --network, repeatable (name or long form)
  std::string logDriver;
  std::vector<std::string> logOpts;
  std::vector<std::string> publish;
  bool publishAll = false;
  std::vector<std::string> dns;
  std::vector<std::string> dnsSearch;
  std::vector<std::string> dnsOptions;
  std::vector<std::string> addHosts;
  std::vector<std::string> volumes;
  std::vector<std::string> volumesFrom;  // --volumes-from CONTAINER[:ro|:rw], as given
  std::vector<std::string> mounts;
  std::string ipc;
  std::string pid;
  std::string uts;
  std::string runtime;
  std::string cgroupParent;
  // NetworkingConfig
  std::vector<std::string> networkAliases;
  std::string ip;
  std::string ip6;
  std::vector<std::string> links;
  std::vector<std::string> linkLocalIps;
  // Client side
  std::string name;
  std::string platform;
  std::string pull = "missing";
  std::string cidFile;
  bool quiet = false;
  // run only
  bool detach = false;
  bool sigProxy = true;
  std::string detachKeys;

  // Flags whose absence differs from their zero value (entrypoint "", init false, ...).
  std::map<std::string, const CLI::Option*> changeable;
  bool changed(const std::string& flag) const;
};

// A repeatable flag whose values `check` vets while parsing, failing like pflag
// (invalid argument "x" for "-e, --env" flag: <reason>, usage, exit 125).
CLI::Option* addCheckedListFlag(CLI::App& cmd, const std::string& names,
                                std::vector<std::string>& into, const std::string& help,
                                const std::string& typeName,
                                std::function<Status(const std::string&)> check);
// opts.ValidateEnv's refusal: "invalid environment variable: =x".
Status validateEnvValue(const std::string& value);

// Declares the flags on `cmd`; `forRun` adds -d, --sig-proxy and --detach-keys.
void addContainerFlags(CLI::App& cmd, ContainerFlags& flags, bool forRun);

struct CreateRequest {
  std::string name;
  std::string platform;
  nlohmann::json body;  // Config, with HostConfig and NetworkingConfig inside
  bool attachStdin = false;
  bool attachStdout = false;
  bool attachStderr = false;
};

// The environment as -e NAME (no value) and env files see it.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
std::optional<std::string> processEnv(const std::string& name);

// `args` is IMAGE [COMMAND] [ARG...]. Errors are the messages docker prints
// after "docker: " (invalid ports, restart policy, unreadable env files ...).
Result<CreateRequest> buildCreateRequest(const ContainerFlags& flags,
                                         const std::vector<std::string>& args,
                                         const EnvLookup& env = processEnv);

// ---- the parsers buildCreateRequest uses --------------------------------------

// opts.ReadKVEnvStrings: the files' lines first, then the -e values; "NAME"
// without a value takes the environment's value (dropped from files when unset).
Result<std::vector<std::string>> readEnvStrings(const std::vector<std::string>& files,
                                                const std::vector<std::string>& values,
                                                const EnvLookup& env);
// opts.ReadKVStrings for labels: "k=v" lines and values, "k" meaning k="".
Result<std::map<std::string, std::string>> readLabels(const std::vector<std::string>& files,
                                                      const std::vector<std::string>& values);

// nat.ParsePortSpecs after docker's long-syntax conversion. Adds to ExposedPorts
// ({"80/tcp": {}}) and PortBindings ({"80/tcp": [{"HostIp": "", "HostPort": "8080"}]}).
Status parsePublish(const std::string& spec, nlohmann::json& exposed, nlohmann::json& bindings);
// --expose 80, 8000-8001/udp.
Status parseExpose(const std::string& spec, nlohmann::json& exposed);

// opts.ParseRestartPolicy: "always", "on-failure:3" -> {"Name", "MaximumRetryCount"}.
Result<nlohmann::json> parseRestartPolicy(const std::string& policy);

// opts.EffectiveCapAddCapDrop: upper-cased, "CAP_" added, sorted, ALL trumps.
std::pair<std::vector<std::string>, std::vector<std::string>> effectiveCaps(
    const std::vector<std::string>& add, const std::vector<std::string>& drop);

// -v: bind mounts go to Binds ("/host:/ctr:ro", "name:/data"); a bare path to
// Config.Volumes (anonymous). Relative "./x" sources become absolute.
struct VolumeSpecs {
  std::vector<std::string> binds;
  std::vector<std::string> anonymous;
};
Result<VolumeSpecs> parseVolumes(const std::vector<std::string>& specs);

// --mount type=bind|volume|tmpfs,source=...,target=...,readonly,... -> a HostConfig.Mounts entry.
Result<nlohmann::json> parseMount(const std::string& spec);

}  // namespace berth::cli
