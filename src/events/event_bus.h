// Fan-out of engine events to /events subscribers, with a bounded history so
// that `--since` can replay recent events (dockerd keeps one too).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "common/filters.h"
#include "events/event.h"

namespace berth::events {

class EventBus {
 public:
  using Clock = std::function<int64_t()>;  // nanoseconds since the Unix epoch
  using Callback = std::function<void(const Event&)>;

  // A live subscription; destroying it unsubscribes (safe from any thread).
  class Subscription {
   public:
    Subscription(EventBus* bus, uint64_t id) : bus_(bus), id_(id) {}
    ~Subscription();
    Subscription(const Subscription&) = delete;
    Subscription& operator=(const Subscription&) = delete;

   private:
    EventBus* bus_;
    uint64_t id_;
  };

  explicit EventBus(Clock clock = systemClock(), size_t historySize = 1024);

  static Clock systemClock();
  int64_t now() const { return clock_(); }

  // Stamps the time when unset, records it and calls every matching subscriber
  // on the caller's thread (callbacks must not block).
  void publish(Event ev);

  // Returns the recorded events in [sinceNano, untilNano] (0 = unbounded) that
  // match, oldest first, and — atomically with that — registers `cb` for every
  // later matching event. Pass a null `cb` to only read history.
  std::vector<Event> subscribe(const Filters& filters, int64_t sinceNano, int64_t untilNano,
                               Callback cb, std::unique_ptr<Subscription>* out);

  size_t subscriberCount() const;

 private:
  struct Subscriber {
    Filters filters;
    Callback cb;
  };
  void unsubscribe(uint64_t id);

  Clock clock_;
  size_t historySize_;
  mutable std::mutex mu_;
  std::deque<Event> history_;
  std::map<uint64_t, std::shared_ptr<Subscriber>> subscribers_;
  uint64_t nextId_ = 1;
};

}  // namespace berth::events
