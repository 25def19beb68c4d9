#include "container/thread_scheduler.h"

#include <spdlog/spdlog.h>

namespace berth::container {

ThreadScheduler::ThreadScheduler() {
  thread_ = std::thread([this] { loop(); });
}

ThreadScheduler::~ThreadScheduler() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void ThreadScheduler::postAfter(std::chrono::nanoseconds delay, std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto when = Clock::now() + std::chrono::duration_cast<Clock::duration>(delay);
    tasks_.emplace(std::make_pair(when, seq_++), std::move(fn));
  }
  cv_.notify_all();
}

void ThreadScheduler::loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    if (tasks_.empty()) {
      cv_.wait(lock);
      continue;
    }
    auto first = tasks_.begin();
    if (first->first.first > Clock::now()) {
      cv_.wait_until(lock, first->first.first);
      continue;
    }
    std::function<void()> fn = std::move(first->second);
    tasks_.erase(first);
    lock.unlock();
    try {
      fn();
    } catch (const std::exception& e) {
      spdlog::error("background task failed: {}", e.what());
    }
    lock.lock();
  }
}

}  // namespace berth::container
