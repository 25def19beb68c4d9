// From a container's record and settings to the typed input of buildOciSpec,
// for the container itself and for an exec's process.
#pragma once

#include <string>
#include <vector>

#include "container/container_record.h"
#include "container/create_config.h"
#include "container/sandbox.h"
#include "runtime/oci_spec.h"

namespace berth::container {

// dockerd's CreateDaemonEnvironment: PATH, HOSTNAME, TERM (with a tty), then
// the container's own variables replacing or appending.
std::vector<std::string> containerEnv(const std::string& hostname, bool tty,
                                      const std::vector<std::string>& env);

// A container's volumes, binds and tmpfs mounts resolved to host paths at start.
struct ResolvedMounts {
  std::vector<BindMount> binds;
  std::vector<TmpfsMount> tmpfs;
};

struct SpecPaths {
  std::string rootfs;        // the mounted root filesystem
  std::string containerDir;  // <data-root>/containers/<id> (hostname, hosts, resolv.conf)
  std::string cgroupParent;  // "/berth"
  ResolvedMounts mounts{};   // user mounts (volumes, binds, --mount tmpfs)
};

ContainerRuntimeSpec runtimeSpecFor(const ContainerRecord& rec, const RunSettings& run,
                                    const Sandbox& sandbox, const SpecPaths& paths);

struct ExecProcess {
  std::vector<std::string> cmd;
  std::vector<std::string> env;  // added to the container's
  std::string user;              // "" = the container's
  std::string workingDir;        // "" = the container's
  bool tty = false;
  bool privileged = false;
};

// The exec's process object: the container's spec with the exec's command,
// environment, user, directory and terminal, built by buildOciSpec so both
// share docker's defaults (capabilities, rlimits, user resolution).
Result<nlohmann::json> execProcessJson(const ContainerRecord& rec, const RunSettings& run,
                                       const ExecProcess& exec, const SpecPaths& paths);

}  // namespace berth::container
