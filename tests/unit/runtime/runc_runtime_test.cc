#include "runtime/runc_runtime.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "test_support.h"

namespace berth {
namespace {

using testsupport::TempDir;
using testsupport::writeFile;

constexpr const char* kRunc = "/usr/sbin/runc";

TEST(RuntimeErrorMessage, TakesTheLastErrorOfJsonLogs) {
  std::string err =
      "{\"level\":\"warning\",\"msg\":\"a warning\",\"time\":\"t\"}\n"
      "{\"level\":\"error\",\"msg\":\"container does not exist\",\"time\":\"t\"}\n"
      "{\"level\":\"info\",\"msg\":\"later info\",\"time\":\"t\"}\n";
  EXPECT_EQ(runtimeErrorMessage(err), "container does not exist");
}

TEST(RuntimeErrorMessage, FallsBackToTheLastLine) {
  EXPECT_EQ(runtimeErrorMessage("first\n  last line  \n\n"), "last line");
  EXPECT_EQ(runtimeErrorMessage("time=\"x\" level=error msg=\"boom\"\n"),
            "time=\"x\" level=error msg=\"boom\"");
  EXPECT_EQ(runtimeErrorMessage(""), "");
  EXPECT_EQ(runtimeErrorMessage("{\"level\":\"error\",\"msg\":\"multi\\nline\"}"), "multi line");
}

TEST(RuntimeError, KindsFromMessages) {
  auto kindOf = [](const std::string& msg) {
    CommandOutput out;
    out.exitCode = 1;
    out.err = "{\"level\":\"error\",\"msg\":\"" + msg + "\"}\n";
    return runtimeError("kill container x", out).kind();
  };
  EXPECT_EQ(kindOf("container does not exist"), ErrorKind::kNotFound);
  EXPECT_EQ(kindOf("container not running"), ErrorKind::kConflict);
  EXPECT_EQ(kindOf("container not paused"), ErrorKind::kConflict);
  EXPECT_EQ(kindOf("cannot delete container x that is not stopped: running"), ErrorKind::kConflict);
  EXPECT_EQ(kindOf("unable to freeze"), ErrorKind::kInternal);
  CommandOutput silent;
  silent.exitCode = 2;
  EXPECT_EQ(runtimeError("pause container x", silent).message(),
            "pause container x: exit status 2");
}

TEST(RuntimeCommand, PutsRootAndJsonLogsFirst) {
  EXPECT_EQ(runtimeCommand("/usr/bin/runc", "/run/berth/runc", {"kill", "abc", "9"}),
            (std::vector<std::string>{"/usr/bin/runc", "--root", "/run/berth/runc", "--log-format",
                                      "json", "kill", "abc", "9"}));
}

TEST(CheckRuntime, RefusesCrunOnHybridCgroups) {
  TempDir tmp;
  writeFile(tmp / "crun",
            "#!/bin/sh\necho 'crun version 1.8.1'\necho 'commit: abc'\necho 'spec: 1.0.0'\n", 0755);
  auto hybrid = checkRuntime(tmp / "crun", "hybrid");
  ASSERT_FALSE(hybrid.ok());
  EXPECT_EQ(hybrid.error().kind(), ErrorKind::kUnavailable);
  EXPECT_EQ(hybrid.error().message(),
            "OCI runtime " + (tmp / "crun") +
                " (crun 1.8.1) does not support hybrid cgroup v1/v2 hosts; use runc");
  auto v2 = checkRuntime(tmp / "crun", "v2");
  ASSERT_TRUE(v2.ok()) << v2.error().message();
  EXPECT_EQ(v2->name, "crun");
  EXPECT_EQ(v2->version, "1.8.1");
}

TEST(CheckRuntime, BrokenOrMissingBinary) {
  TempDir tmp;
  writeFile(tmp / "broken",
            "#!/bin/sh\necho 'error while loading shared libraries: libfoo.so' >&2\nexit 127\n",
            0755);
  auto broken = checkRuntime(tmp / "broken", "v1");
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.error().kind(), ErrorKind::kUnavailable);
  EXPECT_NE(broken.error().message().find("libfoo.so"), std::string::npos);
  EXPECT_NE(broken.error().message().find("--version"), std::string::npos);

  auto missing = checkRuntime(tmp / "nope", "v1");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind(), ErrorKind::kUnavailable);
  EXPECT_NE(missing.error().message().find("does not work"), std::string::npos);

  writeFile(tmp / "mute", "#!/bin/sh\nexit 0\n", 0755);
  EXPECT_FALSE(checkRuntime(tmp / "mute", "v1").ok());
}

TEST(CheckRuntime, RealRunc) {
  if (::access(kRunc, X_OK) != 0) {
    GTEST_SKIP() << "runc is not installed";
  }
  auto info = checkRuntime(kRunc, "hybrid");
  ASSERT_TRUE(info.ok()) << info.error().message();
  EXPECT_EQ(info->name, "runc");
  EXPECT_FALSE(info->version.empty());
}

TEST(RuncRuntime, UnknownContainerIsNotFound) {
  if (::access(kRunc, X_OK) != 0 || ::geteuid() != 0) {
    GTEST_SKIP() << "needs runc and root";
  }
  TempDir root;
  RuncRuntime runc(kRunc, root.path());
  auto check = [](const Status& st) {
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().kind(), ErrorKind::kNotFound) << st.error().message();
    EXPECT_NE(st.error().message().find("container does not exist"), std::string::npos);
  };
  check(runc.kill("berth-nope", 15, false));
  check(runc.pause("berth-nope"));
  check(runc.remove("berth-nope", false));
  auto pids = runc.pids("berth-nope");
  ASSERT_FALSE(pids.ok());
  EXPECT_EQ(pids.error().message(),
            "list processes of container berth-nope: container does not exist");
  EXPECT_EQ(runc.state("berth-nope").error().kind(), ErrorKind::kNotFound);
  EXPECT_EQ(runc.stats("berth-nope").error().kind(), ErrorKind::kNotFound);
}

}  // namespace
}  // namespace berth
