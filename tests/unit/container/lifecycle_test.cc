#include <gtest/gtest.h>

#include <thread>

#include "container/container_view.h"
#include "fakes.h"

namespace berth::container {
namespace {

using nlohmann::json;
using testing::body;

class LifecycleTest : public testing::ServiceFixture {};

TEST_F(LifecycleTest, StartPreparesEverythingAndRecordsRunning) {
  std::string id = create(
      body({{"Cmd", {"sleep", "100"}}, {"HostConfig", {{"ExtraHosts", {"db:10.1.1.1"}}}}}), "web");
  auto started = svc->start("web");
  ASSERT_TRUE(started.ok()) << started.error().message();
  EXPECT_TRUE(*started);
  ContainerRecord rec = record(id);
  EXPECT_EQ(rec.state.statusString(), "running");
  EXPECT_EQ(rec.state.pid, 1001);
  EXPECT_EQ(rec.state.shimPid, 1000);
  EXPECT_EQ(rec.state.startedAtNano, clockNano.load());
  EXPECT_EQ(rec.sandboxKey, "/run/test/netns/" + id);
  EXPECT_TRUE(rootfs.mounted.count(id));
  EXPECT_TRUE(sandboxes.live.count(id));
  EXPECT_TRUE(watcher.watching(1000));
  ASSERT_EQ(shims.starts.size(), 1U);
  const ShimStart& s = shims.starts[0];
  EXPECT_EQ(s.bundle, tmp.sub("exec") + "/containers/" + id);
  EXPECT_EQ(s.logDriver, "json-file");
  EXPECT_EQ(s.logPath, rec.logPath);
  EXPECT_FALSE(s.waitAttach);
  // The OCI bundle and the etc files.
  auto spec = json::parse(testing::readFile(s.bundle + "/config.json"));
  EXPECT_EQ(spec["process"]["args"], json({"sleep", "100"}));
  EXPECT_EQ(spec["hostname"], id.substr(0, 12));
  std::string dir = tmp.sub("data") + "/containers/" + id;
  EXPECT_EQ(testing::readFile(dir + "/hostname"), id.substr(0, 12) + "\n");
  std::string hosts = testing::readFile(dir + "/hosts");
  EXPECT_NE(hosts.find("127.0.0.1\tlocalhost\n"), std::string::npos);
  EXPECT_NE(hosts.find("10.1.1.1\tdb\n"), std::string::npos);
  EXPECT_NE(hosts.find("\t" + id.substr(0, 12)), std::string::npos);
  // Loopback name servers of the host are unreachable from the container's namespace.
  EXPECT_EQ(testing::readFile(dir + "/resolv.conf"), "nameserver 10.0.0.2\nsearch example.com\n");
  EXPECT_EQ(actions(id), std::vector<std::string>({"create", "start"}));

  // A second start is dockerd's 304.
  auto again = svc->start(id);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);
}

TEST_F(LifecycleTest, HostNetworkUsesTheHostsFiles) {
  std::string id = create(body({{"HostConfig", {{"NetworkMode", "host"}}}}));
  ASSERT_TRUE(svc->start(id).ok());
  std::string dir = tmp.sub("data") + "/containers/" + id;
  EXPECT_EQ(testing::readFile(dir + "/hosts"), "127.0.0.1 localhost myhost\n");
  EXPECT_EQ(testing::readFile(dir + "/resolv.conf"),
            "nameserver 10.0.0.2\nnameserver 127.0.0.53\nsearch example.com\n");
  EXPECT_EQ(testing::readFile(dir + "/hostname"), "testhost\n");
}

TEST_F(LifecycleTest, ExitIsRecordedCleanedUpAndAnnounced) {
  std::string id = create(body(), "job");
  ASSERT_TRUE(svc->start(id).ok());
  clockNano += int64_t{3} * 1000000000;
  exitContainer(id, 3);
  ContainerRecord rec = record(id);
  EXPECT_EQ(rec.state.statusString(), "exited");
  EXPECT_EQ(rec.state.exitCode, 3);
  EXPECT_EQ(rec.state.pid, 0);
  EXPECT_EQ(rec.state.finishedAtNano, clockNano.load());
  EXPECT_FALSE(rootfs.mounted.count(id));
  EXPECT_FALSE(sandboxes.live.count(id));
  auto die = eventsOf("die");
  ASSERT_EQ(die.size(), 1U);
  EXPECT_EQ(die[0].attributes.at("exitCode"), "3");
  EXPECT_EQ(die[0].attributes.at("execDuration"), "3");
  EXPECT_FALSE(watcher.watching(1000));
  EXPECT_EQ(statusText(rec.state, clockNano.load() + int64_t{120} * 1000000000),
            "Exited (3) 2 minutes ago");
  // A stale second report of the same exit changes nothing.
  watcher.fire(1000);
  EXPECT_EQ(eventsOf("die").size(), 1U);
  // Stopping a stopped container is a 304.
  auto stopped = svc->stop(id, {});
  ASSERT_TRUE(stopped.ok());
  EXPECT_FALSE(*stopped);
  // It can be started again.
  ASSERT_TRUE(svc->start(id).ok());
  EXPECT_EQ(record(id).state.statusString(), "running");
  EXPECT_EQ(record(id).state.exitCode, 0);
}

TEST_F(LifecycleTest, StopSendsTheStopSignalThenKills) {
  std::string id = create(body({{"StopSignal", "SIGUSR1"}}));
  ASSERT_TRUE(svc->start(id).ok());
  runtime.ignoredSignals = {SIGUSR1};
  clearEvents();
  StopOptions opts;
  opts.timeout = 1;
  auto stopped = svc->stop(id, opts);
  ASSERT_TRUE(stopped.ok()) << stopped.error().message();
  EXPECT_TRUE(*stopped);
  ASSERT_EQ(runtime.kills.size(), 2U);
  EXPECT_EQ(runtime.kills[0].second, SIGUSR1);
  EXPECT_EQ(runtime.kills[1].second, SIGKILL);
  EXPECT_EQ(record(id).state.exitCode, 137);
  EXPECT_TRUE(record(id).state.hasBeenManuallyStopped);
  EXPECT_EQ(actions(id), std::vector<std::string>({"kill", "kill", "die", "stop"}));
  EXPECT_EQ(eventsOf("kill")[0].attributes.at("signal"), std::to_string(SIGUSR1));
}

TEST_F(LifecycleTest, StopWithExplicitSignalAndZeroTimeout) {
  std::string id = create(body());
  ASSERT_TRUE(svc->start(id).ok());
  StopOptions opts;
  opts.signal = "SIGINT";
  ASSERT_TRUE(svc->stop(id, opts).ok());
  EXPECT_EQ(runtime.kills.back().second, SIGINT);
  EXPECT_EQ(record(id).state.exitCode, 128 + SIGINT);
  ASSERT_TRUE(svc->start(id).ok());
  opts.signal.clear();
  opts.timeout = 0;
  ASSERT_TRUE(svc->stop(id, opts).ok());
  EXPECT_EQ(runtime.kills.back().second, SIGKILL);
  StopOptions bad;
  bad.signal = "SIGBOGUS";
  ASSERT_TRUE(svc->start(id).ok());
  EXPECT_EQ(svc->stop(id, bad).error().kind(), ErrorKind::kInvalidArgument);
}

TEST_F(LifecycleTest, KillSendsASignal) {
  std::string id = create(body());
  auto notRunning = svc->kill(id, "");
  ASSERT_FALSE(notRunning.ok());
  EXPECT_EQ(notRunning.error().kind(), ErrorKind::kConflict);
  EXPECT_EQ(notRunning.error().message(),
            "Cannot kill container: " + id + ": container " + id + " is not running");
  ASSERT_TRUE(svc->start(id).ok());
  runtime.ignoredSignals = {SIGHUP};
  ASSERT_TRUE(svc->kill(id, "HUP").ok());
  EXPECT_EQ(record(id).state.statusString(), "running");
  EXPECT_EQ(eventsOf("kill").back().attributes.at("signal"), std::to_string(SIGHUP));
  EXPECT_EQ(svc->kill(id, "NOPE").error().kind(), ErrorKind::kInvalidArgument);
  ASSERT_TRUE(svc->kill(id, "").ok());  // SIGKILL, waits for the exit
  EXPECT_EQ(record(id).state.exitCode, 137);
}

TEST_F(LifecycleTest, PauseAndUnpause) {
  std::string id = create(body());
  EXPECT_EQ(svc->pause(id).error().message(), "container " + id + " is not running");
  ASSERT_TRUE(svc->start(id).ok());
  ASSERT_TRUE(svc->pause(id).ok());
  EXPECT_EQ(record(id).state.statusString(), "paused");
  EXPECT_TRUE(runtime.paused.count(id));
  EXPECT_EQ(svc->pause(id).error().message(), "container " + id + " is already paused");
  EXPECT_EQ(svc->start(id).error().message(),
            "cannot start a paused container, try unpause instead");
  auto rm = svc->remove(id, {});
  ASSERT_FALSE(rm.ok());
  EXPECT_EQ(rm.error().kind(), ErrorKind::kConflict);
  ASSERT_TRUE(svc->unpause(id).ok());
  EXPECT_EQ(record(id).state.statusString(), "running");
  EXPECT_EQ(svc->unpause(id).error().message(), "container " + id + " is not paused");
  EXPECT_EQ(actions(id), std::vector<std::string>({"create", "start", "pause", "unpause"}));
}

TEST_F(LifecycleTest, RemoveARunningContainerNeedsForce) {
  std::string id = create(body(), "busy");
  ASSERT_TRUE(svc->start(id).ok());
  auto r = svc->remove("busy", {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind(), ErrorKind::kConflict);
  EXPECT_EQ(r.error().message(),
            "You cannot remove a running container " + id +
                ". Stop the container before attempting removal or force remove");
  EXPECT_EQ(record(id).state.statusString(), "running");
  RemoveOptions force;
  force.force = true;
  ASSERT_TRUE(svc->remove("busy", force).ok());
  EXPECT_EQ(runtime.kills.back().second, SIGKILL);
  EXPECT_EQ(storedContainers(), 0U);
  EXPECT_FALSE(sandboxes.live.count(id));
  EXPECT_TRUE(rootfs.removed.count(id));
  EXPECT_EQ(actions(id), std::vector<std::string>({"create", "start", "kill", "die", "destroy"}));
}

TEST_F(LifecycleTest, RestartStopsAndStartsAgain) {
  std::string id = create(body());
  ASSERT_TRUE(svc->restart(id, {}).ok());  // restarting a created container just starts it
  ASSERT_TRUE(svc->restart(id, {}).ok());
  EXPECT_EQ(record(id).state.statusString(), "running");
  EXPECT_EQ(shims.starts.size(), 2U);
  EXPECT_EQ(actions(id), std::vector<std::string>({"create", "start", "restart", "kill", "die",
                                                   "stop", "start", "restart"}));
  EXPECT_EQ(record(id).restartCount, 0);  // dockerd counts only policy restarts
}

TEST_F(LifecycleTest, FailedStartRecordsTheErrorAndLeavesNothing) {
  std::string id = create(body({{"Cmd", {"nosuch"}}}));
  shims.failWith = "start container: exec: \"nosuch\": executable file not found in $PATH";
  auto r = svc->start(id);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidArgument);
  ContainerRecord rec = record(id);
  EXPECT_EQ(rec.state.statusString(), "created");
  EXPECT_EQ(rec.state.exitCode, 127);
  EXPECT_EQ(rec.state.error, shims.failWith);
  EXPECT_FALSE(rootfs.mounted.count(id));
  EXPECT_FALSE(sandboxes.live.count(id));
  auto w = svc->wait(id, WaitCondition::kNotRunning);
  ASSERT_TRUE(w.ok());
  WaitResult res = (*w)->get();
  EXPECT_EQ(res.statusCode, 127);
  EXPECT_EQ(res.error, shims.failWith);
  // A mount failure is reported as well.
  shims.failWith.clear();
  rootfs.mountError = "overlay: no space";
  EXPECT_EQ(svc->start(id).error().message(), "overlay: no space");
  EXPECT_EQ(record(id).state.exitCode, 128);
}

TEST_F(LifecycleTest, AutoRemoveRemovesAfterExit) {
  std::string id = create(body({{"HostConfig", {{"AutoRemove", true}}}}), "rm-me");
  ASSERT_TRUE(svc->start(id).ok());
  auto removed = svc->wait(id, WaitCondition::kRemoved);
  ASSERT_TRUE(removed.ok());
  exitContainer(id, 0);
  EXPECT_TRUE(svc->find(id).ok());  // removal runs in the background
  scheduler.runAll();
  EXPECT_FALSE(svc->find(id).ok());
  EXPECT_EQ((*removed)->get().statusCode, 0);
  EXPECT_EQ(actions(id), std::vector<std::string>({"create", "start", "die", "destroy"}));
}

TEST_F(LifecycleTest, WaitConditions) {
  std::string id = create(body());
  auto now = svc->wait(id, WaitCondition::kNotRunning);
  ASSERT_TRUE(now.ok());
  WaitResult r;
  bool called = false;
  (*now)->then([&](const WaitResult& w) {
    called = true;
    r = w;
  });
  EXPECT_TRUE(called);  // a created container is not running
  auto next = svc->wait(id, WaitCondition::kNextExit);
  ASSERT_TRUE(next.ok());
  ASSERT_TRUE(svc->start(id).ok());
  auto notRunning = svc->wait(id, WaitCondition::kNotRunning);
  bool fired = false;
  (*notRunning)->then([&](const WaitResult&) { fired = true; });
  EXPECT_FALSE(fired);
  exitContainer(id, 42);
  EXPECT_TRUE(fired);
  EXPECT_EQ((*next)->get().statusCode, 42);
  EXPECT_EQ((*notRunning)->get().statusCode, 42);
  EXPECT_EQ(parseWaitCondition("").value(), WaitCondition::kNotRunning);
  EXPECT_EQ(parseWaitCondition("next-exit").value(), WaitCondition::kNextExit);
  EXPECT_EQ(parseWaitCondition("removed").value(), WaitCondition::kRemoved);
  EXPECT_FALSE(parseWaitCondition("soon").ok());
  EXPECT_EQ(svc->wait("nosuch", WaitCondition::kNotRunning).error().kind(), ErrorKind::kNotFound);
}

TEST_F(LifecycleTest, ConcurrentOperationsOnOneContainerSerialize) {
  std::string id = create(body());
  std::vector<std::thread> threads;
  std::atomic<int> started{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      auto r = svc->start(id);
      if (r.ok() && *r) {
        ++started;
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(started.load(), 1);
  EXPECT_EQ(shims.starts.size(), 1U);
}

TEST_F(LifecycleTest, ExecNeedsARunningContainer) {
  std::string id = create(body());
  auto r = svc->execCreate(id, {{"Cmd", {"ls"}}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind(), ErrorKind::kConflict);
  EXPECT_EQ(r.error().message(), "container " + id + " is not running");
  ASSERT_TRUE(svc->start(id).ok());
  EXPECT_EQ(svc->execCreate(id, {{"Cmd", json::array()}}).error().message(),
            "No exec command specified");
  auto exec = svc->execCreate(id, {{"Cmd", {"ls", "-l"}}, {"AttachStdout", true}});
  ASSERT_TRUE(exec.ok()) << exec.error().message();
  auto j = svc->execInspect(*exec);
  ASSERT_TRUE(j.ok());
  EXPECT_EQ((*j)["Running"], false);
  EXPECT_TRUE((*j)["ExitCode"].is_null());
  EXPECT_EQ((*j)["ProcessConfig"]["entrypoint"], "ls");
  EXPECT_EQ((*j)["ProcessConfig"]["arguments"], json({"-l"}));
  EXPECT_EQ((*svc->inspect(id, false))["ExecIDs"], json({*exec}));
  auto session = svc->execStart(*exec, ExecStartOptions{true, false, std::nullopt});
  ASSERT_TRUE(session.ok()) << session.error().message();
  EXPECT_EQ(*session, nullptr);  // detached
  EXPECT_EQ(shims.starts.back().execId, *exec);
  EXPECT_FALSE(shims.starts.back().waitAttach);
  EXPECT_EQ(svc->execStart(*exec, {}).error().kind(), ErrorKind::kConflict);
  EXPECT_EQ(eventsOf("exec_create: ls -l").size(), 1U);
  EXPECT_EQ(eventsOf("exec_start: ls -l").size(), 1U);
  // The exec's shim reports its exit.
  std::string dir = tmp.sub("exec") + "/containers/" + id;
  testing::writeFile(dir + "/exit-" + *exec + ".json",
                     R"({"exitCode": 2, "finishedAt": "2030-01-01T00:00:00Z"})");
  watcher.fire(shims.shimOf[*exec]);
  j = svc->execInspect(*exec);
  EXPECT_EQ((*j)["ExitCode"], 2);
  auto die = eventsOf("exec_die");
  ASSERT_EQ(die.size(), 1U);
  EXPECT_EQ(die[0].attributes.at("exitCode"), "2");
  EXPECT_EQ(die[0].attributes.at("execID"), *exec);
  EXPECT_EQ(svc->execInspect("nope").error().message(), "No such exec instance: nope");
  // The container's exit forgets its finished execs.
  exitContainer(id, 0);
  EXPECT_FALSE(svc->execInspect(*exec).ok());
}

}  // namespace
}  // namespace berth::container
