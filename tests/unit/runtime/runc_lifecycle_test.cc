// RuncRuntime against the real runc: a busybox container on an overlay root
// filesystem, in a network namespace file, started with `runc run -d` (the
// shim's job in berthd), then driven through the class and torn down, with
// nothing left behind: no container, cgroup, mount or namespace.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "common/ids.h"
#include "common/strings.h"
#include "kernel/netns_file.h"
#include "runtime/oci_spec.h"
#include "runtime/overlay_rootfs.h"
#include "runtime/runc_runtime.h"
#include "../../lib/private_mount_ns.h"
#include "test_support.h"

namespace berth {
namespace {

using testsupport::mountsUnder;
using testsupport::readFileOrEmpty;
using testsupport::TempDir;
using testsupport::writeFile;

constexpr const char* kRunc = "/usr/sbin/runc";
constexpr const char* kBusybox = "/bin/busybox";

std::vector<std::string> cgroupDirsNamed(const std::string& name) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/sys/fs/cgroup", ec)) {
    std::string dir = entry.path().string() + "/" + name;
    if (::access(dir.c_str(), F_OK) == 0) {
      out.push_back(dir);
    }
  }
  return out;
}

// Processes whose network namespace is `nsLink` ("net:[N]").
int processesInNetns(const std::string& nsLink) {
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) {
      continue;
    }
    char buf[64];
    ssize_t n = ::readlink(("/proc/" + name + "/ns/net").c_str(), buf, sizeof(buf) - 1);
    if (n > 0 && std::string(buf, static_cast<size_t>(n)) == nsLink) {
      ++count;
    }
  }
  return count;
}

bool waitFor(const std::function<bool()>& cond,
             std::chrono::seconds limit = std::chrono::seconds(15)) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (cond()) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return cond();
}

class RuncLifecycleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::access(kRunc, X_OK) != 0) {
      GTEST_SKIP() << "runc is not installed";
    }
    std::string why;
    ASSERT_EQ(::geteuid(), 0U) << "the runc tests need root";
    ASSERT_TRUE(testlib::inPrivateMountNamespace(&why)) << why;
    ASSERT_EQ(::access(kBusybox, X_OK), 0) << "busybox-static is missing";

    id_ = "berth-test-" + generateId().substr(0, 12);
    runcRoot_ = tmp_ / "runc";
    runc_ = std::make_unique<RuncRuntime>(kRunc, runcRoot_);
    rootfs_ = std::make_unique<OverlayRootfsManager>(tmp_ / "data");
    base_ = tmp_ / "image/layers/base/diff";
    top_ = tmp_ / "image/layers/top/diff";
    ASSERT_TRUE(makeDirsOk(base_ + "/bin"));
    std::filesystem::copy_file(kBusybox, base_ + "/bin/busybox");
    ::chmod((base_ + "/bin/busybox").c_str(), 0755);
    for (const char* tool :
         {"sh", "sleep", "id", "cat", "grep", "touch", "echo", "tr", "ls", "hostname", "mount"}) {
      ASSERT_EQ(::symlink("busybox", (base_ + "/bin/" + tool).c_str()), 0);
    }
    writeFile(base_ + "/etc/passwd",
              "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n");
    writeFile(base_ + "/etc/group", "root:x:0:\nwheel:x:10:root\napp:x:1000:\nextra:x:2000:app\n");
    writeFile(top_ + "/etc/motd", "from the top layer\n");
    out_ = tmp_ / "out";
    ASSERT_TRUE(makeDirsOk(out_));
    ::chmod(out_.c_str(), 0777);

    auto merged = rootfs_->mount(id_, {base_, top_});
    ASSERT_TRUE(merged.ok()) << merged.error().message();
    merged_ = *merged;
    netns_ = tmp_ / "netns";
    ASSERT_TRUE(createNetnsFile(netns_).ok());
    struct stat st {};
    ASSERT_EQ(::stat(netns_.c_str(), &st), 0);
    netnsLink_ = "net:[" + std::to_string(st.st_ino) + "]";
  }

  void TearDown() override {
    if (!runc_) {
      return;
    }
    (void)runCommand(runtimeCommand(kRunc, runcRoot_, {"delete", "--force", id_}));
    if (!netns_.empty()) {
      EXPECT_TRUE(removeNetnsFile(netns_).ok());
    }
    EXPECT_TRUE(rootfs_->remove(id_).ok());
    EXPECT_TRUE(cgroupDirsNamed(id_).empty()) << join(cgroupDirsNamed(id_), ", ");
    EXPECT_TRUE(mountsUnder(tmp_.path()).empty()) << join(mountsUnder(tmp_.path()), "\n");
    if (!netnsLink_.empty()) {
      EXPECT_TRUE(waitFor([&] { return processesInNetns(netnsLink_) == 0; }))
          << "the netns is still in use";
    }
  }

  static bool makeDirsOk(const std::string& dir) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    return !ec;
  }

  ContainerRuntimeSpec baseSpec(const std::string& script) {
    ContainerRuntimeSpec s;
    s.args = {"/bin/sh", "-c", script};
    s.env = {"PATH=/bin"};
    s.rootfs = merged_;
    s.hostname = "berthbox";
    s.netnsPath = netns_;
    s.cgroupsPath = "/" + id_;
    s.binds = {{out_, "/out"}};
    return s;
  }

  // Writes config.json and runs `runc run -d`, as berth-shim will.
  void run(const ContainerRuntimeSpec& s) {
    auto spec = buildOciSpec(s);
    ASSERT_TRUE(spec.ok()) << spec.error().message();
    std::string bundle = tmp_ / "bundle";
    writeFile(bundle + "/config.json", spec->dump(2));
    auto out = runCommand(runtimeCommand(kRunc, runcRoot_, {"run", "-d", "--bundle", bundle, id_}));
    ASSERT_TRUE(out.ok()) << out.error().message();
    ASSERT_EQ(out->exitCode, 0) << runtimeErrorMessage(out->err);
    ASSERT_TRUE(waitFor([&] { return ::access((out_ + "/ready").c_str(), F_OK) == 0; }))
        << "the container never got ready";
  }

  std::string status() {
    auto st = runc_->state(id_);
    return st.ok() ? st->value("status", "") : "error: " + st.error().message();
  }

  TempDir tmp_;
  std::string id_;
  std::string base_;
  std::string top_;
  std::string out_;
  std::string merged_;
  std::string netns_;
  std::string netnsLink_;
  std::string runcRoot_;
  std::unique_ptr<OverlayRootfsManager> rootfs_;
  std::unique_ptr<RuncRuntime> runc_;
};

TEST_F(RuncLifecycleTest, DefaultContainerThroughItsLife) {
  run(
      baseSpec("id > /out/id; grep -E '^Cap(Eff|Bnd)' /proc/self/status > /out/caps; cat /etc/motd "
               "> /out/motd;"
               "hostname > /out/hostname; ls /sys/class/net > /out/links; cat "
               "/sys/class/net/lo/flags > /out/lo;"
               "echo ready > /out/ready; exec sleep 1000"));
  EXPECT_EQ(readFileOrEmpty(out_ + "/id"), "uid=0(root) gid=0(root) groups=10(wheel)\n");
  EXPECT_EQ(readFileOrEmpty(out_ + "/caps"),
            "CapEff:\t00000000a80425fb\nCapBnd:\t00000000a80425fb\n");
  EXPECT_EQ(readFileOrEmpty(out_ + "/motd"), "from the top layer\n");
  EXPECT_EQ(readFileOrEmpty(out_ + "/hostname"), "berthbox\n");
  EXPECT_EQ(readFileOrEmpty(out_ + "/links"), "lo\n");  // its own network namespace
  EXPECT_EQ(readFileOrEmpty(out_ + "/lo"), "0x9\n");    // IFF_UP | IFF_LOOPBACK
  EXPECT_EQ(processesInNetns(netnsLink_), 1);
  EXPECT_FALSE(cgroupDirsNamed(id_).empty());

  auto state = runc_->state(id_);
  ASSERT_TRUE(state.ok()) << state.error().message();
  EXPECT_EQ((*state)["status"], "running");
  int initPid = (*state)["pid"].get<int>();
  auto pids = runc_->pids(id_);
  ASSERT_TRUE(pids.ok()) << pids.error().message();
  EXPECT_EQ(*pids, std::vector<int>{initPid});

  auto stats = runc_->stats(id_);
  ASSERT_TRUE(stats.ok()) << stats.error().message();
  EXPECT_TRUE(stats->contains("memory")) << stats->dump();
  EXPECT_EQ((*stats)["pids"]["current"], 1) << stats->dump();

  ASSERT_TRUE(runc_->pause(id_).ok());
  EXPECT_EQ(status(), "paused");
  ASSERT_TRUE(runc_->resume(id_).ok());
  EXPECT_EQ(status(), "running");
  auto notPaused = runc_->resume(id_);
  ASSERT_FALSE(notPaused.ok());
  EXPECT_EQ(notPaused.error().kind(), ErrorKind::kConflict) << notPaused.error().message();

  auto busy = runc_->remove(id_, false);
  ASSERT_FALSE(busy.ok());
  EXPECT_EQ(busy.error().kind(), ErrorKind::kConflict) << busy.error().message();

  ASSERT_TRUE(runc_->kill(id_, SIGKILL, false).ok());
  ASSERT_TRUE(waitFor([&] { return status() == "stopped"; })) << status();
  auto again = runc_->kill(id_, SIGKILL, false);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().kind(), ErrorKind::kConflict) << again.error().message();

  ASSERT_TRUE(runc_->remove(id_, false).ok());
  EXPECT_EQ(runc_->state(id_).error().kind(), ErrorKind::kNotFound);
  EXPECT_TRUE(cgroupDirsNamed(id_).empty()) << join(cgroupDirsNamed(id_), ", ");
}

TEST_F(RuncLifecycleTest, UserLimitsInitReadOnlyAndTmpfs) {
  auto init = findInitBinary();
  if (!init.ok()) {
    GTEST_SKIP() << init.error().message();
  }
  ContainerRuntimeSpec s = baseSpec(
      "id > /out/id; tr '\\0' ' ' < /proc/1/cmdline > /out/init; touch /rootfile 2> /out/ro-err;"
      "touch /tmp/ok && echo tmpok > /out/tmp; grep -E ' /tmp | /dev/shm ' /proc/mounts > "
      "/out/mounts;"
      "grep CapEff /proc/self/status > /out/caps; echo ready > /out/ready; exec sleep 1000");
  s.user = UserSpec{"app", ""};
  s.init = true;
  s.readOnlyRootfs = true;
  TmpfsOptions tmpOpts;
  tmpOpts.sizeBytes = 8LL << 20;
  s.tmpfs = {{"/tmp", tmpOpts}};
  s.resources.memoryBytes = 64LL << 20;
  s.resources.nanoCpus = 500'000'000;
  s.resources.pidsLimit = 50;
  s.resources.shmSizeBytes = 16LL << 20;
  run(s);

  EXPECT_EQ(readFileOrEmpty(out_ + "/id"), "uid=1000(app) gid=1000(app) groups=2000(extra)\n");
  EXPECT_EQ(readFileOrEmpty(out_ + "/init").rfind("/sbin/docker-init -- /bin/sh -c ", 0), 0U)
      << readFileOrEmpty(out_ + "/init");
  EXPECT_NE(readFileOrEmpty(out_ + "/ro-err").find("Read-only file system"), std::string::npos)
      << readFileOrEmpty(out_ + "/ro-err");
  EXPECT_EQ(readFileOrEmpty(out_ + "/tmp"), "tmpok\n");
  std::string mounts = readFileOrEmpty(out_ + "/mounts");
  EXPECT_NE(mounts.find("tmpfs /tmp tmpfs rw,nosuid,nodev,noexec,relatime,size=8192k"),
            std::string::npos)
      << mounts;
  EXPECT_NE(mounts.find("/dev/shm tmpfs rw,nosuid,nodev,noexec,relatime,size=16384k"),
            std::string::npos)
      << mounts;
  EXPECT_EQ(readFileOrEmpty(out_ + "/caps"),
            "CapEff:\t0000000000000000\n");  // a non-root user, as in docker

  auto cg = [&](const std::string& file) {
    return std::string(trim(readFileOrEmpty("/sys/fs/cgroup/" + file)));
  };
  EXPECT_EQ(cg("memory/" + id_ + "/memory.limit_in_bytes"), std::to_string(64LL << 20));
  EXPECT_EQ(cg("cpu/" + id_ + "/cpu.cfs_quota_us"), "50000");
  EXPECT_EQ(cg("cpu/" + id_ + "/cpu.cfs_period_us"), "100000");
  EXPECT_EQ(cg("pids/" + id_ + "/pids.max"), "50");

  auto pids = runc_->pids(id_);
  ASSERT_TRUE(pids.ok()) << pids.error().message();
  EXPECT_EQ(pids->size(), 2U);  // tini and the shell it runs

  // Delete a running container: --force kills it first.
  ASSERT_TRUE(runc_->remove(id_, true).ok());
  EXPECT_EQ(runc_->state(id_).error().kind(), ErrorKind::kNotFound);
  EXPECT_TRUE(cgroupDirsNamed(id_).empty()) << join(cgroupDirsNamed(id_), ", ");
}

TEST_F(RuncLifecycleTest, KillAllReachesEveryProcess) {
  run(baseSpec("sleep 1000 & sleep 1000 & echo ready > /out/ready; wait"));
  auto pids = runc_->pids(id_);
  ASSERT_TRUE(pids.ok());
  EXPECT_EQ(pids->size(), 3U);
  ASSERT_TRUE(runc_->kill(id_, SIGKILL, true).ok());
  ASSERT_TRUE(waitFor([&] { return status() == "stopped"; })) << status();
  for (int pid : *pids) {
    EXPECT_TRUE(waitFor([&] { return ::kill(pid, 0) != 0; })) << pid;
  }
  ASSERT_TRUE(runc_->remove(id_, false).ok());
}

}  // namespace
}  // namespace berth
