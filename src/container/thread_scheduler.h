// Scheduler on one thread with a deadline queue.
#pragma once

#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>
#include <utility>

#include "container/scheduler.h"

namespace berth::container {

class ThreadScheduler : public Scheduler {
 public:
  ThreadScheduler();
  ~ThreadScheduler() override;  // waits for a running task; drops the pending ones

  void postAfter(std::chrono::nanoseconds delay, std::function<void()> fn) override;

 private:
  using Clock = std::chrono::steady_clock;
  void loop();

  std::mutex mu_;
  std::condition_variable cv_;
  std::multimap<std::pair<Clock::time_point, uint64_t>, std::function<void()>> tasks_;
  uint64_t seq_ = 0;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace berth::container
