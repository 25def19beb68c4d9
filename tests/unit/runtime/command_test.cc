#include "runtime/command.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>

#include "test_support.h"

namespace berth {
namespace {

TEST(RunCommand, CapturesOutputAndExitCode) {
  auto r = runCommand({"/bin/sh", "-c", "echo out; echo err >&2; exit 3"});
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->exitCode, 3);
  EXPECT_EQ(r->out, "out\n");
  EXPECT_EQ(r->err, "err\n");
}

TEST(RunCommand, LooksUpPathAndReportsSignals) {
  auto r = runCommand({"sh", "-c", "kill -9 $$"});
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->exitCode, 128 + 9);
}

TEST(RunCommand, LargeOutputDoesNotDeadlock) {
  auto r = runCommand({"/bin/sh", "-c", "head -c 3000000 /dev/zero; head -c 200000 /dev/zero >&2"});
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->out.size(), 3000000U);
  EXPECT_EQ(r->err.size(), 200000U);
}

TEST(RunCommand, StdinIsDevNull) {
  auto r = runCommand({"/bin/cat"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->exitCode, 0);
  EXPECT_EQ(r->out, "");
}

TEST(RunCommand, DoesNotWaitForADaemonHoldingThePipes) {
  // Like berth-shim and `runc run -d`: the program exits, a child it left
  // behind keeps stdout/stderr open.
  auto start = std::chrono::steady_clock::now();
  auto r = runCommand({"/bin/sh", "-c", "sleep 30 & echo $!; echo bye >&2"});
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_LT(took, std::chrono::seconds(10));
  EXPECT_EQ(r->err, "bye\n");
  int child = std::stoi(r->out);
  ASSERT_GT(child, 0);
  ::kill(child, SIGKILL);
}

TEST(RunCommand, MissingProgramIsUnavailable) {
  auto r = runCommand({"/nonexistent/berth-tool"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind(), ErrorKind::kUnavailable);
  EXPECT_NE(r.error().message().find("/nonexistent/berth-tool"), std::string::npos);
  EXPECT_FALSE(runCommand({}).ok());
}

TEST(RunCommand, TimeoutKills) {
  CommandOptions opts;
  opts.timeout = std::chrono::milliseconds(200);
  auto r = runCommand({"/bin/sleep", "30"}, opts);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("did not finish"), std::string::npos);
}

TEST(RunCommand, ChildStartsWithCleanSignalState) {
  sigset_t block;
  sigset_t old;
  sigemptyset(&block);
  sigaddset(&block, SIGTERM);
  ASSERT_EQ(pthread_sigmask(SIG_BLOCK, &block, &old), 0);
  auto r = runCommand({"/bin/sh", "-c", "grep SigBlk /proc/self/status"});
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->out, "SigBlk:\t0000000000000000\n");
}

}  // namespace
}  // namespace berth
