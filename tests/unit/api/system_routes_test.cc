#include "api/system_routes.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <mutex>

#include "common/strings.h"
#include "server_fixture.h"

namespace berth::api {
namespace {

constexpr int64_t kSec = 1000000000;

// Records what a route does to its stream; close() plays the connection ending.
class FakeSink : public StreamSink {
 public:
  bool write(std::string data) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) {
      return false;
    }
    writes_.push_back(std::move(data));
    return true;
  }
  void finish() override {
    std::lock_guard<std::mutex> lock(mu_);
    finished_ = true;
  }
  bool closed() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return closed_;
  }
  void onClose(std::function<void()> fn) override {
    std::lock_guard<std::mutex> lock(mu_);
    closers_.push_back(std::move(fn));
  }
  void runAfter(std::chrono::nanoseconds delay, std::function<void()> fn) override {
    std::lock_guard<std::mutex> lock(mu_);
    timers_.emplace_back(delay, std::move(fn));
  }

  void close() {
    std::vector<std::function<void()>> fns;
    {
      std::lock_guard<std::mutex> lock(mu_);
      closed_ = true;
      fns.swap(closers_);
    }
    for (auto& fn : fns) {
      fn();
    }
  }
  std::vector<nlohmann::json> written() const {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<nlohmann::json> out;
    for (const auto& w : writes_) {
      EXPECT_EQ(w.back(), '\n');
      out.push_back(nlohmann::json::parse(w));
    }
    return out;
  }
  bool finished() const {
    std::lock_guard<std::mutex> lock(mu_);
    return finished_;
  }
  std::vector<std::pair<std::chrono::nanoseconds, std::function<void()>>> timers() const {
    std::lock_guard<std::mutex> lock(mu_);
    return timers_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> writes_;
  bool finished_ = false;
  bool closed_ = false;
  std::vector<std::function<void()>> closers_;
  std::vector<std::pair<std::chrono::nanoseconds, std::function<void()>>> timers_;
};

events::Event event(std::string type, std::string action, std::string name, int64_t t) {
  events::Event ev;
  ev.type = std::move(type);
  ev.action = std::move(action);
  ev.actorId = "id-" + name;
  ev.attributes = {{"name", name}};
  ev.timeNano = t;
  return ev;
}

TEST(ParseApiTimestampTest, Cases) {
  EXPECT_EQ(parseApiTimestamp("0").value(), 0);
  EXPECT_EQ(parseApiTimestamp("1").value(), kSec);
  EXPECT_EQ(parseApiTimestamp("1.5").value(), kSec + 500000000);
  EXPECT_EQ(parseApiTimestamp("1.000000001").value(), kSec + 1);
  EXPECT_EQ(parseApiTimestamp("1700000000.123456789").value(), 1700000000 * kSec + 123456789);
  EXPECT_EQ(parseApiTimestamp("1700000000.050").value(), 1700000000 * kSec + 50000000);
  EXPECT_EQ(parseApiTimestamp("9223372035.999999999").value(), 9223372035 * kSec + 999999999);
  // Regression: seconds * 1e9 overflowed past 2262. Later times (dockerd takes
  // them up to 9999) clamp to the largest nanosecond count.
  EXPECT_EQ(parseApiTimestamp("9223372036.854775808").value(), INT64_MAX);
  EXPECT_EQ(parseApiTimestamp("253402300799").value(), INT64_MAX);
  EXPECT_EQ(parseApiTimestamp("253402300799.999999999").value(), INT64_MAX);
  for (const char* bad : {"", ".", "1.", ".5", "-1", "+1", " 1", "1 ", "1e3", "abc", "1.-5",
                          "1.5x", "1.1234567890", "253402300800", "99999999999999999999",
                          "1..2", "0x10"}) {
    auto r = parseApiTimestamp(bad);
    ASSERT_FALSE(r.ok()) << "'" << bad << "'";
    EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidArgument);
    EXPECT_EQ(r.error().message(), "invalid timestamp '" + std::string(bad) + "'");
  }
}

class SystemRoutesTest : public ::testing::Test {
 protected:
  SystemRoutesTest()
      : bus_([this] { return now_.load(); }),
        system_(apitest::testFacts(), nlohmann::json::object()) {
    addSystemRoutes(router_, system_, bus_);
  }

  Reply get(std::string_view target, std::string method = "GET") {
    Request req;
    req.method = std::move(method);
    Status st = Router::parseTarget(target, req);
    if (!st.ok()) {
      return Reply::error(st.error());
    }
    return router_.dispatch(req);
  }

  std::string errorOf(std::string_view target) {
    Reply r = get(target);
    EXPECT_EQ(r.status, 400) << target << ": " << r.body;
    return nlohmann::json::parse(r.body).value("message", "");
  }

  // Starts /events on a fake sink.
  std::shared_ptr<FakeSink> startEvents(std::string_view target) {
    Reply r = get(target);
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_TRUE(r.stream);
    auto sink = std::make_shared<FakeSink>();
    if (r.stream) {
      r.stream(sink);
    }
    return sink;
  }

  void publishHistory() {
    bus_.publish(event("container", "start", "web", 10 * kSec));
    bus_.publish(event("network", "create", "net1", 20 * kSec));
    bus_.publish(event("container", "die", "web", 30 * kSec));
  }

  std::atomic<int64_t> now_{100 * kSec};
  events::EventBus bus_;
  system::SystemService system_;
  Router router_;
};

TEST_F(SystemRoutesTest, PingVersionInfo) {
  Reply ping = get("/_ping");
  EXPECT_EQ(ping.status, 200);
  EXPECT_EQ(ping.body, "OK");
  EXPECT_EQ(ping.contentType, "text/plain; charset=utf-8");
  Reply head = get("/_ping", "HEAD");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.body, "");

  Reply version = get("/v1.44/version");
  ASSERT_EQ(version.status, 200);
  auto v = nlohmann::json::parse(version.body);
  EXPECT_EQ(v["ApiVersion"], "1.44");
  EXPECT_EQ(v["MinAPIVersion"], "1.24");

  Reply info = get("/v1.44/info");
  ASSERT_EQ(info.status, 200);
  EXPECT_EQ(nlohmann::json::parse(info.body)["ID"], "test-engine");
  EXPECT_EQ(get("/info?x=1").status, 200);  // unknown parameters are ignored, as dockerd
}

TEST_F(SystemRoutesTest, EventsRefusesBadParameters) {
  EXPECT_EQ(errorOf("/events?filters=%7B%22x%22%3A%7B%22a%22%3Atrue%7D%7D"), "invalid filter 'x'");
  EXPECT_EQ(errorOf("/events?filters=%7B%22x%22%3A%5B%22a%22%5D%7D"), "invalid filter 'x'");
  EXPECT_EQ(errorOf("/events?filters=%7Bnot-json"),
            "invalid filter: filters must be a JSON object");
  EXPECT_EQ(errorOf("/events?since=20&until=10"), "since time cannot be after until time");
  EXPECT_EQ(errorOf("/events?since=abc"), "invalid timestamp 'abc'");
  EXPECT_EQ(errorOf("/events?until=1.x"), "invalid timestamp '1.x'");
}

TEST_F(SystemRoutesTest, EventsInAPastWindowReplayAndEnd) {
  publishHistory();
  auto sink = startEvents("/events?since=15&until=30");
  auto evs = sink->written();
  ASSERT_EQ(evs.size(), 2U);
  EXPECT_EQ(evs[0]["Type"], "network");
  EXPECT_EQ(evs[0]["Action"], "create");
  EXPECT_EQ(evs[0]["time"], 20);
  EXPECT_EQ(evs[0]["timeNano"], 20 * kSec);
  EXPECT_EQ(evs[1]["status"], "die");
  EXPECT_TRUE(sink->finished());
  EXPECT_TRUE(sink->timers().empty());
  sink->close();
  EXPECT_EQ(bus_.subscriberCount(), 0U);
}

TEST_F(SystemRoutesTest, EventsWithoutSinceHaveNoHistory) {
  publishHistory();
  auto sink = startEvents("/events");
  EXPECT_TRUE(sink->written().empty());
  EXPECT_FALSE(sink->finished());
  EXPECT_EQ(bus_.subscriberCount(), 1U);
  bus_.publish(event("volume", "create", "v1", 0));
  ASSERT_EQ(sink->written().size(), 1U);
  EXPECT_EQ(sink->written()[0]["timeNano"], 100 * kSec);  // stamped by the bus clock
  sink->close();
  EXPECT_EQ(bus_.subscriberCount(), 0U);
  bus_.publish(event("volume", "create", "v2", 0));
  EXPECT_EQ(sink->written().size(), 1U);
}

TEST_F(SystemRoutesTest, EventsFiltersApplyToHistoryAndLive) {
  publishHistory();
  // filters={"type":{"container":true},"event":["die"]}
  auto sink = startEvents(
      "/events?since=1&filters=%7B%22type%22%3A%7B%22container%22%3Atrue%7D%2C%22event%22%3A%5B%22die%22%5D%7D");
  ASSERT_EQ(sink->written().size(), 1U);
  EXPECT_EQ(sink->written()[0]["Action"], "die");
  bus_.publish(event("container", "start", "x", 0));
  bus_.publish(event("network", "destroy", "n", 0));
  bus_.publish(event("container", "die", "x", 0));
  auto evs = sink->written();
  ASSERT_EQ(evs.size(), 2U);
  EXPECT_EQ(evs[1]["Actor"]["Attributes"]["name"], "x");
  sink->close();
}

TEST_F(SystemRoutesTest, EventsUntilInTheFutureEndWhenItPasses) {
  publishHistory();
  auto sink = startEvents("/events?since=25&until=101.5");
  EXPECT_EQ(sink->written().size(), 1U);
  EXPECT_FALSE(sink->finished());
  auto timers = sink->timers();
  ASSERT_EQ(timers.size(), 1U);
  EXPECT_EQ(timers[0].first, std::chrono::nanoseconds(1500000000));
  bus_.publish(event("container", "create", "live", 101 * kSec));
  bus_.publish(event("container", "create", "late", 102 * kSec));  // after until
  auto evs = sink->written();
  ASSERT_EQ(evs.size(), 2U);
  EXPECT_EQ(evs[1]["Actor"]["Attributes"]["name"], "live");
  timers[0].second();
  EXPECT_TRUE(sink->finished());
  sink->close();
  EXPECT_EQ(bus_.subscriberCount(), 0U);
}

// Regression: live events published while the backlog was being written could
// reach the stream before older backlog events.
TEST_F(SystemRoutesTest, EventsBacklogPrecedesLiveEvents) {
  for (int round = 0; round < 5; ++round) {
    for (int i = 0; i < 1000; ++i) {
      bus_.publish(event("container", "start", "h", now_.fetch_add(1) + 1));
    }
    std::atomic<bool> stop{false};
    std::thread publisher([&] {
      while (!stop.load()) {
        bus_.publish(event("container", "start", "live", now_.fetch_add(1) + 1));
      }
    });
    auto sink = startEvents("/events?since=1");
    stop = true;
    publisher.join();
    sink->close();
    int64_t last = 0;
    for (const auto& ev : sink->written()) {
      int64_t t = ev["timeNano"].get<int64_t>();
      ASSERT_GT(t, last) << "round " << round << ": events out of order";
      last = t;
    }
  }
}

// /events over a real connection: JSON lines in chunks, and the end of the stream.
class EventsOverHttpTest : public apitest::ServerFixture {
 protected:
  static std::string stamp(int64_t nanos) {
    char frac[16];
    std::snprintf(frac, sizeof(frac), "%09lld", static_cast<long long>(nanos % kSec));
    return std::to_string(nanos / kSec) + "." + frac;
  }
};

TEST_F(EventsOverHttpTest, PastWindowReturnsBufferedEventsAndEnds) {
  start();
  int64_t now = bus_.now();
  bus_.publish(event("container", "create", "a", now - 10 * kSec));
  bus_.publish(event("image", "pull", "busybox", now - 5 * kSec));
  bus_.publish(event("container", "start", "a", now - 500000000));  // after until
  auto c = connect();
  ASSERT_TRUE(c->send(apitest::httpRequest(
      "GET", "/v1.44/events?since=" + stamp(now - 20 * kSec) + "&until=" + stamp(now - kSec))));
  auto r = c->readResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("content-type"), "application/json");
  EXPECT_TRUE(r->sawLastChunk);
  auto lines = split(r->body, '\n');
  ASSERT_EQ(lines.size(), 3U) << r->body;  // two events and the empty tail
  EXPECT_EQ(nlohmann::json::parse(lines[0])["Action"], "create");
  EXPECT_EQ(nlohmann::json::parse(lines[1])["Type"], "image");
  EXPECT_EQ(lines[2], "");
  EXPECT_TRUE(c->waitForEof());
  EXPECT_TRUE(eventually([&] { return bus_.subscriberCount() == 0; }));
  EXPECT_TRUE(eventually([&] { return server_->connectionCount() == 0; }));
}

TEST_F(EventsOverHttpTest, FutureUntilEndsByItself) {
  start();
  int64_t now = bus_.now();
  bus_.publish(event("network", "create", "n", now - kSec));
  auto c = connect();
  ASSERT_TRUE(c->send(apitest::httpRequest(
      "GET", "/events?since=" + stamp(now - 2 * kSec) + "&until=" + stamp(now + 300000000))));
  auto head = c->readHead();
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  auto first = c->readChunk();
  ASSERT_TRUE(first);
  EXPECT_EQ(nlohmann::json::parse(*first)["Type"], "network");
  // Nothing else happens: the stream ends once `until` passes.
  auto end = c->readChunk();
  ASSERT_TRUE(end) << "the stream did not end";
  EXPECT_EQ(*end, "");
  EXPECT_TRUE(c->waitForEof());
  EXPECT_TRUE(eventually([&] { return bus_.subscriberCount() == 0; }));
}

TEST_F(EventsOverHttpTest, LiveEventsUntilTheClientLeaves) {
  start();
  auto c = connect();
  ASSERT_TRUE(c->send(apitest::httpRequest("GET", "/events")));
  ASSERT_TRUE(c->readHead());
  ASSERT_TRUE(eventually([&] { return bus_.subscriberCount() == 1; }));
  bus_.publish(event("container", "kill", "k", 0));
  auto chunk = c->readChunk();
  ASSERT_TRUE(chunk);
  EXPECT_EQ(nlohmann::json::parse(*chunk)["Action"], "kill");
  c.reset();
  EXPECT_TRUE(eventually([&] { return bus_.subscriberCount() == 0; }));
  EXPECT_TRUE(eventually([&] { return server_->connectionCount() == 0; }));
}

}  // namespace
}  // namespace berth::api
