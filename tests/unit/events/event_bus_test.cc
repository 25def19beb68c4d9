#include "events/event_bus.h"

#include <gtest/gtest.h>

#include <atomic>

namespace berth::events {
namespace {

Event containerEvent(const std::string& action, const std::string& name) {
  Event ev;
  ev.type = "container";
  ev.action = action;
  ev.actorId = "abc123" + name;
  ev.attributes = {{"name", name}, {"image", "busybox:latest"}};
  return ev;
}

TEST(EventBusTest, HistoryWindowAndLiveDelivery) {
  int64_t now = 1000;
  EventBus bus([&now] { return now; }, 3);
  for (int i = 0; i < 5; ++i) {
    now = 1000 + i;
    bus.publish(containerEvent("start", "c" + std::to_string(i)));
  }
  // Only the last 3 are kept.
  auto all = bus.subscribe({}, 1, 0, nullptr, nullptr);
  ASSERT_EQ(all.size(), 3U);
  EXPECT_EQ(all.front().attributes.at("name"), "c2");
  auto window = bus.subscribe({}, 1003, 1003, nullptr, nullptr);
  ASSERT_EQ(window.size(), 1U);
  EXPECT_EQ(window[0].attributes.at("name"), "c3");

  std::vector<std::string> seen;
  std::unique_ptr<EventBus::Subscription> sub;
  Filters f;
  f.add("event", "die");
  bus.subscribe(f, 0, 0, [&](const Event& ev) { seen.push_back(ev.action); }, &sub);
  EXPECT_EQ(bus.subscriberCount(), 1U);
  bus.publish(containerEvent("start", "x"));
  bus.publish(containerEvent("die", "x"));
  EXPECT_EQ(seen, std::vector<std::string>{"die"});
  sub.reset();
  EXPECT_EQ(bus.subscriberCount(), 0U);
  bus.publish(containerEvent("die", "y"));
  EXPECT_EQ(seen.size(), 1U);
}

TEST(EventBusTest, CallbackMayUnsubscribeItself) {
  EventBus bus;
  std::unique_ptr<EventBus::Subscription> sub;
  int calls = 0;
  bus.subscribe({}, 0, 0, [&](const Event&) { ++calls; sub.reset(); }, &sub);
  bus.publish(containerEvent("create", "a"));
  bus.publish(containerEvent("create", "b"));
  EXPECT_EQ(calls, 1);
}

TEST(EventBusTest, JsonShapeMatchesDockerd) {
  Event ev = containerEvent("create", "c1");
  ev.timeNano = 1700000000123456789;
  auto j = toJson(ev);
  EXPECT_EQ(j["Type"], "container");
  EXPECT_EQ(j["Action"], "create");
  EXPECT_EQ(j["Actor"]["Attributes"]["name"], "c1");
  EXPECT_EQ(j["time"], 1700000000);
  EXPECT_EQ(j["timeNano"], 1700000000123456789);
  EXPECT_EQ(j["status"], "create");
  EXPECT_EQ(j["from"], "busybox:latest");
  EXPECT_EQ(j["scope"], "local");
}

}  // namespace
}  // namespace berth::events
