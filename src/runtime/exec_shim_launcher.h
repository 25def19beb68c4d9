// ExecShimLauncher: ShimLauncher that runs the berth-shim executable.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "runtime/shim_launcher.h"

namespace berth {

class ExecShimLauncher : public ShimLauncher {
 public:
  // `shimPath`: the berth-shim binary; `runtimePath` and `runtimeRoot` are
  // passed to it as --runtime and --runtime-root.
  ExecShimLauncher(std::string shimPath, std::string runtimePath, std::string runtimeRoot,
                   std::chrono::milliseconds timeout = std::chrono::seconds(60));

  Result<ShimProcess> start(const ShimStart& s) override;

  // The shim's command line for `s` (docs/containers-design.md).
  std::vector<std::string> commandLine(const ShimStart& s) const;

 private:
  std::string shimPath_;
  std::string runtimePath_;
  std::string runtimeRoot_;
  std::chrono::milliseconds timeout_;
};

}  // namespace berth
