#include "store/watch_hub.h"

#include <fmt/format.h>
#include <pthread.h>

#include <algorithm>
#include <cassert>
#include <utility>

namespace berth::store {

class WatchHub::Handle final : public Watch {
 public:
  Handle(std::weak_ptr<WatchHub> hub, uint64_t id) : hub_(std::move(hub)), id_(id) {}
  ~Handle() override {
    if (auto hub = hub_.lock()) {
      hub->unsubscribe(id_);
    }
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;

 private:
  std::weak_ptr<WatchHub> hub_;
  uint64_t id_;
};

std::shared_ptr<WatchHub> WatchHub::create(int64_t headRevision, size_t maxHistoryEvents) {
  // The constructor is private so that every hub is owned by a shared_ptr,
  // which the handles' weak references rely on.
  return std::shared_ptr<WatchHub>(new WatchHub(headRevision, maxHistoryEvents));
}

WatchHub::WatchHub(int64_t headRevision, size_t maxHistoryEvents)
    : maxHistoryEvents_(std::max<size_t>(maxHistoryEvents, 1)),
      head_(headRevision),
      compactedThrough_(headRevision) {
  thread_ = std::thread([this] { run(); });
  deliveryThread_ = thread_.get_id();
}

WatchHub::~WatchHub() { stop(); }

void WatchHub::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  work_.notify_all();
  if (thread_.joinable()) {
    assert(thread_.get_id() != std::this_thread::get_id());
    thread_.join();
  }
  idle_.notify_all();
}

void WatchHub::publish(int64_t revision, std::vector<WatchEvent> events) {
  {
    std::lock_guard lock(mu_);
    assert(revision > head_);
    historyEvents_ += events.size();
    history_.push_back(Entry{revision, std::move(events)});
    head_ = revision;
    // Drop whole transactions from the front, but always keep the newest one
    // so that a single huge transaction is still delivered to live watchers.
    while (history_.size() > 1 && historyEvents_ > maxHistoryEvents_) {
      compactedThrough_ = history_.front().revision;
      historyEvents_ -= history_.front().events.size();
      history_.pop_front();
    }
  }
  work_.notify_one();
}

std::unique_ptr<Watch> WatchHub::subscribe(std::string prefix, int64_t afterRevision,
                                           WatchCallback cb) {
  uint64_t id = 0;
  {
    std::lock_guard lock(mu_);
    id = nextId_++;
    int64_t cursor = afterRevision <= 0 ? head_ : afterRevision;
    watchers_.emplace(id, Watcher{std::move(prefix), cursor, false,
                                  std::make_shared<WatchCallback>(std::move(cb))});
  }
  // The delivery thread replays history (or reports compaction), so that replay
  // and live events reach the callback from the same thread, in order.
  work_.notify_one();
  return std::make_unique<Handle>(weak_from_this(), id);
}

void WatchHub::unsubscribe(uint64_t id) {
  // Declared before the lock so that the callback (and whatever it captured,
  // possibly other watches) is destroyed after the lock is released.
  std::shared_ptr<WatchCallback> cb;
  std::unique_lock lock(mu_);
  if (auto it = watchers_.find(id); it != watchers_.end()) {
    cb = std::move(it->second.cb);
    watchers_.erase(it);
  }
  // From the delivery thread itself (a callback dropping a watch) waiting would
  // deadlock, and is unnecessary: callbacks run one at a time on that thread.
  if (deliveryThread_ == std::this_thread::get_id()) {
    return;
  }
  idle_.wait(lock, [&] { return running_ != id; });
}

bool WatchHub::hasWorkLocked() const {
  return std::any_of(watchers_.begin(), watchers_.end(), [&](const auto& item) {
    return !item.second.done && item.second.cursor < head_;
  });
}

std::optional<Result<std::vector<WatchEvent>>> WatchHub::nextLocked(Watcher& w) {
  if (w.done || w.cursor >= head_) {
    return std::nullopt;
  }
  if (w.cursor < compactedThrough_) {
    w.done = true;
    return Result<std::vector<WatchEvent>>(unavailable(fmt::format(
        "watch '{}' from revision {}: history compacted through revision {}; read again and "
        "watch from the revision of that read",
        w.prefix, w.cursor, compactedThrough_)));
  }
  auto it = std::upper_bound(history_.begin(), history_.end(), w.cursor,
                             [](int64_t rev, const Entry& e) { return rev < e.revision; });
  for (; it != history_.end(); ++it) {
    w.cursor = it->revision;
    std::vector<WatchEvent> matched;
    for (const WatchEvent& event : it->events) {
      if (event.key.starts_with(w.prefix)) {
        matched.push_back(event);
      }
    }
    if (!matched.empty()) {
      return Result<std::vector<WatchEvent>>(std::move(matched));
    }
  }
  return std::nullopt;
}

void WatchHub::run() {
  pthread_setname_np(pthread_self(), "berth-store-wch");
  std::unique_lock lock(mu_);
  while (!stopping_) {
    bool delivered = false;
    // One pass gives each watcher at most one delivery, so a busy watcher with
    // a long replay cannot starve the others.
    uint64_t nextId = 0;
    while (!stopping_) {
      auto it = watchers_.lower_bound(nextId);
      if (it == watchers_.end()) {
        break;
      }
      nextId = it->first + 1;
      auto delivery = nextLocked(it->second);
      if (!delivery) {
        continue;
      }
      running_ = it->first;
      std::shared_ptr<WatchCallback> cb = it->second.cb;
      lock.unlock();
      (*cb)(std::move(*delivery));
      cb.reset();  // if the watch was dropped meanwhile, its captures die unlocked
      lock.lock();
      running_ = 0;
      delivered = true;
      idle_.notify_all();
    }
    if (!delivered) {
      work_.wait(lock, [&] { return stopping_ || hasWorkLocked(); });
    }
  }
}

}  // namespace berth::store
