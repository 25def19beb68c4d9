#include "events/event_bus.h"

#include <chrono>

namespace berth::events {

EventBus::Subscription::~Subscription() { bus_->unsubscribe(id_); }

EventBus::EventBus(Clock clock, size_t historySize)
    : clock_(std::move(clock)), historySize_(historySize) {}

EventBus::Clock EventBus::systemClock() {
  return [] {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
}

void EventBus::publish(Event ev) {
  if (ev.timeNano == 0) {
    ev.timeNano = clock_();
  }
  std::vector<std::shared_ptr<Subscriber>> targets;
  {
    std::lock_guard<std::mutex> lock(mu_);
    history_.push_back(ev);
    if (history_.size() > historySize_) {
      history_.pop_front();
    }
    for (const auto& [id, sub] : subscribers_) {
      if (matches(sub->filters, ev)) {
        targets.push_back(sub);
      }
    }
  }
  // Outside the lock so that a callback may unsubscribe or publish.
  for (const auto& sub : targets) {
    sub->cb(ev);
  }
}

std::vector<Event> EventBus::subscribe(const Filters& filters, int64_t sinceNano,
                                       int64_t untilNano, Callback cb,
                                       std::unique_ptr<Subscription>* out) {
  std::vector<Event> backlog;
  std::lock_guard<std::mutex> lock(mu_);
  if (sinceNano != 0 || untilNano != 0) {
    for (const auto& ev : history_) {
      if (ev.timeNano < sinceNano || (untilNano != 0 && ev.timeNano > untilNano)) {
        continue;
      }
      if (matches(filters, ev)) {
        backlog.push_back(ev);
      }
    }
  }
  if (cb && out != nullptr) {
    uint64_t id = nextId_++;
    subscribers_[id] = std::make_shared<Subscriber>(Subscriber{filters, std::move(cb)});
    *out = std::make_unique<Subscription>(this, id);
  }
  return backlog;
}

void EventBus::unsubscribe(uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  subscribers_.erase(id);
}

size_t EventBus::subscriberCount() const {
  std::lock_guard<std::mutex> lock(mu_);
  return subscribers_.size();
}

}  // namespace berth::events
