#include <gtest/gtest.h>

#include "container/restart_manager.h"
#include "fakes.h"

namespace berth::container {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;
using testing::body;

TEST(RestartManagerTest, BackOffDoublesAndResetsAfterTenSeconds) {
  RestartManager rm(RestartPolicy{RestartMode::kAlways, 0});
  std::vector<int64_t> delays;
  for (int i = 0; i < 4; ++i) {
    auto d = rm.shouldRestart(1, false, milliseconds(50));
    ASSERT_TRUE(d.restart);
    delays.push_back(std::chrono::duration_cast<milliseconds>(d.delay).count());
  }
  EXPECT_EQ(delays, std::vector<int64_t>({100, 200, 400, 800}));
  auto longRun = rm.shouldRestart(0, false, seconds(10));
  EXPECT_EQ(longRun.delay, milliseconds(100));
  EXPECT_EQ(rm.restartCount(), 5);
}

TEST(RestartManagerTest, BackOffIsCappedAtAMinute) {
  RestartManager rm(RestartPolicy{RestartMode::kAlways, 0});
  nanoseconds last{0};
  for (int i = 0; i < 20; ++i) {
    last = rm.shouldRestart(1, false, milliseconds(1)).delay;
  }
  EXPECT_EQ(last, std::chrono::minutes(1));
}

TEST(RestartManagerTest, Policies) {
  RestartManager no;
  EXPECT_FALSE(no.shouldRestart(1, false, seconds(1)).restart);

  RestartManager onFailure(RestartPolicy{RestartMode::kOnFailure, 2});
  EXPECT_FALSE(onFailure.shouldRestart(0, false, seconds(1)).restart);
  EXPECT_TRUE(onFailure.shouldRestart(1, false, seconds(1)).restart);
  EXPECT_TRUE(onFailure.shouldRestart(1, false, seconds(1)).restart);
  EXPECT_FALSE(onFailure.shouldRestart(1, false, seconds(1)).restart);  // max 2 reached

  RestartManager unlimited(RestartPolicy{RestartMode::kOnFailure, 0});
  for (int i = 0; i < 10; ++i) {
    EXPECT_TRUE(unlimited.shouldRestart(2, false, seconds(1)).restart);
  }

  RestartManager unlessStopped(RestartPolicy{RestartMode::kUnlessStopped, 0});
  EXPECT_TRUE(unlessStopped.shouldRestart(0, false, seconds(1)).restart);
  EXPECT_FALSE(unlessStopped.shouldRestart(0, true, seconds(1)).restart);

  RestartManager always(RestartPolicy{RestartMode::kAlways, 0});
  EXPECT_TRUE(always.shouldRestart(0, true, seconds(1)).restart);  // only cancel() stops `always`
  always.cancel();
  EXPECT_FALSE(always.shouldRestart(0, false, seconds(1)).restart);
  always.reset(RestartPolicy{RestartMode::kAlways, 0});
  EXPECT_TRUE(always.shouldRestart(0, false, seconds(1)).restart);
}

class RestartPolicyTest : public testing::ServiceFixture {
 protected:
  std::string startWithPolicy(const std::string& policy, int max = 0) {
    std::string id = create(body(
        {{"HostConfig", {{"RestartPolicy", {{"Name", policy}, {"MaximumRetryCount", max}}}}}}));
    EXPECT_TRUE(svc->start(id).ok());
    return id;
  }
};

TEST_F(RestartPolicyTest, OnFailureRestartsWithBackOff) {
  std::string id = startWithPolicy("on-failure", 3);
  for (int i = 0; i < 3; ++i) {
    clockNano += 1000000;  // runs for a millisecond
    exitContainer(id, 1);
    ContainerRecord rec = record(id);
    EXPECT_EQ(rec.state.statusString(), "restarting");
    EXPECT_EQ(rec.restartCount, i + 1);
    ASSERT_EQ(scheduler.pending(), 1U);
    scheduler.runAll();
    EXPECT_EQ(record(id).state.statusString(), "running");
  }
  ASSERT_EQ(scheduler.delays.size(), 3U);
  EXPECT_EQ(scheduler.delays[0], milliseconds(100));
  EXPECT_EQ(scheduler.delays[1], milliseconds(200));
  EXPECT_EQ(scheduler.delays[2], milliseconds(400));
  exitContainer(id, 1);  // the fourth failure is over the maximum
  EXPECT_EQ(record(id).state.statusString(), "exited");
  EXPECT_EQ(scheduler.pending(), 0U);
  EXPECT_EQ(shims.starts.size(), 4U);
  // Policy restarts emit die and start, no restart event (as dockerd).
  EXPECT_TRUE(eventsOf("restart").empty());
  EXPECT_EQ(eventsOf("start").size(), 4U);
}

TEST_F(RestartPolicyTest, OnFailureDoesNotRestartASuccess) {
  std::string id = startWithPolicy("on-failure");
  exitContainer(id, 0);
  EXPECT_EQ(record(id).state.statusString(), "exited");
  EXPECT_EQ(scheduler.pending(), 0U);
}

TEST_F(RestartPolicyTest, ALongRunResetsTheBackOff) {
  std::string id = startWithPolicy("always");
  clockNano += 1000000;
  exitContainer(id, 0);
  scheduler.runAll();
  clockNano += 1000000;
  exitContainer(id, 0);
  scheduler.runAll();
  clockNano += int64_t{11} * 1000000000;  // this run lasted 11 s
  exitContainer(id, 0);
  ASSERT_EQ(scheduler.delays.size(), 3U);
  EXPECT_EQ(scheduler.delays[1], milliseconds(200));
  EXPECT_EQ(scheduler.delays[2], milliseconds(100));
}

TEST_F(RestartPolicyTest, StopDisablesThePolicyUntilTheNextStart) {
  std::string id = startWithPolicy("always");
  ASSERT_TRUE(svc->stop(id, {}).ok());
  EXPECT_EQ(record(id).state.statusString(), "exited");
  EXPECT_EQ(scheduler.pending(), 0U);
  ASSERT_TRUE(svc->start(id).ok());
  exitContainer(id, 0);
  EXPECT_EQ(scheduler.pending(), 1U);
}

TEST_F(RestartPolicyTest, StopWhileRestartingCancelsTheRestart) {
  std::string id = startWithPolicy("always");
  exitContainer(id, 1);
  EXPECT_EQ(record(id).state.statusString(), "restarting");
  auto stopped = svc->stop(id, {});
  ASSERT_TRUE(stopped.ok());
  EXPECT_TRUE(*stopped);
  EXPECT_EQ(record(id).state.statusString(), "exited");
  scheduler.runAll();  // the pending restart sees the cancel
  EXPECT_EQ(record(id).state.statusString(), "exited");
  EXPECT_EQ(shims.starts.size(), 1U);
}

TEST_F(RestartPolicyTest, KillWithAnotherSignalKeepsThePolicy) {
  std::string id = create(
      body({{"StopSignal", "SIGTERM"}, {"HostConfig", {{"RestartPolicy", {{"Name", "always"}}}}}}));
  ASSERT_TRUE(svc->start(id).ok());
  ASSERT_TRUE(svc->kill(id, "SIGUSR2").ok());  // the fake dies of it
  EXPECT_EQ(record(id).state.statusString(), "restarting");
  scheduler.runAll();
  ASSERT_TRUE(svc->kill(id, "SIGKILL").ok());
  EXPECT_EQ(record(id).state.statusString(), "exited");
}

TEST_F(RestartPolicyTest, RemovingARestartingContainer) {
  std::string id = startWithPolicy("always");
  exitContainer(id, 1);
  RemoveOptions force;
  force.force = true;
  ASSERT_TRUE(svc->remove(id, force).ok());
  scheduler.runAll();
  EXPECT_FALSE(svc->find(id).ok());
  EXPECT_EQ(shims.starts.size(), 1U);
}

}  // namespace
}  // namespace berth::container
