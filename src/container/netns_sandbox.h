// The sandboxes of this issue: `--network none` (a fresh network namespace
// with only `lo` up, bind-mounted at <exec-root>/netns/<id>) and
// `--network host` (no namespace of its own). Anything else is refused until
// the networking issue provides its own SandboxProvider.
#pragma once

#include <string>

#include "container/sandbox.h"

namespace berth::container {

class NetnsSandboxProvider : public SandboxProvider {
 public:
  // `execRoot`: berthd's --exec-root (its netns/ directory is created on demand).
  explicit NetnsSandboxProvider(std::string execRoot);

  std::string defaultNetworkMode() const override { return "none"; }
  Status checkNetworkMode(std::string_view mode) const override;
  Result<Sandbox> create(const SandboxRequest& req) override;
  Status destroy(const std::string& containerId, const std::string& networkMode) override;

  std::string netnsPath(const std::string& containerId) const;

 private:
  std::string execRoot_;
};

// dockerd's EndpointSettings of a network without addresses (none, host).
nlohmann::json emptyEndpointSettings(const std::string& networkId, const std::string& endpointId);

}  // namespace berth::container
