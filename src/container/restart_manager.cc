#include "container/restart_manager.h"

namespace berth::container {

RestartManager::Decision RestartManager::shouldRestart(int exitCode, bool manuallyStopped,
                                                       std::chrono::nanoseconds ranFor) {
  Decision d;
  if (policy_.mode == RestartMode::kNo || cancelled_) {
    return d;
  }
  // The order of moby's restartmanager.ShouldRestart: the back-off moves on every
  // exit, whether or not this one restarts.
  if (ranFor >= kResetAfter) {
    timeout_ = std::chrono::nanoseconds(0);
  }
  if (timeout_.count() == 0) {
    timeout_ = kInitialDelay;
  } else if (timeout_ < kMaxDelay) {
    timeout_ *= 2;
  }
  if (timeout_ > kMaxDelay) {
    timeout_ = kMaxDelay;
  }
  bool restart = false;
  switch (policy_.mode) {
    case RestartMode::kAlways:
      restart = true;  // stop and SIGKILL cancel() the manager instead
      break;
    case RestartMode::kUnlessStopped:
      restart = !manuallyStopped;
      break;
    case RestartMode::kOnFailure:
      if (policy_.maximumRetryCount == 0 || count_ < policy_.maximumRetryCount) {
        restart = exitCode != 0;
      }
      break;
    case RestartMode::kNo:
      break;
  }
  if (!restart) {
    return d;
  }
  ++count_;
  d.restart = true;
  d.delay = timeout_;
  return d;
}

void RestartManager::reset(RestartPolicy policy) {
  policy_ = policy;
  timeout_ = std::chrono::nanoseconds(0);
  count_ = 0;
  cancelled_ = false;
}

}  // namespace berth::container
