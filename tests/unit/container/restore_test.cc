#include <gtest/gtest.h>

#include "fakes.h"

namespace berth::container {
namespace {

using testing::body;

// berthd restarts: the service is rebuilt over the same store and exec root.
class RestoreTest : public testing::ServiceFixture {
 protected:
  std::string startedContainer(nlohmann::json extra = nlohmann::json::object()) {
    std::string id = create(body(std::move(extra)));
    EXPECT_TRUE(svc->start(id).ok());
    return id;
  }
  void restartDaemon() {
    makeService();
    clearEvents();
    ASSERT_TRUE(svc->restore().ok());
  }
  std::string stateDir(const std::string& id) { return tmp.sub("exec") + "/containers/" + id; }
};

TEST_F(RestoreTest, AliveShimIsReAdopted) {
  std::string id = startedContainer();
  int shimPid = record(id).state.shimPid;
  watcher.alive.insert(shimPid);
  restartDaemon();
  ContainerRecord rec = record(id);
  EXPECT_EQ(rec.state.statusString(), "running");
  EXPECT_TRUE(watcher.watching(shimPid));
  EXPECT_TRUE(actions().empty());
  EXPECT_EQ(shims.starts.size(), 1U);  // nothing started again
  // The re-adopted container's exit is noticed, and stop still works.
  ASSERT_TRUE(svc->stop(id, {}).ok());
  EXPECT_EQ(record(id).state.statusString(), "exited");
  EXPECT_EQ(record(id).state.exitCode, 143);
}

TEST_F(RestoreTest, DeadShimWithExitRecordIsMarkedExitedWithItsCode) {
  std::string id = startedContainer();
  testing::writeFile(stateDir(id) + "/exit.json",
                     R"({"exitCode": 7, "finishedAt": "2030-01-01T00:00:05.5Z"})");
  restartDaemon();
  ContainerRecord rec = record(id);
  EXPECT_EQ(rec.state.statusString(), "exited");
  EXPECT_EQ(rec.state.exitCode, 7);
  EXPECT_EQ(rec.state.finishedAtNano, clockNano.load() + 5500000000);
  EXPECT_FALSE(sandboxes.live.count(id));
  auto die = eventsOf("die");
  ASSERT_EQ(die.size(), 1U);
  EXPECT_EQ(die[0].attributes.at("exitCode"), "7");
}

TEST_F(RestoreTest, DeadShimWithoutExitRecordIs255) {
  std::string id = startedContainer();
  restartDaemon();
  EXPECT_EQ(record(id).state.statusString(), "exited");
  EXPECT_EQ(record(id).state.exitCode, 255);
}

TEST_F(RestoreTest, RestartPolicyAppliesToContainersThatDiedMeanwhile) {
  std::string id =
      startedContainer({{"HostConfig", {{"RestartPolicy", {{"Name", "on-failure"}}}}}});
  testing::writeFile(stateDir(id) + "/exit.json",
                     R"({"exitCode": 1, "finishedAt": "2030-01-01T00:00:01Z"})");
  restartDaemon();
  EXPECT_EQ(record(id).state.statusString(), "restarting");
  scheduler.runAll();
  EXPECT_EQ(record(id).state.statusString(), "running");
  EXPECT_EQ(shims.starts.size(), 2U);
}

TEST_F(RestoreTest, AutoRemoveContainersThatDiedMeanwhileAreRemoved) {
  std::string id = startedContainer({{"HostConfig", {{"AutoRemove", true}}}});
  testing::writeFile(stateDir(id) + "/exit.json", R"({"exitCode": 0})");
  restartDaemon();
  scheduler.runAll();
  EXPECT_FALSE(svc->find(id).ok());
}

TEST_F(RestoreTest, AlwaysContainersComeBackAtBootEvenAfterAStop) {
  std::string always =
      startedContainer({{"HostConfig", {{"RestartPolicy", {{"Name", "always"}}}}}});
  std::string unless =
      startedContainer({{"HostConfig", {{"RestartPolicy", {{"Name", "unless-stopped"}}}}}});
  std::string plain = startedContainer();
  ASSERT_TRUE(svc->stop(always, {}).ok());
  ASSERT_TRUE(svc->stop(unless, {}).ok());
  ASSERT_TRUE(svc->stop(plain, {}).ok());
  restartDaemon();
  scheduler.runAll();
  EXPECT_EQ(record(always).state.statusString(), "running");
  EXPECT_EQ(record(unless).state.statusString(), "exited");
  EXPECT_EQ(record(plain).state.statusString(), "exited");
}

TEST_F(RestoreTest, ARecycledPidIsNotMistakenForTheShim) {
  std::string id = startedContainer();
  // The watcher says the pid is not this container's shim (another process has it now).
  restartDaemon();
  EXPECT_EQ(record(id).state.statusString(), "exited");
}

TEST_F(RestoreTest, DestroyingTheServiceLeavesContainersRunning) {
  std::string id = startedContainer();
  int shimPid = record(id).state.shimPid;
  size_t kills = runtime.kills.size();
  svc.reset();
  EXPECT_EQ(runtime.kills.size(), kills);   // berthd going down stops no container
  EXPECT_FALSE(watcher.watching(shimPid));  // but it stops watching
  makeService();
  EXPECT_EQ(record(id).state.statusString(), "running");
}

}  // namespace
}  // namespace berth::container
