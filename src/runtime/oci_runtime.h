// OciRuntime: berthd's own calls to the OCI runtime for containers that
// berth-shim started. Every call blocks until the runtime binary returns
// (milliseconds; `stats` up to a second), so call it from the handler pool.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/result.h"

namespace berth {

class OciRuntime {
 public:
  virtual ~OciRuntime() = default;

  // Sends `signal` to the container's init (with `all`: to every process in
  // it). not-found for an unknown container, conflict when it is not running.
  virtual Status kill(const std::string& id, int signal, bool all) = 0;
  // Deletes a stopped container (`force`: kills it first). not-found if unknown.
  virtual Status remove(const std::string& id, bool force) = 0;
  // Freezes / thaws every process of a running container.
  virtual Status pause(const std::string& id) = 0;
  virtual Status resume(const std::string& id) = 0;
  // Host pids of the container's processes.
  virtual Result<std::vector<int>> pids(const std::string& id) = 0;
  // One sample of the container's cgroup statistics: the "data" object of
  // `runc events --stats` ({"cpu":…, "memory":…, "pids":…, "blkio":…}).
  virtual Result<nlohmann::json> stats(const std::string& id) = 0;
  // The runtime's state: {"id","pid","status":"created|running|paused|stopped","bundle",…}.
  virtual Result<nlohmann::json> state(const std::string& id) = 0;
};

}  // namespace berth
