// One sample of a container's resource use in dockerd's stats JSON shape, read
// from the cgroup v1 controllers of these hosts (memory, cpuacct, cpu, pids).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace berth::container {

struct CgroupLocation {
  std::string root = "/sys/fs/cgroup";  // where the v1 controllers are mounted
  std::string path;                     // the container's cgroup, "/berth/<id>"
  std::string procRoot = "/proc";       // /proc/stat and /proc/meminfo
  int onlineCpus = 1;
};

// {"read", "cpu_stats", "memory_stats", "pids_stats", "blkio_stats", "num_procs", "storage_stats"}
// Missing files read as zero: a sample never fails.
nlohmann::json sampleCgroupStats(const CgroupLocation& loc, int64_t nowNano);

// The empty cpu_stats dockerd sends as precpu_stats before a previous sample exists.
nlohmann::json emptyCpuStats();

// A whole stats reply: `cur` with `prev`'s cpu and read time as precpu/preread,
// and the container's name and id.
nlohmann::json statsReply(const nlohmann::json& cur, const nlohmann::json* prev,
                          const std::string& name, const std::string& id);

}  // namespace berth::container
