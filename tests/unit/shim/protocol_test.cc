// attach/control lines, state files and the event loop.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "shim/attach_protocol.h"
#include "shim/event_loop.h"
#include "shim/state_files.h"

namespace berth {
namespace {

TEST(AttachProtocol, Hello) {
  auto r = parseAttachRequest(R"({"stdin":true,"stdout":true,"stderr":false})");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->wantStdin);
  EXPECT_TRUE(r->wantStdout);
  EXPECT_FALSE(r->wantStderr);
  r = parseAttachRequest("{}");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->wantStdout);
  EXPECT_FALSE(parseAttachRequest("hello").ok());
  EXPECT_FALSE(parseAttachRequest("[true]").ok());
}

TEST(ControlProtocol, Commands) {
  auto c = parseControlCommand(R"({"resize":{"height":40,"width":120}})");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->kind, ControlCommand::Kind::kResize);
  EXPECT_EQ(c->height, 40);
  EXPECT_EQ(c->width, 120);
  c = parseControlCommand(R"({"closeStdin":true})");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->kind, ControlCommand::Kind::kCloseStdin);
  for (const char* bad : {R"({"resize":{"height":-1,"width":2}})", R"({"resize":{"height":1}})",
                          R"({"resize":{"height":70000,"width":2}})", R"({"closeStdin":false})",
                          R"({"reboot":true})", "nope"}) {
    EXPECT_FALSE(parseControlCommand(bad).ok()) << bad;
  }
}

int waitStatusOf(void (*body)()) {
  pid_t pid = ::fork();
  if (pid == 0) {
    body();
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}

TEST(StateFiles, ExitCodesLikeDocker) {
  EXPECT_EQ(exitCodeFromWaitStatus(waitStatusOf([] { ::_exit(3); })), 3);
  EXPECT_EQ(exitCodeFromWaitStatus(waitStatusOf([] { (void)::raise(SIGKILL); })), 137);
  EXPECT_EQ(exitCodeFromWaitStatus(waitStatusOf([] { (void)::raise(SIGTERM); })), 143);
}

TEST(StateFiles, ExitJson) {
  int64_t t = 1795251600LL * 1'000'000'000 + 5;
  EXPECT_EQ(formatExitJson(3, t),
            "{\"exitCode\": 3, \"finishedAt\": \"2026-11-21T09:00:00.000000005Z\", \"oomKilled\": false}\n");
  EXPECT_EQ(formatExitJson(127, t, "exec: \"x\": not found"),
            "{\"exitCode\": 127, \"finishedAt\": \"2026-11-21T09:00:00.000000005Z\", \"oomKilled\": "
            "false, \"error\": \"exec: \\\"x\\\": not found\"}\n");
}

TEST(StateFiles, AtomicWriteReplacesWholeFile) {
  std::string dir = std::filesystem::temp_directory_path() / "berth-shim-state-XXXXXX";
  ASSERT_NE(::mkdtemp(dir.data()), nullptr);
  int dfd = ::open(dir.c_str(), O_PATH | O_DIRECTORY);
  ASSERT_TRUE(writeFileAtomic(dfd, "exit.json", "first").ok());
  ASSERT_TRUE(writeFileAtomic(dfd, "exit.json", "second").ok());
  std::ifstream in(dir + "/exit.json");
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(ss.str(), "second");
  int entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    (void)e;
    ++entries;
  }
  EXPECT_EQ(entries, 1);  // no temporary left behind
  EXPECT_FALSE(writeFileAtomic(dfd, "no/such/dir", "x").ok());
  ::close(dfd);
  std::filesystem::remove_all(dir);
}

TEST(EventLoop, DispatchesAndSurvivesRemovalDuringARound) {
  auto loop = EventLoop::create();
  ASSERT_TRUE(loop.ok());
  int a[2];
  int b[2];
  ASSERT_EQ(::pipe(a), 0);
  ASSERT_EQ(::pipe(b), 0);
  int calls = 0;
  // Whichever runs first removes both: the other's event of this round must not run.
  auto handler = [&](uint32_t) {
    ++calls;
    loop->remove(a[0]);
    loop->remove(b[0]);
  };
  ASSERT_TRUE(loop->add(a[0], EPOLLIN, handler).ok());
  ASSERT_TRUE(loop->add(b[0], EPOLLIN, handler).ok());
  ASSERT_EQ(::write(a[1], "x", 1), 1);
  ASSERT_EQ(::write(b[1], "x", 1), 1);
  ASSERT_TRUE(loop->runOnce(1000).ok());
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(loop->runOnce(0).ok());  // nothing left watched
  EXPECT_EQ(calls, 1);
  EXPECT_FALSE(loop->modify(a[0], EPOLLIN).ok() && loop->modify(b[0], EPOLLIN).ok());
  for (int fd : {a[0], a[1], b[0], b[1]}) {
    ::close(fd);
  }
}

}  // namespace
}  // namespace berth
