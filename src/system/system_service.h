// What /version and /info report: build facts, the host, the daemon's
// configuration and the kernel features probed at start.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace berth::system {

struct DaemonFacts {
  std::string engineId;  // persistent, from <data-root>/engine-id
  std::string dataRoot;
  std::string execRoot;
  bool debug = false;
  std::string loggingDriver = "json-file";
  std::string defaultRuntime = "runc";
  std::string cgroupDriver = "cgroupfs";
  std::vector<std::string> warnings;
};

class SystemService {
 public:
  // `kernelFeatures` is the probe's JSON, shown as BerthKernelFeatures in /info.
  SystemService(DaemonFacts facts, nlohmann::json kernelFeatures);

  nlohmann::json version() const;
  nlohmann::json info() const;

  // Lets later services (containers, images, networks) fill their counters into /info.
  // Must be called before the API starts serving.
  void addInfoContributor(std::function<void(nlohmann::json&)> fn);

 private:
  DaemonFacts facts_;
  nlohmann::json kernel_;
  std::vector<std::function<void(nlohmann::json&)>> contributors_;
};

// The host's OS name from /etc/os-release (PRETTY_NAME), or "Linux".
std::string operatingSystemName(const std::string& osReleasePath = "/etc/os-release");

}  // namespace berth::system
