// The container service over the real parts — overlayfs, runc, berth-shim,
// a --network none namespace — in a throwaway mount namespace: the test
// re-execs itself under `unshare -m --propagation private`, and everything it
// makes lives under a temporary directory. Skips (77) without root or runc.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cstdlib>
#include <thread>

#include "container/container_service.h"
#include "container/netns_sandbox.h"
#include "container/pidfd_watcher.h"
#include "container/thread_scheduler.h"
#include "fakes.h"
#include "image/image_service.h"
#include "runtime/command.h"
#include "runtime/exec_shim_launcher.h"
#include "runtime/overlay_rootfs.h"
#include "runtime/runc_runtime.h"

namespace berth::container {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

const char* const kRunc = "/usr/sbin/runc";

// The test's own cgroup parent, removed (empty) when the tests are done.
std::string cgroupParent() { return "/berth-e2e-" + std::to_string(::getpid()); }

// Collects what a session writes to its client.
class CaptureStream : public ClientStream {
 public:
  Result<size_t> read(char*, size_t) override { return size_t{0}; }
  Status write(std::string_view d) override {
    std::lock_guard<std::mutex> lock(mu);
    data.append(d);
    return okStatus();
  }
  void closeWrite() override {}
  std::string text() {
    std::lock_guard<std::mutex> lock(mu);
    return data;
  }
  std::mutex mu;
  std::string data;
};

// Payloads of stdcopy frames, concatenated.
std::string unframe(const std::string& s) {
  std::string out;
  size_t i = 0;
  while (i + 8 <= s.size()) {
    uint32_t n = (uint8_t(s[i + 4]) << 24) | (uint8_t(s[i + 5]) << 16) | (uint8_t(s[i + 6]) << 8) |
                 uint8_t(s[i + 7]);
    out += s.substr(i + 8, n);
    i += 8 + n;
  }
  return out;
}

class E2ETest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto st = store::SqliteStore::open(tmp.sub("berth.db"));
    ASSERT_TRUE(st.ok());
    db = std::move(st).value();
    images = std::make_unique<image::ImageService>(*db, tmp.sub("data/image"), nullptr);
    ASSERT_TRUE(images->init().ok());
    importBusybox();
    rootfs = std::make_unique<OverlayRootfsManager>(tmp.sub("data"));
    runtime = std::make_unique<RuncRuntime>(kRunc, tmp.sub("exec/runc"));
    shims = std::make_unique<ExecShimLauncher>(BERTH_SHIM_PATH, kRunc, tmp.sub("exec/runc"));
    sandboxes = std::make_unique<NetnsSandboxProvider>(tmp.sub("exec"));
    auto w = PidfdWatcher::create();
    ASSERT_TRUE(w.ok());
    watcher = std::move(w).value();
    scheduler = std::make_unique<ThreadScheduler>();
    makeService();
  }
  void TearDown() override {
    if (svc) {
      ListOptions all;
      all.all = true;
      auto list = svc->list(all);
      if (list.ok()) {
        for (const auto& c : *list) {
          (void)svc->remove(c["Id"].get<std::string>(), RemoveOptions{true, true, false});
        }
      }
    }
    svc.reset();
  }

  void makeService() {
    svc.reset();
    ServiceOptions o;
    o.dataRoot = tmp.sub("data");
    o.execRoot = tmp.sub("exec");
    o.cgroupParent = cgroupParent();
    svc = std::make_unique<ContainerService>(
        ServiceDeps{*db, bus, *images, *rootfs, *runtime, *shims, *sandboxes, *watcher, *scheduler},
        o);
  }

  void importBusybox() {
    std::string dir = tmp.sub("bb");
    fs::create_directories(dir + "/bin");
    fs::create_directories(dir + "/etc");
    fs::create_directories(dir + "/tmp");
    fs::copy_file("/bin/busybox", dir + "/bin/busybox");
    for (const char* app :
         {"sh", "echo", "sleep", "cat", "touch", "hostname", "ls", "true", "false", "id"}) {
      fs::create_symlink("busybox", dir + "/bin/" + app);
    }
    testing::writeFile(dir + "/etc/passwd",
                       "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/:/bin/false\n");
    testing::writeFile(dir + "/etc/group", "root:x:0:\nnogroup:x:65534:\n");
    auto tar = runCommand({"tar", "-C", dir, "-cf", "-", "."});
    ASSERT_TRUE(tar.ok() && tar->exitCode == 0);
    image::ImportRequest req;
    req.changes = {"ENV PATH=/bin", "CMD [\"sh\"]"};
    req.repo = "busybox:latest";
    auto id = images->importImage(tar->out, req);
    ASSERT_TRUE(id.ok()) << id.error().message();
  }

  std::string run(const json& cmd, const json& extra = json::object()) {
    json b = {{"Image", "busybox"}, {"Cmd", cmd}};
    b.update(extra);
    auto c = svc->create(CreateRequest{"", b});
    EXPECT_TRUE(c.ok()) << c.error().message();
    auto s = svc->start(c->id);
    EXPECT_TRUE(s.ok()) << s.error().message();
    return c->id;
  }

  int waitExit(const std::string& id) {
    auto w = svc->wait(id, WaitCondition::kNotRunning);
    EXPECT_TRUE(w.ok());
    return (*w)->get().statusCode;
  }

  std::string logsOf(const std::string& id) {
    LogsOptions lo;
    lo.showStdout = true;
    lo.showStderr = true;
    auto plan = svc->logs(id, lo);
    EXPECT_TRUE(plan.ok()) << plan.error().message();
    std::string out;
    EXPECT_TRUE(svc->streamLogs(*plan,
                                [&](std::string_view b) {
                                  out.append(b);
                                  return true;
                                })
                    .ok());
    return unframe(out);
  }

  testing::TempDir tmp;
  std::unique_ptr<store::Store> db;
  events::EventBus bus;
  std::unique_ptr<image::ImageService> images;
  std::unique_ptr<OverlayRootfsManager> rootfs;
  std::unique_ptr<RuncRuntime> runtime;
  std::unique_ptr<ExecShimLauncher> shims;
  std::unique_ptr<NetnsSandboxProvider> sandboxes;
  std::unique_ptr<PidfdWatcher> watcher;
  std::unique_ptr<ThreadScheduler> scheduler;
  std::unique_ptr<ContainerService> svc;
};

TEST_F(E2ETest, EchoHiAndLogs) {
  std::string id = run({"sh", "-c", "echo hi; echo err >&2; exit 3"});
  EXPECT_EQ(waitExit(id), 3);
  EXPECT_EQ(logsOf(id), "hi\nerr\n");
  auto rec = svc->find(id);
  EXPECT_EQ(rec->state.statusString(), "exited");
  EXPECT_FALSE(fs::exists(tmp.sub("exec/netns/") + id));
}

TEST_F(E2ETest, LocalDriverAndFollow) {
  std::string id =
      run({"sh", "-c", "echo a; sleep 1; echo b >&2"},
          {{"HostConfig", {{"LogConfig", {{"Type", "local"}, {"Config", json::object()}}}}}});
  LogsOptions lo;
  lo.showStdout = lo.showStderr = lo.follow = true;
  auto plan = svc->logs(id, lo);
  ASSERT_TRUE(plan.ok()) << plan.error().message();
  std::string out;
  ASSERT_TRUE(svc->streamLogs(*plan,
                              [&](std::string_view b) {
                                out.append(b);
                                return true;
                              })
                  .ok());
  // Follow ended by itself once the container exited, with both lines.
  EXPECT_EQ(unframe(out), "a\nb\n");
  EXPECT_EQ(out[0], 1);      // stdout frame
  EXPECT_EQ(out[8 + 2], 2);  // then a stderr frame
  EXPECT_EQ(waitExit(id), 0);
}

TEST_F(E2ETest, NetworkNoneHasOnlyLoopbackAndTheEtcFiles) {
  std::string id = run({"sh", "-c", "cat /etc/hostname; ls /sys/class/net; cat /etc/hosts"});
  EXPECT_EQ(waitExit(id), 0);
  std::string out = logsOf(id);
  EXPECT_EQ(out.substr(0, 13), id.substr(0, 12) + "\n");
  EXPECT_NE(out.find("lo\n"), std::string::npos);
  EXPECT_EQ(out.find("eth0"), std::string::npos);
  EXPECT_NE(out.find("127.0.0.1\tlocalhost"), std::string::npos);
}

TEST_F(E2ETest, AttachBeforeStartSeesTheFirstOutput) {
  auto c = svc->create(
      CreateRequest{"", {{"Image", "busybox"}, {"Cmd", {"echo", "hi"}}, {"AttachStdout", true}}});
  ASSERT_TRUE(c.ok());
  AttachOptions ao;
  ao.stream = ao.attachStdout = ao.attachStderr = true;
  auto session = svc->attach(c->id, ao);
  ASSERT_TRUE(session.ok());
  auto out = std::make_shared<CaptureStream>();
  std::thread t([&] { (*session)->run(out); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto started = svc->start(c->id);
  EXPECT_TRUE(started.ok()) << started.error().message();
  if (started.ok()) {
    EXPECT_EQ(waitExit(c->id), 0);
  }
  t.join();
  EXPECT_EQ(unframe(out->text()), "hi\n");
}

TEST_F(E2ETest, ExecStopAndLiveRestore) {
  std::string id = run({"sleep", "1000"});
  auto e = svc->execCreate(id, {{"Cmd", {"sh", "-c", "hostname; exit 4"}}, {"AttachStdout", true}});
  ASSERT_TRUE(e.ok()) << e.error().message();
  auto session = svc->execStart(*e, {});
  ASSERT_TRUE(session.ok()) << session.error().message();
  auto out = std::make_shared<CaptureStream>();
  (*session)->run(out);
  EXPECT_EQ(unframe(out->text()), id.substr(0, 12) + "\n");
  EXPECT_EQ((*svc->execInspect(*e))["ExitCode"], 4);

  auto top = svc->top(id, "");
  ASSERT_TRUE(top.ok()) << top.error().message();
  EXPECT_EQ((*top)["Processes"].size(), 1U);

  // berthd goes away and comes back: the container runs on and is re-adopted.
  makeService();
  ASSERT_TRUE(svc->restore().ok());
  EXPECT_EQ(svc->find(id)->state.statusString(), "running");
  StopOptions so;
  so.timeout = 1;
  auto stopped = svc->stop(id, so);
  ASSERT_TRUE(stopped.ok()) << stopped.error().message();
  EXPECT_EQ(svc->find(id)->state.exitCode, 137);  // sleep as pid 1 ignores SIGTERM
  ASSERT_TRUE(svc->remove(id, {}).ok());
  EXPECT_FALSE(fs::exists(tmp.sub("data/overlay/") + id + "/merged/bin"));
}

TEST_F(E2ETest, StatsAndCopy) {
  std::string id = run({"sleep", "1000"});
  auto stats = svc->statsOnce(id, true);
  ASSERT_TRUE(stats.ok());
  EXPECT_GT((*stats)["memory_stats"]["usage"].get<uint64_t>(), 0U);
  EXPECT_GE((*stats)["pids_stats"]["current"].get<int>(), 1);
  // cp into the running container, then out of it once stopped (the rootfs is mounted for the
  // copy).
  std::string tar = runCommand({"tar", "-C", "/bin", "-cf", "-", "busybox"})->out;
  ASSERT_TRUE(svc->extractToDir(id, "/tmp", tar, {}).ok());
  StopOptions now;
  now.timeout = 0;
  ASSERT_TRUE(svc->stop(id, now).ok());
  auto st = svc->statPath(id, "/tmp/busybox");
  ASSERT_TRUE(st.ok()) << st.error().message();
  EXPECT_EQ(st->size, static_cast<int64_t>(fs::file_size("/bin/busybox")));
  std::string out;
  ASSERT_TRUE(svc->archivePath(id, "/etc/passwd",
                               [&](std::string_view b) {
                                 out.append(b);
                                 return true;
                               })
                  .ok());
  EXPECT_NE(out.find("root:x:0:0"), std::string::npos);
  EXPECT_EQ(svc->statPath(id, "/nope").error().message(),
            "Could not find the file /nope in container " + svc->find(id)->shortName());
  EXPECT_FALSE(fs::exists(tmp.sub("data/overlay/") + id + "/merged/bin"));  // unmounted again
}

TEST_F(E2ETest, RunRmLeavesNothing) {
  std::string id = run({"true"}, {{"HostConfig", {{"AutoRemove", true}}}});
  auto w = svc->wait(id, WaitCondition::kRemoved);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ((*w)->get().statusCode, 0);
  EXPECT_FALSE(svc->find(id).ok());
  EXPECT_FALSE(fs::exists(tmp.sub("data/containers/") + id));
  EXPECT_FALSE(fs::exists(tmp.sub("exec/containers/") + id));
  EXPECT_FALSE(fs::exists("/sys/fs/cgroup/memory" + cgroupParent() + "/" + id));
}

}  // namespace
}  // namespace berth::container

int main(int argc, char** argv) {
  if (::geteuid() != 0 || ::access(berth::container::kRunc, X_OK) != 0 ||
      ::access(BERTH_SHIM_PATH, X_OK) != 0) {
    (void)std::fprintf(stderr, "skipped: needs root, %s and berth-shim\n", berth::container::kRunc);
    return 77;
  }
  // Single-threaded here, before any test starts: getenv/setenv are safe.
  if (std::getenv("BERTH_E2E_INNER") == nullptr) {  // NOLINT(concurrency-mt-unsafe)
    // Into a private mount namespace, so that no mount is ever seen by the host.
    ::setenv("BERTH_E2E_INNER", "1", 1);  // NOLINT(concurrency-mt-unsafe)
    char self[4096] = {};
    if (::readlink("/proc/self/exe", self, sizeof(self) - 1) < 0) {
      std::perror("readlink /proc/self/exe");
      return 1;
    }
    std::vector<char*> args = {const_cast<char*>("unshare"), const_cast<char*>("-m"),
                               const_cast<char*>("--propagation"), const_cast<char*>("private"),
                               self};
    for (int i = 1; i < argc; ++i) {
      args.push_back(argv[i]);
    }
    args.push_back(nullptr);
    ::execvp("unshare", args.data());
    std::perror("exec unshare");
    return 1;
  }
  ::testing::InitGoogleTest(&argc, argv);
  int rc = RUN_ALL_TESTS();
  std::error_code ec;
  // The cgroups the tests' containers lived in, deepest first (a container
  // cgroup left by a failed test would keep its parent otherwise).
  for (const auto& ctrl : std::filesystem::directory_iterator("/sys/fs/cgroup", ec)) {
    std::string parent = ctrl.path().string() + berth::container::cgroupParent();
    std::vector<std::string> dirs;
    for (const auto& e : std::filesystem::recursive_directory_iterator(parent, ec)) {
      if (e.is_directory(ec)) {
        dirs.push_back(e.path().string());
      }
    }
    for (auto it = dirs.rbegin(); it != dirs.rend(); ++it) {
      ::rmdir(it->c_str());
    }
    ::rmdir(parent.c_str());
  }
  return rc;
}
