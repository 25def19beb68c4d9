// Fans committed transactions out to prefix watches from a bounded in-memory
// history, on one delivery thread. Backend-neutral: a backend publishes each
// commit, in revision order, and hands out the watches this returns.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "store/store.h"

namespace berth::store {

class WatchHub : public std::enable_shared_from_this<WatchHub> {
 public:
  // headRevision: the store's revision now; nothing at or before it can be
  // replayed. maxHistoryEvents bounds the events kept for replay (and so how far
  // a slow watcher may fall behind before it is told "compacted").
  static std::shared_ptr<WatchHub> create(int64_t headRevision, size_t maxHistoryEvents);
  ~WatchHub();

  WatchHub(const WatchHub&) = delete;
  WatchHub& operator=(const WatchHub&) = delete;

  // Records one committed transaction. Callers publish in revision order, each
  // revision once, with at least one event.
  void publish(int64_t revision, std::vector<WatchEvent> events);

  // See Store::watch. The returned Watch holds only a weak reference to the hub.
  std::unique_ptr<Watch> subscribe(std::string prefix, int64_t afterRevision, WatchCallback cb);

  // Stops the delivery thread, waiting for a running callback; afterwards no
  // callback runs. Idempotent. Must not be called from a callback.
  void stop();

 private:
  struct Entry {
    int64_t revision;
    std::vector<WatchEvent> events;
  };
  struct Watcher {
    std::string prefix;
    int64_t cursor;  // last revision this watcher has been given (or skipped)
    bool done = false;
    std::shared_ptr<WatchCallback> cb;
  };
  class Handle;

  WatchHub(int64_t headRevision, size_t maxHistoryEvents);
  void run();
  void unsubscribe(uint64_t id);
  bool hasWorkLocked() const;
  // Advances w past history that has nothing for it; returns the next delivery,
  // or nullopt when w is caught up.
  std::optional<Result<std::vector<WatchEvent>>> nextLocked(Watcher& w);

  const size_t maxHistoryEvents_;
  std::mutex mu_;
  std::condition_variable work_;  // the delivery thread waits here
  std::condition_variable idle_;  // unsubscribers wait here for a running callback
  std::deque<Entry> history_;     // exactly the revisions (compactedThrough_, head_]
  size_t historyEvents_ = 0;
  int64_t head_;
  int64_t compactedThrough_;
  std::map<uint64_t, Watcher> watchers_;
  uint64_t nextId_ = 1;
  uint64_t running_ = 0;  // id whose callback runs now, 0 for none
  bool stopping_ = false;
  std::thread thread_;
  std::thread::id
      deliveryThread_;  // thread_'s id, kept apart so that reading it never races join()
};

}  // namespace berth::store
