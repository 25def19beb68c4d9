// Private parts of ContainerService shared by its .cc files.
#pragma once

#include <condition_variable>
#include <mutex>
#include <utility>
#include <vector>

#include "container/container_service.h"

namespace berth::container {

// Background callbacks (watcher, scheduler) enter it; close() waits for the
// running ones and turns every later one away.
struct Gate {
  bool enter() {
    std::lock_guard<std::mutex> lock(mu);
    if (!open) {
      return false;
    }
    ++running;
    return true;
  }
  void leave() {
    std::lock_guard<std::mutex> lock(mu);
    --running;
    cv.notify_all();
  }
  void close() {
    std::unique_lock<std::mutex> lock(mu);
    open = false;
    cv.wait(lock, [this] { return running == 0; });
  }
  std::mutex mu;
  std::condition_variable cv;
  bool open = true;
  int running = 0;
};

// In-memory state of one container, beside its stored record.
struct ContainerService::Live {
  std::mutex op;  // held for a whole user operation on the container
  // Guarded by ContainerService::mu_:
  std::unique_ptr<ProcessWatch> shimWatch;
  uint64_t generation = 0;  // bumped at each start; stale exit callbacks compare it
  bool running = false;     // the shim of `generation` has not been reaped yet
  RestartManager restart;
  std::vector<std::pair<WaitCondition, std::shared_ptr<Waiter>>> waiters;
  std::vector<std::shared_ptr<PendingAttach>> pendingAttaches;
};

struct ContainerService::Exec {
  std::string id;
  std::string containerId;
  std::vector<std::string> cmd;
  std::vector<std::string> env;
  std::string user;
  std::string workingDir;
  bool tty = false;
  bool privileged = false;
  bool attachStdin = false;
  bool attachStdout = false;
  bool attachStderr = false;
  std::string detachKeys;
  // Guarded by ContainerService::mu_:
  bool started = false;
  bool running = false;
  std::optional<int> exitCode;
  int pid = 0;
  std::unique_ptr<ProcessWatch> watch;
};

// Undo steps registered as resources are acquired; run in reverse unless committed.
class ContainerService::Rollback {
 public:
  Rollback() = default;
  Rollback(const Rollback&) = delete;
  Rollback& operator=(const Rollback&) = delete;
  ~Rollback() {
    if (committed_) {
      return;
    }
    for (auto it = steps_.rbegin(); it != steps_.rend(); ++it) {
      (*it)();
    }
  }
  void add(std::function<void()> step) { steps_.push_back(std::move(step)); }
  void commit() { committed_ = true; }

 private:
  std::vector<std::function<void()>> steps_;
  bool committed_ = false;
};

template <typename Fn>
auto ContainerService::withContainer(std::string_view idOrName, Fn&& fn)
    -> decltype(fn(std::declval<Live&>(), std::declval<ContainerRecord>())) {
  BERTH_ASSIGN_OR_RETURN(ContainerRecord found, find(idOrName));
  std::shared_ptr<Live> l = live(found.id);
  std::lock_guard<std::mutex> lock(l->op);
  auto fresh = load(found.id);
  if (!fresh.ok()) {
    // Removed while this operation waited for the lock.
    return Unexpected(notFound("No such container: " + std::string(idOrName)));
  }
  return fn(*l, std::move(fresh).value());
}

// Shorthands for dockerd's messages.
inline Error notRunningError(const std::string& id) {
  return conflict("container " + id + " is not running");
}

// Runs `fn` under the gate: not at all once the service is being destroyed.
template <typename Fn>
auto gated(const std::shared_ptr<Gate>& gate, Fn fn) {
  return [gate, fn = std::move(fn)]() mutable {
    if (!gate->enter()) {
      return;
    }
    struct Leave {
      Gate* g;
      ~Leave() { g->leave(); }
    } leave{gate.get()};
    fn();
  };
}

}  // namespace berth::container
