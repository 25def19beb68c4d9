#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>

#include "common/strings.h"
#include "runtime/exec_shim_launcher.h"
#include "test_support.h"

namespace berth {
namespace {

using testsupport::readFileOrEmpty;
using testsupport::TempDir;
using testsupport::writeFile;

// Stands in for berth-shim (written elsewhere, in parallel): records its
// command line, writes the state files, and leaves a detached "shim"
// process behind that still holds the launcher's stderr pipe.
constexpr const char* kFakeShim = R"(#!/bin/sh
state=""; id=""; exec_id=""; prev=""
for a in "$@"; do
  case "$prev" in
    --state-dir) state="$a" ;;
    --id) id="$a" ;;
    --exec) exec_id="$a" ;;
  esac
  prev="$a"
done
printf '%s\n' "$@" > "$state/argv"
case "$id" in
  notfound) echo 'runc run failed: exec: "nope": executable file not found in $PATH' >&2; exit 1 ;;
  crash) echo "runc run failed: cgroup went away" >&2; exit 1 ;;
  silent) exit 1 ;;
  nopids) exit 0 ;;
esac
sleep 30 &
if [ -n "$exec_id" ]; then
  echo $! > "$state/shim-$exec_id.pid"
  case " $* " in *" --wait-attach "*) exit 0 ;; esac  # the process starts at the first attach
  echo 4242 > "$state/exec-$exec_id.pid"
else
  echo $! > "$state/shim.pid"
  echo 4243 > "$state/container.pid"
fi
exit 0
)";

class ShimLauncherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    writeFile(tmp_ / "berth-shim", kFakeShim, 0755);
    writeFile(tmp_ / "state/.keep", "");
  }
  ExecShimLauncher launcher() {
    return ExecShimLauncher(tmp_ / "berth-shim", "/usr/bin/runc", "/run/berth/runc");
  }
  ShimStart basic(const std::string& id) {
    ShimStart s;
    s.id = id;
    s.bundle = tmp_ / "bundle";
    s.stateDir = tmp_ / "state";
    return s;
  }
  std::vector<std::string> recordedArgv() {
    auto lines = split(readFileOrEmpty(tmp_ / "state/argv"), '\n');
    lines.pop_back();  // after the last newline
    return lines;
  }
  TempDir tmp_;
};

TEST_F(ShimLauncherTest, CommandLineFollowsTheDesignDoc) {
  ShimStart s = basic("c1");
  s.name = "/web";
  s.logAttrs = {{"com.example.team", "a"}};
  s.terminal = true;
  s.stdinOpen = true;
  s.stdinOnce = true;
  s.logDriver = "json-file";
  s.logOpts = {{"max-size", "10m"}, {"max-file", "3"}};
  s.logPath = "/var/lib/berth/containers/c1/c1-json.log";
  std::vector<std::string> expected = {tmp_ / "berth-shim",
                                       "--id",
                                       "c1",
                                       "--bundle",
                                       tmp_ / "bundle",
                                       "--state-dir",
                                       tmp_ / "state",
                                       "--runtime",
                                       "/usr/bin/runc",
                                       "--runtime-root",
                                       "/run/berth/runc",
                                       "--name",
                                       "/web",
                                       "--terminal",
                                       "--stdin",
                                       "--stdin-once",
                                       "--log-driver",
                                       "json-file",
                                       "--log-opt",
                                       "max-file=3",
                                       "--log-opt",
                                       "max-size=10m",
                                       "--log-path",
                                       "/var/lib/berth/containers/c1/c1-json.log",
                                       "--log-attr",
                                       "com.example.team=a"};
  EXPECT_EQ(launcher().commandLine(s), expected);

  ShimStart e = basic("c1");
  e.execId = "e1";
  e.processJson = "/run/berth/containers/c1/exec-e1.json";
  e.waitAttach = true;
  auto argv = launcher().commandLine(e);
  std::vector<std::string> tail(argv.end() - 5, argv.end());
  EXPECT_EQ(tail,
            (std::vector<std::string>{"--exec", "e1", "--process-json",
                                      "/run/berth/containers/c1/exec-e1.json", "--wait-attach"}));
}

TEST_F(ShimLauncherTest, StartReturnsThePidsOnceTheShimParentExits) {
  auto start = std::chrono::steady_clock::now();
  auto p = launcher().start(basic("c1"));
  ASSERT_TRUE(p.ok()) << p.error().message();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  EXPECT_EQ(p->processPid, 4243);
  EXPECT_GT(p->shimPid, 0);
  EXPECT_EQ(::kill(p->shimPid, 0), 0);  // the detached "shim" still runs
  auto argv = launcher().commandLine(basic("c1"));
  EXPECT_EQ(recordedArgv(), std::vector<std::string>(argv.begin() + 1, argv.end()));
  ::kill(p->shimPid, SIGKILL);

  auto again = readShimPids(tmp_ / "state");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->shimPid, p->shimPid);
}

TEST_F(ShimLauncherTest, ExecReadsTheExecPidFile) {
  ShimStart e = basic("c1");
  e.execId = "e7";
  e.processJson = tmp_ / "exec.json";
  auto p = launcher().start(e);
  ASSERT_TRUE(p.ok()) << p.error().message();
  EXPECT_EQ(p->processPid, 4242);
  EXPECT_EQ(*readPidFile(tmp_ / "state/shim-e7.pid"), p->shimPid);
  ::kill(p->shimPid, SIGKILL);

  ShimStart w = basic("c1");
  w.execId = "e8";
  w.processJson = tmp_ / "exec.json";
  w.waitAttach = true;
  auto waiting = launcher().start(w);
  ASSERT_TRUE(waiting.ok()) << waiting.error().message();
  EXPECT_GT(waiting->shimPid, 0);
  EXPECT_EQ(waiting->processPid, 0);  // not started before the first attach
  ::kill(waiting->shimPid, SIGKILL);

  e.processJson.clear();
  EXPECT_EQ(launcher().start(e).error().kind(), ErrorKind::kInvalidArgument);
}

TEST_F(ShimLauncherTest, FailureCarriesTheShimsLine) {
  auto missing = launcher().start(basic("notfound"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind(), ErrorKind::kInvalidArgument);
  EXPECT_EQ(missing.error().message(),
            "start container notfound: runc run failed: exec: \"nope\": executable file not found "
            "in $PATH");

  auto crash = launcher().start(basic("crash"));
  ASSERT_FALSE(crash.ok());
  EXPECT_EQ(crash.error().kind(), ErrorKind::kInternal);
  EXPECT_EQ(crash.error().message(), "start container crash: runc run failed: cgroup went away");

  auto silent = launcher().start(basic("silent"));
  ASSERT_FALSE(silent.ok());
  EXPECT_NE(silent.error().message().find("exited with status 1"), std::string::npos);

  auto nopids = launcher().start(basic("nopids"));
  ASSERT_FALSE(nopids.ok());
  EXPECT_NE(nopids.error().message().find("shim.pid"), std::string::npos);
}

TEST_F(ShimLauncherTest, MissingShimBinary) {
  ExecShimLauncher l(tmp_ / "no-such-shim", "/usr/bin/runc", "/run/berth/runc");
  auto p = l.start(basic("c1"));
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().kind(), ErrorKind::kUnavailable);
}

TEST(ReadExitStatus, ReadsTheShimsRecord) {
  TempDir tmp;
  EXPECT_EQ(readExitStatus(tmp.path()).error().kind(), ErrorKind::kNotFound);
  writeFile(
      tmp / "exit.json",
      R"({"exitCode": 137, "finishedAt": "2024-05-01T10:00:00.123456789Z", "oomKilled": true})");
  auto st = readExitStatus(tmp.path());
  ASSERT_TRUE(st.ok()) << st.error().message();
  EXPECT_EQ(st->exitCode, 137);
  EXPECT_EQ(st->finishedAt, "2024-05-01T10:00:00.123456789Z");
  EXPECT_TRUE(st->oomKilled);

  EXPECT_EQ(st->error, "");

  writeFile(
      tmp / "exit-e1.json",
      R"({"exitCode": 127, "finishedAt": "2024-05-01T10:00:01Z", "oomKilled": false, "error": "exec: \"x\": not found"})");
  auto ex = readExitStatus(tmp.path(), "e1");
  ASSERT_TRUE(ex.ok());
  EXPECT_EQ(ex->exitCode, 127);
  EXPECT_FALSE(ex->oomKilled);
  EXPECT_EQ(ex->error, "exec: \"x\": not found");

  writeFile(tmp / "exit-bad.json", "{\"exitCode\": \"x\"");
  EXPECT_EQ(readExitStatus(tmp.path(), "bad").error().kind(), ErrorKind::kInternal);
}

TEST(ReadShimPids, RejectsGarbage) {
  TempDir tmp;
  writeFile(tmp / "shim.pid", "12x\n");
  writeFile(tmp / "container.pid", "5\n");
  EXPECT_EQ(readShimPids(tmp.path()).error().kind(), ErrorKind::kInternal);
  writeFile(tmp / "shim.pid", "12\n");
  auto p = readShimPids(tmp.path());
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->shimPid, 12);
  EXPECT_EQ(p->processPid, 5);
  EXPECT_EQ(readShimPids(tmp.path(), "e1").error().kind(), ErrorKind::kNotFound);
  writeFile(tmp / "shim-e1.pid", "13\n");
  writeFile(tmp / "exec-e1.pid", "14\n");
  auto e = readShimPids(tmp.path(), "e1");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->shimPid, 13);
  EXPECT_EQ(e->processPid, 14);
}

}  // namespace
}  // namespace berth
