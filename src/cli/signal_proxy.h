// docker's --sig-proxy: while berth is attached to a container, the signals it
// receives (SIGINT from ^C, SIGTERM, ...) go to the container instead of ending
// berth, which then exits with the container's status.
#pragma once

#include <functional>
#include <memory>
#include <thread>

#include "common/result.h"

namespace berth::cli {

class SignalProxy {
 public:
  // Called on the proxy's own thread with each signal number.
  using Forward = std::function<void(int signo)>;

  // Blocks the forwarded signals in the calling thread (threads started later
  // inherit that) and starts the forwarding thread. Create it before other threads.
  static Result<std::unique_ptr<SignalProxy>> start(Forward forward);
  // Stops forwarding and restores the signal mask.
  ~SignalProxy();
  SignalProxy(const SignalProxy&) = delete;
  SignalProxy& operator=(const SignalProxy&) = delete;

 private:
  SignalProxy() = default;
  void run();

  Forward forward_;
  int signalFd_ = -1;
  int stopFd_ = -1;
  std::thread thread_;
  struct Mask;
  std::unique_ptr<Mask> oldMask_;
};

}  // namespace berth::cli
