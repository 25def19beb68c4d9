#include "runtime/oci_spec.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "runtime/capabilities.h"
#include "test_support.h"

namespace berth {
namespace {

using nlohmann::json;
using testsupport::TempDir;
using testsupport::writeFile;

class OciSpecTest : public ::testing::Test {
 protected:
  void SetUp() override {
    writeFile(rootfs_ / "etc/passwd",
              "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n");
    writeFile(rootfs_ / "etc/group", "root:x:0:\nwheel:x:10:root\napp:x:1000:\n");
    spec_.args = {"/bin/sh", "-c", "echo hi"};
    spec_.env = {"PATH=/usr/bin:/bin", "HOSTNAME=abc"};
    spec_.rootfs = rootfs_.path();
    spec_.hostname = "abc";
    spec_.netnsPath = "/run/berth/netns/abc";
    spec_.cgroupsPath = "/berth/abc";
  }

  json build() {
    auto r = buildOciSpec(spec_);
    EXPECT_TRUE(r.ok()) << r.error().message();
    return r.ok() ? *r : json();
  }

  static std::vector<std::string> caps(const json& spec, const char* set = "effective") {
    return spec["process"]["capabilities"][set].get<std::vector<std::string>>();
  }
  static const json* findMount(const json& spec, const std::string& dest) {
    for (const auto& m : spec["mounts"]) {
      if (m["destination"] == dest) {
        return &m;
      }
    }
    return nullptr;
  }
  static std::vector<std::string> options(const json& m) {
    return m["options"].get<std::vector<std::string>>();
  }
  static bool has(const std::vector<std::string>& list, const std::string& v) {
    return std::find(list.begin(), list.end(), v) != list.end();
  }

  TempDir rootfs_;
  ContainerRuntimeSpec spec_;
};

TEST_F(OciSpecTest, DockerDefaults) {
  json s = build();
  EXPECT_EQ(s["ociVersion"], "1.0.2");
  EXPECT_EQ(s["hostname"], "abc");
  EXPECT_EQ(s["root"]["path"], rootfs_.path());
  EXPECT_EQ(s["root"]["readonly"], false);

  const json& p = s["process"];
  EXPECT_EQ(p["args"], json({"/bin/sh", "-c", "echo hi"}));
  EXPECT_EQ(p["env"][1], "HOSTNAME=abc");
  EXPECT_EQ(p["cwd"], "/");
  EXPECT_EQ(p["terminal"], false);
  EXPECT_EQ(p["noNewPrivileges"], false);
  EXPECT_EQ(p["user"]["uid"], 0);
  EXPECT_EQ(p["user"]["gid"], 0);
  EXPECT_EQ(p["user"]["additionalGids"], json({10}));
  uint64_t noFile = defaultNoFileLimit();
  EXPECT_GT(noFile, 0U);
  EXPECT_LE(noFile, 1048576U);
  EXPECT_EQ(p["rlimits"],
            json::array({{{"type", "RLIMIT_NOFILE"}, {"hard", noFile}, {"soft", noFile}}}));
  // docker's well-known default CapEff.
  EXPECT_EQ(capabilityMask(caps(s)), 0xa80425fbULL);
  EXPECT_EQ(caps(s, "bounding"), caps(s));
  EXPECT_EQ(caps(s, "permitted"), caps(s));
  EXPECT_FALSE(p["capabilities"].contains("inheritable"));

  std::vector<std::string> dests;
  for (const auto& m : s["mounts"]) {
    dests.push_back(m["destination"]);
  }
  EXPECT_EQ(dests, (std::vector<std::string>{"/proc", "/dev", "/dev/pts", "/sys", "/sys/fs/cgroup",
                                             "/dev/mqueue", "/dev/shm"}));
  EXPECT_TRUE(has(options(*findMount(s, "/sys")), "ro"));
  EXPECT_TRUE(has(options(*findMount(s, "/sys/fs/cgroup")), "ro"));
  EXPECT_TRUE(has(options(*findMount(s, "/dev/shm")), "size=67108864"));

  const json& l = s["linux"];
  EXPECT_EQ(l["cgroupsPath"], "/berth/abc");
  EXPECT_EQ(l["namespaces"],
            json::parse(R"([{"type":"pid"},{"type":"ipc"},{"type":"uts"},{"type":"mount"},
                                               {"type":"network","path":"/run/berth/netns/abc"}])"));
  const json& devices = l["resources"]["devices"];
  ASSERT_EQ(devices.size(), 8U);
  EXPECT_EQ(devices[0], json::parse(R"({"allow":false,"access":"rwm"})"));
  EXPECT_EQ(devices[2],
            json::parse(R"({"allow":true,"type":"c","major":1,"minor":3,"access":"rwm"})"));
  EXPECT_EQ(devices[7]["allow"], false);
  EXPECT_FALSE(l["resources"].contains("memory"));
  EXPECT_FALSE(l["resources"].contains("cpu"));
  EXPECT_FALSE(l["resources"].contains("pids"));
  EXPECT_TRUE(has(l["maskedPaths"].get<std::vector<std::string>>(), "/proc/kcore"));
  EXPECT_TRUE(has(l["readonlyPaths"].get<std::vector<std::string>>(), "/proc/sysrq-trigger"));
  EXPECT_EQ(l["seccomp"]["defaultAction"], "SCMP_ACT_ERRNO");
  EXPECT_FALSE(l.contains("devices"));
}

TEST_F(OciSpecTest, CapAddAndDrop) {
  spec_.capAdd = {"CAP_NET_ADMIN", "CAP_SYS_PTRACE"};
  spec_.capDrop = {"CAP_NET_RAW", "CAP_MKNOD"};
  auto c = caps(build());
  EXPECT_TRUE(has(c, "CAP_NET_ADMIN"));
  EXPECT_TRUE(has(c, "CAP_SYS_PTRACE"));
  EXPECT_FALSE(has(c, "CAP_NET_RAW"));
  EXPECT_FALSE(has(c, "CAP_MKNOD"));
  EXPECT_TRUE(has(c, "CAP_CHOWN"));
  EXPECT_EQ(c.size(), 14U);
}

TEST_F(OciSpecTest, CapAddAllMinusDrop) {
  spec_.capAdd = {"ALL"};
  spec_.capDrop = {"CAP_SYS_ADMIN"};
  auto c = caps(build());
  EXPECT_EQ(c.size(), allCapabilities().size() - 1);
  EXPECT_FALSE(has(c, "CAP_SYS_ADMIN"));
}

TEST_F(OciSpecTest, CapDropAllKeepsOnlyAdded) {
  spec_.capDrop = {"ALL"};
  spec_.capAdd = {"CAP_NET_BIND_SERVICE"};
  EXPECT_EQ(caps(build()), (std::vector<std::string>{"CAP_NET_BIND_SERVICE"}));
  spec_.capAdd.clear();
  EXPECT_TRUE(caps(build()).empty());
}

TEST_F(OciSpecTest, UnknownCapabilityIsRejected) {
  spec_.capAdd = {"CAP_FLY"};
  auto r = buildOciSpec(spec_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidArgument);
  EXPECT_NE(r.error().message().find("CAP_FLY"), std::string::npos);
}

TEST_F(OciSpecTest, Privileged) {
  spec_.privileged = true;
  spec_.capDrop = {"CAP_CHOWN"};  // privileged wins, as in docker
  json s = build();
  EXPECT_EQ(caps(s), allCapabilities());
  const json& l = s["linux"];
  EXPECT_FALSE(l.contains("seccomp"));
  EXPECT_FALSE(l.contains("maskedPaths"));
  EXPECT_FALSE(l.contains("readonlyPaths"));
  EXPECT_EQ(l["resources"]["devices"], json::parse(R"([{"allow":true,"access":"rwm"}])"));
  bool hasNull = false;
  for (const auto& d : l["devices"]) {
    if (d["path"] == "/dev/null") {
      hasNull = true;
      EXPECT_EQ(d["type"], "c");
      EXPECT_EQ(d["major"], 1);
      EXPECT_EQ(d["minor"], 3);
    }
    EXPECT_NE(d["path"], "/dev/console");
    EXPECT_EQ(d["path"].get<std::string>().rfind("/dev/pts/", 0), std::string::npos);
  }
  EXPECT_TRUE(hasNull);
  EXPECT_TRUE(has(options(*findMount(s, "/sys")), "rw"));
  EXPECT_TRUE(has(options(*findMount(s, "/sys/fs/cgroup")), "rw"));
}

TEST_F(OciSpecTest, SeccompUnconfined) {
  spec_.seccomp = SeccompMode::kUnconfined;
  EXPECT_FALSE(build()["linux"].contains("seccomp"));
}

TEST_F(OciSpecTest, Resources) {
  spec_.resources.memoryBytes = 512LL << 20;
  spec_.resources.nanoCpus = 1'500'000'000;
  spec_.resources.pidsLimit = 100;
  json built = build();
  const json& r = built["linux"]["resources"];
  EXPECT_EQ(r["memory"], json::parse(R"({"limit":536870912,"swap":1073741824})"));
  EXPECT_EQ(r["cpu"], json::parse(R"({"quota":150000,"period":100000})"));
  EXPECT_EQ(r["pids"], json::parse(R"({"limit":100})"));

  spec_.resources.memorySwapBytes = -1;
  spec_.resources.nanoCpus = 10'000'000;  // 0.01 CPU: docker's minimum, 1 ms per 100 ms
  json built2 = build();
  const json& r2 = built2["linux"]["resources"];
  EXPECT_EQ(r2["memory"]["swap"], -1);
  EXPECT_EQ(r2["cpu"]["quota"], 1000);

  spec_.resources.memorySwapBytes = 1LL << 20;  // smaller than memory
  auto bad = buildOciSpec(spec_);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("memoryswap limit should be larger"), std::string::npos);
  spec_.resources.memoryBytes = 0;
  spec_.resources.memorySwapBytes = 1LL << 30;
  EXPECT_FALSE(buildOciSpec(spec_).ok());
}

TEST_F(OciSpecTest, UserResolvedFromTheRootfs) {
  spec_.user = UserSpec{"app", ""};
  spec_.groupAdd = {"wheel"};
  json u = build()["process"]["user"];  // a copy
  EXPECT_EQ(u["uid"], 1000);
  EXPECT_EQ(u["gid"], 1000);
  EXPECT_EQ(u["additionalGids"], json({10}));

  spec_.user = UserSpec{"ghost", ""};
  auto bad = buildOciSpec(spec_);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(), "unable to find user ghost: no matching entries in passwd file");
}

TEST_F(OciSpecTest, TmpfsShmAndBinds) {
  TmpfsOptions runOpts;
  runOpts.sizeBytes = 64LL << 20;
  runOpts.mode = 01777;
  runOpts.noexec = false;
  spec_.tmpfs = {{"/run", runOpts}, {"/run/deep/er", TmpfsOptions{}}};
  spec_.binds = {{"/var/lib/berth/containers/abc/resolv.conf", "/etc/resolv.conf", true},
                 {"/var/lib/berth/containers/abc/hosts", "/etc/hosts"}};
  spec_.resources.shmSizeBytes = 128LL << 20;
  json s = build();
  const json* run = findMount(s, "/run");
  ASSERT_NE(run, nullptr);
  EXPECT_EQ((*run)["type"], "tmpfs");
  EXPECT_EQ(options(*run), (std::vector<std::string>{"rw", "exec", "nosuid", "nodev",
                                                     "size=67108864", "mode=1777"}));
  const json* resolv = findMount(s, "/etc/resolv.conf");
  ASSERT_NE(resolv, nullptr);
  EXPECT_EQ((*resolv)["type"], "bind");
  EXPECT_EQ((*resolv)["source"], "/var/lib/berth/containers/abc/resolv.conf");
  EXPECT_EQ(options(*resolv), (std::vector<std::string>{"rbind", "rprivate", "ro"}));
  EXPECT_EQ(options(*findMount(s, "/etc/hosts")),
            (std::vector<std::string>{"rbind", "rprivate", "rw"}));
  EXPECT_TRUE(has(options(*findMount(s, "/dev/shm")), "size=134217728"));
  // Parents before children, and after the defaults.
  std::vector<std::string> dests;
  for (const auto& m : s["mounts"]) {
    dests.push_back(m["destination"]);
  }
  auto pos = [&](const std::string& d) {
    return std::find(dests.begin(), dests.end(), d) - dests.begin();
  };
  EXPECT_LT(pos("/dev/shm"), pos("/run"));
  EXPECT_LT(pos("/run"), pos("/run/deep/er"));
}

TEST_F(OciSpecTest, UserTmpfsReplacesDefaultShm) {
  TmpfsOptions o;
  o.sizeBytes = 1LL << 20;
  spec_.tmpfs = {{"/dev/shm", o}};
  json s = build();
  int count = 0;
  for (const auto& m : s["mounts"]) {
    if (m["destination"] == "/dev/shm") {
      ++count;
      EXPECT_EQ(m["source"], "tmpfs");
    }
  }
  EXPECT_EQ(count, 1);
}

TEST_F(OciSpecTest, HostNetworkHasNoNetworkNamespace) {
  spec_.netnsPath.clear();
  json s = build();
  for (const auto& ns : s["linux"]["namespaces"]) {
    EXPECT_NE(ns["type"], "network");
  }
  spec_.sysctls = {{"net.ipv4.ip_forward", "1"}};
  auto bad = buildOciSpec(spec_);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("host's network namespace"), std::string::npos);
}

TEST_F(OciSpecTest, Sysctls) {
  spec_.sysctls = {{"net.ipv4.ip_unprivileged_port_start", "0"}, {"kernel.shmmax", "1000"}};
  json s = build();
  EXPECT_EQ(s["linux"]["sysctl"]["kernel.shmmax"], "1000");
  spec_.sysctls = {{"kernel.panic", "1"}};
  auto bad = buildOciSpec(spec_);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(), "sysctl 'kernel.panic' is not allowed");
}

TEST_F(OciSpecTest, ExplicitNoFileLimit) {
  spec_.noFileLimit = 1048576;
  EXPECT_EQ(build()["process"]["rlimits"],
            json::parse(R"([{"type":"RLIMIT_NOFILE","hard":1048576,"soft":1048576}])"));
}

TEST_F(OciSpecTest, ReadOnlyRootfs) {
  spec_.readOnlyRootfs = true;
  EXPECT_EQ(build()["root"]["readonly"], true);
}

TEST_F(OciSpecTest, InitWrapsArgsAndMountsTheBinary) {
  TempDir host;
  writeFile(host / "tini-static", "#!/bin/sh\n", 0755);
  spec_.init = true;
  spec_.initBinary = host / "tini-static";
  json s = build();
  EXPECT_EQ(s["process"]["args"], json({"/sbin/docker-init", "--", "/bin/sh", "-c", "echo hi"}));
  const json* m = findMount(s, "/sbin/docker-init");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ((*m)["source"], host / "tini-static");
  EXPECT_EQ(options(*m), (std::vector<std::string>{"bind", "ro"}));
}

TEST_F(OciSpecTest, InitWithoutBinaryNamesTheTiniPackage) {
  auto missing = findInitBinary({"/nonexistent/tini-static", "/nonexistent/docker-init"});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind(), ErrorKind::kUnavailable);
  EXPECT_NE(missing.error().message().find("tini"), std::string::npos);
  spec_.init = true;
  spec_.initBinary = "/nonexistent/tini-static";
  auto r = buildOciSpec(spec_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind(), ErrorKind::kUnavailable);
}

TEST_F(OciSpecTest, RejectsInconsistentInput) {
  auto expectInvalid = [](const ContainerRuntimeSpec& s, const std::string& fragment) {
    auto r = buildOciSpec(s);
    ASSERT_FALSE(r.ok()) << fragment;
    EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidArgument);
    EXPECT_NE(r.error().message().find(fragment), std::string::npos) << r.error().message();
  };
  ContainerRuntimeSpec s = spec_;
  s.args.clear();
  expectInvalid(s, "No command specified");
  s = spec_;
  s.cwd = "work";
  expectInvalid(s, "needs to be an absolute path");
  s = spec_;
  s.binds = {{"relative", "/x"}};
  expectInvalid(s, "must be absolute");
  s = spec_;
  s.binds = {{"/x", "/y", false, true, "sideways"}};
  expectInvalid(s, "propagation");
  s = spec_;
  s.tmpfs = {{"/", TmpfsOptions{}}};
  expectInvalid(s, "tmpfs");
  s = spec_;
  s.rootfs = "rootfs";
  expectInvalid(s, "rootfs");
}

}  // namespace
}  // namespace berth
