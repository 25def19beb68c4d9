// Self-test of the C++ test hosts (tests/lib/test_host.h): bare hosts, the
// daemon path (with a stand-in berthd), switch/router underlays, and that
// teardown leaves nothing behind.
#include "tests/lib/test_host.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <regex>
#include <thread>

namespace berth::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

bool exists(const std::string& path) {
  struct stat st {};
  return lstat(path.c_str(), &st) == 0;
}

bool mounted(const std::string& path) {
  std::ifstream f("/proc/self/mounts");
  std::string dev, mp, rest;
  while (f >> dev >> mp && std::getline(f, rest)) {
    if (mp == path || mp.rfind(path + "/", 0) == 0) {
      return true;
    }
  }
  return false;
}

// Running = exists and is not a zombie.
bool running(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  auto close = stat.rfind(") ");
  return close != std::string::npos && stat[close + 2] != 'Z';
}

// A killed process may take a moment to finish exiting: waits up to a second.
bool gone(pid_t pid) {
  for (int i = 0; i < 20 && running(pid); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return !running(pid);
}

std::vector<std::string> pingCommand(const std::string& addr) {
  std::vector<std::string> argv = {"busybox", "ping", "-c", "1", "-W", "2", addr};
  if (addr.find(':') != std::string::npos) {
    argv.insert(argv.begin() + 2, "-6");
  }
  return argv;
}

std::string fakeBerthd() { return envOr("BERTH_FAKE_BERTHD", ""); }

std::unique_ptr<TestHost> bare(const std::string& name) {
  auto h = TestHost::createBare(name);
  EXPECT_TRUE(h.ok()) << (h.ok() ? "" : h.error().message());
  return h.ok() ? std::move(h).value() : nullptr;
}

TEST(TestHostTest, BareHostHasOnlyLoopbackUp) {
  auto h = bare("a");
  ASSERT_NE(h, nullptr);
  EXPECT_TRUE(exists(h->netnsPath()));
  EXPECT_FALSE(h->daemonRunning());
  auto links = h->exec({"ip", "-o", "link", "show"});
  ASSERT_TRUE(links.ok()) << links.describe();
  EXPECT_THAT(links.out, HasSubstr("1: lo: <LOOPBACK,UP,LOWER_UP>"));
  EXPECT_THAT(links.out, Not(HasSubstr("eth0"))) << links.describe();
  auto outside = h->exec({"ip", "-o", "link", "show", "eth0"}, /*inNetns=*/false);
  EXPECT_TRUE(outside.ok()) << outside.describe();
}

TEST(TestHostTest, DestroyRemovesNetnsDirAndProcesses) {
  auto h = bare("a");
  ASSERT_NE(h, nullptr);
  std::string ns = h->netnsPath();
  std::string dir = h->dir();
  // A process the test leaves running in the host must not outlive it.
  auto bg = h->exec({"sh", "-c", "sleep 1000 >/dev/null 2>&1 & echo $!"});
  ASSERT_TRUE(bg.ok()) << bg.describe();
  pid_t pid = std::stoi(bg.out);
  ASSERT_TRUE(running(pid));
  Status s = h->destroy();
  ASSERT_TRUE(s.ok()) << s.error().message();
  EXPECT_FALSE(exists(ns));
  EXPECT_FALSE(exists(dir));
  EXPECT_FALSE(mounted(ns));
  EXPECT_TRUE(gone(pid));
  EXPECT_TRUE(h->destroy().ok());  // idempotent
}

TEST(TestHostTest, ExecReportsExitCodeOutputAndTimeout) {
  auto r = runCommand({"sh", "-c", "echo out; echo err >&2; exit 3"});
  EXPECT_EQ(r.exitCode, 3);
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(r.err, "err\n");
  EXPECT_THAT(r.describe(), HasSubstr("exit:    3"));
  RunOptions slow;
  slow.timeout = std::chrono::milliseconds(300);
  auto t = runCommand({"sleep", "5"}, slow);
  EXPECT_TRUE(t.timedOut);
  EXPECT_EQ(t.exitCode, 128 + SIGKILL);
  RunOptions in;
  in.input = "hello";
  EXPECT_EQ(runCommand({"cat"}, in).out, "hello");
  EXPECT_EQ(runCommand({"/nonexistent/binary"}).exitCode, 127);
}

TEST(TestHostTest, SwitchJoinsHosts) {
  auto a = bare("a");
  auto b = bare("b");
  ASSERT_TRUE(a && b);
  {
    MultiHost net;
    Status s = net.linkSwitch("sw", {a.get(), b.get()});
    ASSERT_TRUE(s.ok()) << s.error().message();
    ASSERT_NE(net.node("sw"), nullptr);
    EXPECT_THAT(a->address(), ::testing::MatchesRegex(R"(10\.99\.[0-9]+\.1)"));
    EXPECT_THAT(b->address(), ::testing::MatchesRegex(R"(10\.99\.[0-9]+\.2)"));
    auto p4 = a->exec(pingCommand(b->address()));
    EXPECT_TRUE(p4.ok()) << p4.describe();
    auto p6 = b->exec(pingCommand(a->address6()));
    EXPECT_TRUE(p6.ok()) << p6.describe();
    std::string swNs = net.node("sw")->netnsPath();
    EXPECT_TRUE(exists(swNs));
  }
  // The switch went with the MultiHost, and with it the veth pairs.
  auto links = a->exec({"ip", "-o", "link", "show"});
  EXPECT_THAT(links.out, Not(HasSubstr("eth0"))) << links.describe();
}

TEST(TestHostTest, RouterConnectsTwoSubnets) {
  auto a = bare("a");
  auto b = bare("b");
  ASSERT_TRUE(a && b);
  MultiHost net;
  Status s = net.linkRouter("r", *a, *b);
  ASSERT_TRUE(s.ok()) << s.error().message();
  EXPECT_NE(a->address().substr(0, 8), b->address().substr(0, 8));
  auto p4 = a->exec(pingCommand(b->address()));
  EXPECT_TRUE(p4.ok()) << p4.describe();
  auto p6 = b->exec(pingCommand(a->address6()));
  EXPECT_TRUE(p6.ok()) << p6.describe();
  auto route = a->exec({"ip", "route", "get", b->address()});
  EXPECT_THAT(route.out, HasSubstr("via ")) << route.describe();
}

class FakeDaemonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (fakeBerthd().empty() || !exists(fakeBerthd())) {
      GTEST_SKIP() << "BERTH_FAKE_BERTHD not set or missing; run through ctest";
    }
  }
  TestHostOptions options(std::vector<std::string> extra = {}) {
    TestHostOptions o;
    o.berthdPath = fakeBerthd();
    o.extraDaemonArgs = std::move(extra);
    o.readyTimeout = std::chrono::seconds(5);
    o.stopTimeout = std::chrono::seconds(2);
    return o;
  }
};

TEST_F(FakeDaemonTest, DaemonRunsInTheHostWithItsOwnSysfsAndCgroups) {
  auto h = TestHost::create("d", options());
  ASSERT_TRUE(h.ok()) << h.error().message();
  TestHost& host = **h;
  EXPECT_TRUE(host.daemonRunning());
  auto ping = host.http("GET", "/_ping");
  ASSERT_TRUE(ping.ok()) << ping.error().message();
  EXPECT_EQ(ping->status, 200);
  EXPECT_EQ(ping->body, "OK");
  auto missing = host.http("GET", "/v1.44/nope");
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->status, 404);
  std::string log = host.log();
  // Its netns is the host's, its sysfs shows only the host's links, and the
  // machine's cgroup mounts are still there for the runtime.
  struct stat st {};
  ASSERT_EQ(stat(host.netnsPath().c_str(), &st), 0);
  EXPECT_THAT(log, HasSubstr("netns=net:[" + std::to_string(st.st_ino) + "]"));
  EXPECT_THAT(log, HasSubstr("sys-class-net=lo\n"));
  EXPECT_THAT(log, ::testing::ContainsRegex("cgroup=.*(memory|unified)"));
  auto curl = host.runCli(
      {"sh", "-c", "curl -sf --unix-socket \"${DOCKER_HOST#unix://}\" http://berth/_ping"});
  EXPECT_EQ(curl.out, "OK") << curl.describe();
  Status stopped = host.stopDaemon();
  EXPECT_TRUE(stopped.ok()) << stopped.error().message();
  EXPECT_THAT(host.log(), HasSubstr("shut down on SIGTERM"));
  Status restarted = host.startDaemon();
  EXPECT_TRUE(restarted.ok()) << restarted.error().message();
}

TEST_F(FakeDaemonTest, EarlyExitFailsWithTheLog) {
  auto h = TestHost::create("d", options({"--fake-exit-early"}));
  ASSERT_FALSE(h.ok());
  EXPECT_THAT(h.error().message(), HasSubstr("exited with status 3"));
  EXPECT_THAT(h.error().message(), HasSubstr("exiting early as asked"));
}

TEST_F(FakeDaemonTest, TeardownKillsStubbornDaemonAndItsOrphans) {
  auto h = TestHost::create("d", options({"--fake-ignore-term", "--fake-orphan"}));
  ASSERT_TRUE(h.ok()) << h.error().message();
  std::string dir = (*h)->dir();
  std::string log = (*h)->log();
  Status s = (*h)->destroy();
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.error().message(), HasSubstr("ignored SIGTERM"));
  EXPECT_FALSE(exists(dir));
  // The orphaned `sleep` (a shim stand-in) was in berthd's namespaces.
  std::smatch m;
  ASSERT_TRUE(std::regex_search(log, m, std::regex("orphan pid=([0-9]+)"))) << log;
  EXPECT_TRUE(gone(std::stoi(m[1])));
}

// The real daemon, when it has been built: the C++ path end to end.
TEST(RealDaemonTest, AnswersPingAndClients) {
  if (access(berthdPath().c_str(), X_OK) != 0) {
    GTEST_SKIP() << "berthd not built at " << berthdPath();
  }
  auto h = TestHost::create("real");
  ASSERT_TRUE(h.ok()) << h.error().message();
  auto ping = (*h)->http("GET", "/_ping");
  ASSERT_TRUE(ping.ok()) << ping.error().message();
  EXPECT_EQ(ping->body, "OK");
  auto v = (*h)->docker({"version", "--format", "{{.Server.APIVersion}}"});
  EXPECT_EQ(v.out, "1.44\n") << v.describe();
  Status s = (*h)->destroy();
  EXPECT_TRUE(s.ok()) << s.error().message();
}

}  // namespace
}  // namespace berth::testing
