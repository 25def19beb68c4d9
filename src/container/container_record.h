// What the store keeps per container (store key "containers/<id>"), and the
// name index ("container-names/<name>") that makes names unique atomically.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace berth::container {

inline constexpr char kContainersPrefix[] = "containers/";
inline constexpr char kNamesPrefix[] = "container-names/";

// dockerd's container.State, plus what berthd needs to find the shim again.
struct ContainerState {
  bool running = false;  // also true while paused or restarting, as in dockerd
  bool paused = false;
  bool restarting = false;
  bool oomKilled = false;
  bool dead = false;
  bool removalInProgress = false;
  int pid = 0;
  int exitCode = 0;
  std::string error;
  int64_t startedAtNano = 0;   // 0 = never started
  int64_t finishedAtNano = 0;  // 0 = never finished
  // berth's own
  int shimPid = 0;
  bool hasBeenStartedBefore = false;
  bool hasBeenManuallyStopped =
      false;  // stop/kill: the restart policy stays off until the next start

  // dockerd's StateString(): created, running, paused, restarting, removing, exited, dead.
  std::string statusString() const;
};

struct ContainerRecord {
  std::string id;    // 64 hex digits
  std::string name;  // with the leading '/', as dockerd keeps it
  int64_t createdNano = 0;
  std::string path;  // the process: Path + Args
  std::vector<std::string> args;
  std::string imageId;                 // "sha256:<hex>"
  std::vector<std::string> layerDirs;  // the image's layers at create time, lowest first
  nlohmann::json config;               // Docker's Config, merged with the image's config
  nlohmann::json hostConfig;           // Docker's HostConfig, with every key dockerd shows
  nlohmann::json networkingConfig = nlohmann::json::object();  // as the client sent it
  ContainerState state;
  int restartCount = 0;
  std::string logDriver;  // effective driver and options (daemon defaults applied)
  std::map<std::string, std::string> logOpts;
  std::string logPath;
  // The sandbox of the current (or last) run.
  std::string sandboxId;
  std::string sandboxKey;                              // the netns file; "" for the host's network
  nlohmann::json networks = nlohmann::json::object();  // NetworkSettings.Networks
  nlohmann::json ports = nlohmann::json::object();     // NetworkSettings.Ports

  // Config.Labels as a map (empty when none).
  std::map<std::string, std::string> labels() const;
  // Name without the leading '/'.
  std::string shortName() const;
  bool tty() const;
};

void to_json(nlohmann::json& j, const ContainerState& s);
void from_json(const nlohmann::json& j, ContainerState& s);
void to_json(nlohmann::json& j, const ContainerRecord& r);
void from_json(const nlohmann::json& j, ContainerRecord& r);

// container-names/<name without '/'> → the container id.
struct NameEntry {
  std::string id;
};
void to_json(nlohmann::json& j, const NameEntry& n);
void from_json(const nlohmann::json& j, NameEntry& n);

}  // namespace berth::container
