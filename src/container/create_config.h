// The edge of `create`: Docker's create body (Config + HostConfig +
// NetworkingConfig) checked with dockerd's rules and wording, merged with the
// image's config, and turned into typed settings. Nothing here touches the
// system, so every bad input is found before anything is created.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "image/image_store.h"
#include "container/mount_points.h"
#include "logdriver/log_options.h"
#include "runtime/oci_spec.h"
#include "runtime/units.h"

namespace berth::container {

// What the checks need to know about this host.
struct HostFacts {
  int cpus = 1;
  std::string hostname;  // for --network host
};

// Daemon-level defaults a create falls back to.
struct CreateDefaults {
  HostFacts host;
  std::string logDriver = "json-file";
  LogOptions logOpts;
  std::string runtime = "runc";             // the only runtime name accepted (and "")
  std::string defaultNetworkMode = "none";  // what "" and "default" mean
  MountsOfContainer volumesFrom;            // HostConfig.VolumesFrom's source mounts
};

// The typed view of a container's Config and HostConfig that start and exec use.
struct RunSettings {
  std::vector<std::string> command;  // entrypoint + cmd, non-empty
  std::vector<std::string> env;
  std::string workingDir;  // absolute, or "" for the image's default ("/")
  UserSpec user;
  std::vector<std::string> groupAdd;
  bool tty = false;
  bool openStdin = false;
  bool stdinOnce = false;
  std::string hostname;
  std::string domainname;
  RestartPolicy restart;
  bool autoRemove = false;
  ResourceLimits resources;
  std::vector<std::string> capAdd;  // canonical names
  std::vector<std::string> capDrop;
  bool privileged = false;
  bool readOnlyRootfs = false;
  bool init = false;
  SeccompMode seccomp = SeccompMode::kDefault;
  std::vector<TmpfsMount> tmpfs;
  std::map<std::string, std::string> sysctls;
  int oomScoreAdj = 0;
  int stopSignal = 0;              // 0: SIGTERM
  std::optional<int> stopTimeout;  // seconds; nullopt: 10
  std::string networkMode;         // resolved: "none", "host", "bridge", a network name, ...
  std::vector<std::pair<std::string, std::string>> extraHosts;  // (hostname, ip)
  std::vector<std::string> dns;
  std::vector<std::string> dnsSearch;
  std::vector<std::string> dnsOptions;
  std::string logDriver;
  LogOptions logOpts;
};

// Derives RunSettings from a stored (already planned) Config and HostConfig,
// running every check again; used by planCreate and at each start.
Result<RunSettings> runSettingsFrom(const nlohmann::json& config, const nlohmann::json& hostConfig,
                                    const HostFacts& host);

struct CreatePlan {
  nlohmann::json config;      // dockerd's inspect "Config"
  nlohmann::json hostConfig;  // dockerd's inspect "HostConfig"
  nlohmann::json networkingConfig = nlohmann::json::object();
  std::string path;  // Path and Args as inspect shows them
  std::vector<std::string> args;
  RunSettings run;
  std::vector<MountPoint> mounts;  // volumes, binds and tmpfs mounts, parsed
};

// Checks `body` (the create request's JSON) against dockerd's rules and merges
// `image`'s config into it. `containerId` gives the default hostname.
Result<CreatePlan> planCreate(const nlohmann::json& body, const image::ImageRecord& image,
                              const std::string& containerId, const CreateDefaults& defaults);

// dockerd's name rule: [a-zA-Z0-9][a-zA-Z0-9_.-]+ with an optional leading '/'.
// Returns the name with its '/' prefix.
Result<std::string> validateContainerName(std::string_view name);

// A fresh "adjective_surname" like dockerd's names generator.
std::string randomContainerName(unsigned retry);

}  // namespace berth::container
