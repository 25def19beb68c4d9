// ProcessWatcher over pidfds on one epoll thread. pidfd_open works for any
// process, not only children, so berthd keeps watching shims it re-adopted
// after a restart.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "container/process_watcher.h"
#include "kernel/unique_fd.h"

namespace berth::container {

class PidfdWatcher : public ProcessWatcher {
 public:
  // `procRoot` is /proc (tests point it elsewhere for isShimAlive).
  static Result<std::unique_ptr<PidfdWatcher>> create(std::string procRoot = "/proc");
  ~PidfdWatcher() override;  // stops the thread; pending callbacks are dropped

  Result<std::unique_ptr<ProcessWatch>> watch(int pid, std::function<void()> onExit) override;
  bool isShimAlive(int pid, const std::string& containerId) override;

 private:
  struct Entry {
    UniqueFd pidfd;  // empty when the process was already gone
    std::function<void()> cb;
  };
  class Handle;

  PidfdWatcher(std::string procRoot, UniqueFd epoll, UniqueFd wake);
  void loop();
  void unwatch(uint64_t key);
  void wakeUp();

  std::string procRoot_;
  UniqueFd epoll_;
  UniqueFd wake_;  // eventfd: new immediate entries, or stop
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<uint64_t, Entry> entries_;
  std::vector<uint64_t> immediate_;
  uint64_t nextKey_ = 1;
  uint64_t running_ = 0;  // the key whose callback runs now
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace berth::container
