// Scheduler: runs the container service's background work (restart-policy
// restarts after their back-off, removal of --rm containers) off the caller's
// thread. Tests use a fake that runs tasks when told.
#pragma once

#include <chrono>
#include <functional>

namespace berth::container {

class Scheduler {
 public:
  virtual ~Scheduler() = default;
  // Runs `fn` on the scheduler's thread after `delay` (0: as soon as possible).
  // Tasks may block; they run one at a time, in deadline order.
  virtual void postAfter(std::chrono::nanoseconds delay, std::function<void()> fn) = 0;
  void post(std::function<void()> fn) { postAfter(std::chrono::nanoseconds(0), std::move(fn)); }
};

}  // namespace berth::container
