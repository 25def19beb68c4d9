// The service's helpers: etc files, detach keys, ps parsing,
// cgroup stats, the pidfd watcher and the thread scheduler.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <condition_variable>
#include <thread>

#include "container/cgroup_stats.h"
#include "container/etc_files.h"
#include "container/pidfd_watcher.h"
#include "container/proc_top.h"
#include "container/runtime_spec.h"
#include "container/shim_io.h"
#include "container/thread_scheduler.h"
#include "fakes.h"

namespace berth::container {
namespace {

using nlohmann::json;

TEST(EtcFilesTest, HostsFile) {
  HostsInput in;
  in.hostname = "abc";
  in.extraHosts = {{"db", "10.0.0.5"}};
  EXPECT_EQ(hostsFileContent(in),
            "127.0.0.1\tlocalhost\n"
            "::1\tlocalhost ip6-localhost ip6-loopback\n"
            "fe00::0\tip6-localnet\n"
            "ff00::0\tip6-mcastprefix\n"
            "ff02::1\tip6-allnodes\n"
            "ff02::2\tip6-allrouters\n"
            "10.0.0.5\tdb\n"
            "127.0.0.1\tabc\n");
  in.addresses = {"172.18.0.2"};
  in.domainname = "example.com";
  EXPECT_NE(hostsFileContent(in).find("172.18.0.2\tabc.example.com abc\n"), std::string::npos);
  HostsInput host;
  host.hostNetwork = true;
  host.hostHostsContent = "127.0.0.1 localhost";
  host.extraHosts = {{"db", "10.0.0.5"}};
  EXPECT_EQ(hostsFileContent(host), "127.0.0.1 localhost\n10.0.0.5\tdb\n");
  EXPECT_EQ(hostnameFileContent("abc"), "abc\n");
}

TEST(EtcFilesTest, ResolvConf) {
  ResolvInput in;
  in.hostResolvConf =
      "# managed\nnameserver 127.0.0.53\nnameserver 192.0.2.1\nnameserver ::1\nsearch "
      "a.example\noptions edns0\n";
  auto r = resolvConfContent(in);
  EXPECT_EQ(r.content, "# managed\nnameserver 192.0.2.1\nsearch a.example\noptions edns0\n");
  EXPECT_FALSE(r.noNameservers);
  in.dns = {"9.9.9.9"};
  in.dnsSearch = {"."};
  in.dnsOptions = {"ndots:2"};
  EXPECT_EQ(resolvConfContent(in).content, "# managed\nnameserver 9.9.9.9\noptions ndots:2\n");
  ResolvInput onlyLocal;
  onlyLocal.hostResolvConf = "nameserver 127.0.0.53\n";
  auto empty = resolvConfContent(onlyLocal);
  EXPECT_TRUE(empty.noNameservers);
  EXPECT_EQ(empty.content, "");  // no public fallback
  onlyLocal.hostNetwork = true;
  EXPECT_EQ(resolvConfContent(onlyLocal).content, "nameserver 127.0.0.53\n");
  onlyLocal.hostNetwork = false;
  onlyLocal.sandboxServers = {"127.0.0.11"};
  EXPECT_EQ(resolvConfContent(onlyLocal).content, "nameserver 127.0.0.11\noptions ndots:0\n");
  // --dns servers are the resolver's upstreams then, and a chosen ndots stays.
  onlyLocal.dns = {"9.9.9.9"};
  onlyLocal.dnsOptions = {"ndots:3"};
  EXPECT_EQ(resolvConfContent(onlyLocal).content, "nameserver 127.0.0.11\noptions ndots:3\n");
}

TEST(ShimIoTest, DetachKeys) {
  EXPECT_EQ(*parseDetachKeys(""), std::string("\x10\x11", 2));
  EXPECT_EQ(*parseDetachKeys("ctrl-a,x"), std::string("\x01x", 2));
  EXPECT_EQ(*parseDetachKeys("ctrl-@"), std::string(1, '\0'));
  EXPECT_EQ(*parseDetachKeys("ctrl-\\"), std::string(1, '\x1c'));
  EXPECT_EQ(parseDetachKeys("ctrl-1").error().message(), "Invalid detach keys (ctrl-1) provided");
  EXPECT_FALSE(parseDetachKeys("a,,b").ok());
}

TEST(ProcTopTest, ParsesPsOutputForTheContainersPids) {
  std::string out =
      "UID          PID    PPID  C STIME TTY          TIME CMD\n"
      "root           1       0  0 09:00 ?        00:00:01 /sbin/init\n"
      "root         100       1  0 09:01 ?        00:00:00 sleep 100 --long arg\n"
      "nobody       200     100  0 09:02 pts/0    00:00:00 sh\n";
  auto r = parsePsOutput(out, {100, 200});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)["Titles"], json({"UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"}));
  ASSERT_EQ((*r)["Processes"].size(), 2U);
  EXPECT_EQ((*r)["Processes"][0][7], "sleep 100 --long arg");
  EXPECT_EQ((*r)["Processes"][1][0], "nobody");
  EXPECT_EQ(parsePsOutput("USER COMMAND\nroot x\n", {1}).error().message(),
            "Couldn't find PID field in ps output");
}

TEST(ProcTopTest, ReadsOurOwnProcess) {
  auto r = procTop("/proc", {::getpid()}, static_cast<int64_t>(::time(nullptr)) * 1000000000);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ((*r)["Processes"].size(), 1U);
  const json& row = (*r)["Processes"][0];
  EXPECT_EQ(row[1], std::to_string(::getpid()));
  EXPECT_EQ(row[2], std::to_string(::getppid()));
  EXPECT_NE(row[7].get<std::string>().find("container_test"), std::string::npos);
  EXPECT_TRUE(procTop("/proc", {999999999}, 0)->at("Processes").empty());
}

TEST(CgroupStatsTest, ReadsV1Controllers) {
  testing::TempDir tmp;
  std::string cg = tmp.sub("cg");
  testing::writeFile(cg + "/memory/berth/c1/memory.usage_in_bytes", "1048576\n");
  testing::writeFile(cg + "/memory/berth/c1/memory.max_usage_in_bytes", "2097152\n");
  testing::writeFile(cg + "/memory/berth/c1/memory.limit_in_bytes", "67108864\n");
  testing::writeFile(cg + "/memory/berth/c1/memory.stat", "cache 4096\ntotal_inactive_file 1024\n");
  testing::writeFile(cg + "/cpuacct/berth/c1/cpuacct.usage", "5000000\n");
  testing::writeFile(cg + "/cpuacct/berth/c1/cpuacct.usage_percpu", "3000000 2000000 \n");
  testing::writeFile(cg + "/cpuacct/berth/c1/cpuacct.stat", "user 2\nsystem 1\n");
  testing::writeFile(cg + "/pids/berth/c1/pids.current", "3\n");
  testing::writeFile(cg + "/pids/berth/c1/pids.max", "max\n");
  testing::writeFile(tmp.sub("proc") + "/stat", "cpu  100 0 50 1000 0 0 0 0 0 0\nbtime 1\n");
  testing::writeFile(tmp.sub("proc") + "/meminfo", "MemTotal:       1000000 kB\n");
  CgroupLocation loc{cg, "/berth/c1", tmp.sub("proc"), 2};
  json s = sampleCgroupStats(loc, int64_t{1893456000} * 1000000000);
  EXPECT_EQ(s["read"], "2030-01-01T00:00:00Z");
  EXPECT_EQ(s["memory_stats"]["usage"], 1048576);
  EXPECT_EQ(s["memory_stats"]["max_usage"], 2097152);
  EXPECT_EQ(s["memory_stats"]["limit"], 67108864);
  EXPECT_EQ(s["memory_stats"]["stats"]["total_inactive_file"], 1024);
  EXPECT_EQ(s["cpu_stats"]["cpu_usage"]["total_usage"], 5000000);
  EXPECT_EQ(s["cpu_stats"]["cpu_usage"]["percpu_usage"], json({3000000, 2000000}));
  EXPECT_EQ(s["cpu_stats"]["online_cpus"], 2);
  EXPECT_GT(s["cpu_stats"]["system_cpu_usage"].get<uint64_t>(), 0U);
  EXPECT_EQ(s["pids_stats"], json({{"current", 3}}));
  json reply = statsReply(s, nullptr, "/web", "c1");
  EXPECT_EQ(reply["name"], "/web");
  EXPECT_EQ(reply["preread"], "0001-01-01T00:00:00Z");
  EXPECT_EQ(reply["precpu_stats"]["cpu_usage"]["total_usage"], 0);
  json second = statsReply(s, &s, "/web", "c1");
  EXPECT_EQ(second["precpu_stats"], s["cpu_stats"]);
  // Without a limit the host's memory is shown, as dockerd does.
  testing::writeFile(cg + "/memory/berth/c1/memory.limit_in_bytes", "9223372036854771712\n");
  EXPECT_EQ(sampleCgroupStats(loc, 0)["memory_stats"]["limit"], 1024000000);
}

TEST(RuntimeSpecTest, EnvironmentAndExecProcess) {
  EXPECT_EQ(containerEnv("h", true, {"PATH=/bin", "A=1"}),
            std::vector<std::string>({"PATH=/bin", "HOSTNAME=h", "TERM=xterm", "A=1"}));
  testing::TempDir tmp;
  ContainerRecord rec;
  rec.id = std::string(64, 'e');
  RunSettings run;
  run.command = {"sleep", "1"};
  run.env = {"A=1"};
  run.hostname = "h";
  run.workingDir = "/srv";
  auto p = execProcessJson(rec, run, ExecProcess{{"ls", "-l"}, {"A=2", "B=3"}, "", "", true, false},
                           SpecPaths{tmp.path(), tmp.path(), "/berth"});
  ASSERT_TRUE(p.ok()) << p.error().message();
  EXPECT_EQ((*p)["args"], json({"ls", "-l"}));
  EXPECT_EQ((*p)["cwd"], "/srv");
  EXPECT_EQ((*p)["terminal"], true);
  auto env = (*p)["env"].get<std::vector<std::string>>();
  EXPECT_NE(std::find(env.begin(), env.end(), "A=2"), env.end());
  EXPECT_NE(std::find(env.begin(), env.end(), "B=3"), env.end());
  EXPECT_FALSE(
      execProcessJson(rec, run, ExecProcess{{}, {}, "", "", false, false}, SpecPaths{}).ok());
  EXPECT_FALSE(execProcessJson(rec, run, ExecProcess{{"ls"}, {}, "", "rel", false, false},
                               SpecPaths{tmp.path(), tmp.path(), ""})
                   .ok());
}

TEST(PidfdWatcherTest, ReportsTheExitOfAProcess) {
  auto w = PidfdWatcher::create();
  ASSERT_TRUE(w.ok());
  pid_t child = ::fork();
  if (child == 0) {
    ::usleep(100000);
    ::_exit(0);
  }
  std::mutex mu;
  std::condition_variable cv;
  bool exited = false;
  auto handle = (*w)->watch(child, [&] {
    std::lock_guard<std::mutex> lock(mu);
    exited = true;
    cv.notify_all();
  });
  ASSERT_TRUE(handle.ok());
  {
    std::unique_lock<std::mutex> lock(mu);
    EXPECT_TRUE(cv.wait_for(lock, std::chrono::seconds(5), [&] { return exited; }));
  }
  ::waitpid(child, nullptr, 0);
  // A pid that is gone already is reported too; an unwatched one is not.
  bool gone = false;
  auto h2 = (*w)->watch(child, [&] {
    std::lock_guard<std::mutex> lock(mu);
    gone = true;
    cv.notify_all();
  });
  ASSERT_TRUE(h2.ok());
  std::unique_lock<std::mutex> lock(mu);
  EXPECT_TRUE(cv.wait_for(lock, std::chrono::seconds(5), [&] { return gone; }));
  EXPECT_FALSE((*w)->isShimAlive(child, "x"));
  EXPECT_FALSE((*w)->isShimAlive(::getpid(), "x"));  // alive, but not a berth-shim
}

TEST(PidfdWatcherTest, UnwatchedProcessesAreNotReported) {
  auto w = PidfdWatcher::create();
  ASSERT_TRUE(w.ok());
  pid_t child = ::fork();
  if (child == 0) {
    ::usleep(200000);
    ::_exit(0);
  }
  std::atomic<bool> called{false};
  {
    auto h = (*w)->watch(child, [&] { called = true; });
    ASSERT_TRUE(h.ok());
  }
  ::waitpid(child, nullptr, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(called.load());
}

TEST(ThreadSchedulerTest, RunsTasksInDeadlineOrder) {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<int> order;
  {
    ThreadScheduler s;
    auto push = [&](int v) {
      std::lock_guard<std::mutex> lock(mu);
      order.push_back(v);
      cv.notify_all();
    };
    s.postAfter(std::chrono::milliseconds(80), [&] { push(3); });
    s.postAfter(std::chrono::milliseconds(20), [&] { push(2); });
    s.post([&] { push(1); });
    std::unique_lock<std::mutex> lock(mu);
    EXPECT_TRUE(cv.wait_for(lock, std::chrono::seconds(5), [&] { return order.size() == 3; }));
    s.postAfter(std::chrono::hours(1), [&] { order.push_back(99); });  // dropped at destruction
  }
  EXPECT_EQ(order, std::vector<int>({1, 2, 3}));
}

}  // namespace
}  // namespace berth::container
