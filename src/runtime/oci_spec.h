// The OCI bundle's config.json (runtime-spec 1.0.2, what Debian's runc 1.1
// speaks) for one container, built from typed values only: docker's
// defaults (capabilities, mounts, devices, masked paths, seccomp) plus what
// the request changed. Strings from users are parsed by runtime/units.h first.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/result.h"
#include "runtime/units.h"

namespace berth {

struct BindMount {
  std::string source;       // absolute host path
  std::string destination;  // absolute path in the container
  bool readOnly = false;
  bool recursive = true;                 // rbind (docker's default) or bind
  std::string propagation = "rprivate";  // rprivate, private, rslave, slave, rshared, shared
};

struct TmpfsMount {
  std::string destination;  // absolute path in the container
  TmpfsOptions options;
};

struct ResourceLimits {
  int64_t memoryBytes = 0;  // 0 = no limit
  int64_t memorySwapBytes =
      0;                  // memory+swap; 0 = docker's default (twice memoryBytes); -1 = unlimited
  int64_t nanoCpus = 0;   // 0 = no limit; 1e9 = one CPU
  int64_t pidsLimit = 0;  // <= 0 = no limit
  int64_t shmSizeBytes = 0;  // /dev/shm; 0 = docker's 64 MiB
};

enum class SeccompMode { kDefault, kUnconfined };

struct ContainerRuntimeSpec {
  // process
  std::vector<std::string> args;      // non-empty: entrypoint + cmd, already combined
  std::vector<std::string> env;       // "NAME=value"
  std::string cwd = "/";              // absolute
  UserSpec user;                      // resolved against rootfs/etc/passwd and /etc/group
  std::vector<std::string> groupAdd;  // --group-add: names or gids
  bool terminal = false;
  int oomScoreAdj = 0;
  uint64_t noFileLimit = 0;  // RLIMIT_NOFILE soft = hard; 0 = defaultNoFileLimit()
  // filesystem
  std::string rootfs;  // absolute host path of the mounted root filesystem
  bool readOnlyRootfs = false;
  std::vector<BindMount> binds;  // /etc/hostname, /etc/hosts, /etc/resolv.conf, volumes
  std::vector<TmpfsMount> tmpfs;
  // identity and isolation
  std::string hostname;
  std::string netnsPath;  // bind-mounted netns to join; "" = the host's network (--network host)
  std::vector<std::string> capAdd;   // canonical names from parseCapability(), "ALL" allowed
  std::vector<std::string> capDrop;  // likewise
  bool privileged = false;           // all capabilities and devices, no seccomp, no masked paths
  SeccompMode seccomp = SeccompMode::kDefault;
  std::map<std::string, std::string> sysctls;
  // cgroups
  std::string cgroupsPath;  // "/berth/<id>" (cgroupfs driver); "" lets the runtime choose
  ResourceLimits resources;
  // --init: run tini as pid 1 ahead of args
  bool init = false;
  std::string initBinary;  // host path to bind-mount; "" = findInitBinary()
};

// docker's containers get RLIMIT_NOFILE 1048576 (dockerd's own limit from
// its systemd unit). Raising a hard limit takes CAP_SYS_RESOURCE; without it
// (as on these build machines) the container gets berthd's own hard limit.
uint64_t defaultNoFileLimit();

// Where --init's binary is looked for, in order.
const std::vector<std::string>& defaultInitCandidates();
// The first existing candidate, or unavailable naming Debian's tini package.
Result<std::string> findInitBinary(
    const std::vector<std::string>& candidates = defaultInitCandidates());

// A device node of the host, for --privileged.
struct HostDevice {
  std::string path;
  char type = 'c';  // 'c' or 'b'
  int64_t major = 0;
  int64_t minor = 0;
  uint32_t fileMode = 0;
  uint32_t uid = 0;
  uint32_t gid = 0;
};
// Character and block devices under devDir, as runc/containerd list them
// (skipping pts, shm, mqueue, fd and the console).
std::vector<HostDevice> hostDevices(const std::string& devDir = "/dev");

// Builds config.json. invalid-argument for inconsistent input (no args, a
// relative path, an unknown capability, a sysctl a container may not set, a
// user that the rootfs does not know); unavailable when --init has no binary.
// Reads the rootfs's /etc/passwd and /etc/group, and /dev when privileged.
Result<nlohmann::json> buildOciSpec(const ContainerRuntimeSpec& spec);

}  // namespace berth
