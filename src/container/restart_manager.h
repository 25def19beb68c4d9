// dockerd's restart manager: whether a container that exited is started again
// by its restart policy, and after which back-off (100 ms, doubling up to a
// minute, back to 100 ms after a run of 10 s or more).
#pragma once

#include <chrono>

#include "runtime/units.h"

namespace berth::container {

class RestartManager {
 public:
  static constexpr std::chrono::milliseconds kInitialDelay{100};
  static constexpr std::chrono::minutes kMaxDelay{1};
  static constexpr std::chrono::seconds kResetAfter{10};

  explicit RestartManager(RestartPolicy policy = {}) : policy_(policy) {}

  struct Decision {
    bool restart = false;
    std::chrono::nanoseconds delay{0};
  };
  // Called once per exit. `manuallyStopped`: a user stopped or killed it (or
  // the daemon is going down). `ranFor`: how long this run lasted.
  Decision shouldRestart(int exitCode, bool manuallyStopped, std::chrono::nanoseconds ranFor);

  // A user stopped, killed or removed the container: no more restarts until reset().
  void cancel() { cancelled_ = true; }
  // A user started the container: a fresh manager, as dockerd makes one.
  void reset(RestartPolicy policy);
  bool cancelled() const { return cancelled_; }
  int restartCount() const { return count_; }
  const RestartPolicy& policy() const { return policy_; }

 private:
  RestartPolicy policy_;
  std::chrono::nanoseconds timeout_{0};
  int count_ = 0;
  bool cancelled_ = false;
};

}  // namespace berth::container
