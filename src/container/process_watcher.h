// ProcessWatcher: tells the container service when a shim exits. The real one
// polls pidfds (which work for processes berthd did not start, so shims keep
// being watched across a berthd restart); tests use a fake.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "common/result.h"

namespace berth::container {

// A registered watch. Destroying it unregisters: once the destructor returns,
// the callback is not running and never runs (the destructor may be called
// from inside the callback itself).
class ProcessWatch {
 public:
  virtual ~ProcessWatch() = default;
};

class ProcessWatcher {
 public:
  virtual ~ProcessWatcher() = default;
  // Calls `onExit` once, on the watcher's own thread, when `pid` has exited —
  // soon after the call if it is already gone.
  virtual Result<std::unique_ptr<ProcessWatch>> watch(int pid, std::function<void()> onExit) = 0;
  // True when `pid` runs and is the berth-shim of container `containerId`
  // (guards against a recycled pid after a reboot or a long downtime).
  virtual bool isShimAlive(int pid, const std::string& containerId) = 0;
};

}  // namespace berth::container
