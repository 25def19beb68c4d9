#include "shim/shim_options.h"

#include <gtest/gtest.h>

namespace berth {
namespace {

std::vector<std::string> base() {
  return {"--id", "c1", "--bundle", "/b", "--state-dir", "/s", "--runtime", "/usr/sbin/runc",
          "--runtime-root", "/r", "--log-path", "/s/c1-json.log"};
}

TEST(ParseShimArgs, FullCommandLine) {
  auto args = base();
  args.insert(args.end(), {"--terminal", "--stdin", "--stdin-once", "--name", "web", "--log-driver",
                           "local", "--log-opt", "max-size=1m", "--log-opt", "max-file=2",
                           "--log-attr", "app=x=y"});
  auto o = parseShimArgs(args);
  ASSERT_TRUE(o.ok()) << o.error().message();
  EXPECT_EQ(o->id, "c1");
  EXPECT_EQ(o->name, "web");
  EXPECT_TRUE(o->terminal);
  EXPECT_TRUE(o->stdinOpen);
  EXPECT_TRUE(o->stdinOnce);
  EXPECT_EQ(o->logDriver, "local");
  EXPECT_EQ(o->logOpts, (LogOptions{{"max-size", "1m"}, {"max-file", "2"}}));
  EXPECT_EQ(o->logAttrs.at("app"), "x=y");
  EXPECT_FALSE(o->isExec());
}

TEST(ParseShimArgs, ExecDropsTheLogDriver) {
  std::vector<std::string> args = {"--id", "c1", "--state-dir", "/s", "--runtime", "/x",
                                   "--runtime-root", "/r", "--exec", "e1", "--process-json",
                                   "/s/e1.json", "--wait-attach"};
  auto o = parseShimArgs(args);
  ASSERT_TRUE(o.ok()) << o.error().message();
  EXPECT_TRUE(o->isExec());
  EXPECT_TRUE(o->waitAttach);
  EXPECT_EQ(o->logDriver, "none");
}

TEST(ParseShimArgs, RejectsBadInput) {
  auto with = [](std::vector<std::string> extra) {
    auto a = base();
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  };
  const std::vector<std::vector<std::string>> bad = {
      {},
      with({"--bogus"}),
      with({"--log-opt"}),
      with({"--log-opt", "novalue"}),
      with({"--stdin-once"}),
      with({"--process-json", "/p"}),
      with({"--exec", "../x", "--process-json", "/p"}),
      with({"--exec", "e1"}),
      {"--id", "a/b", "--bundle", "/b", "--state-dir", "/s", "--runtime-root", "/r"},
      {"--id", "c", "--bundle", "b", "--state-dir", "/s", "--runtime-root", "/r", "--log-path", "/l"},
      {"--id", "c", "--bundle", "/b", "--state-dir", "/s", "--runtime-root", "/r"},  // no log path
  };
  for (const auto& args : bad) {
    EXPECT_FALSE(parseShimArgs(args).ok()) << testing::PrintToString(args);
  }
  EXPECT_TRUE(parseShimArgs({"--id", "c", "--bundle", "/b", "--state-dir", "/s", "--runtime-root",
                             "/r", "--log-driver", "none"})
                  .ok());
  // docker run attaches before it starts: a container may wait for its first client too.
  EXPECT_TRUE(parseShimArgs({"--id", "c", "--bundle", "/b", "--state-dir", "/s", "--runtime-root",
                             "/r", "--log-driver", "none", "--wait-attach"})
                  .ok());
}

TEST(ShimFiles, ContainerAndExecNames) {
  ShimFiles c = shimFiles("");
  EXPECT_EQ(c.shimPid, "shim.pid");
  EXPECT_EQ(c.processPid, "container.pid");
  EXPECT_EQ(c.exitJson, "exit.json");
  EXPECT_EQ(c.attachSock, "attach.sock");
  EXPECT_EQ(c.controlSock, "control.sock");
  EXPECT_EQ(c.consoleSock, "console.sock");
  ShimFiles e = shimFiles("e1");
  EXPECT_EQ(e.shimPid, "shim-e1.pid");
  EXPECT_EQ(e.processPid, "exec-e1.pid");
  EXPECT_EQ(e.exitJson, "exit-e1.json");
  EXPECT_EQ(e.attachSock, "attach-e1.sock");
  EXPECT_EQ(e.controlSock, "control-e1.sock");
}

TEST(RuncArgv, RunAndExec) {
  auto o = parseShimArgs(base());
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(runcArgv(*o, shimFiles(""), ""),
            (std::vector<std::string>{"/usr/sbin/runc", "--root", "/r", "--log", "/s/runc.log",
                                      "--log-format", "json", "run", "-d", "--pid-file",
                                      "/s/container.pid", "--bundle", "/b", "c1"}));
  EXPECT_EQ(runcArgv(*o, shimFiles(""), "/s/console.sock").back(), "c1");
  auto e = parseShimArgs({"--id", "c1", "--state-dir", "/s", "--runtime", "/x", "--runtime-root",
                          "/r", "--exec", "e1", "--process-json", "/s/p.json", "--terminal"});
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(runcArgv(*e, shimFiles("e1"), "console-e1.sock"),
            (std::vector<std::string>{"/x", "--root", "/r", "--log", "/s/runc.log", "--log-format",
                                      "json", "exec", "-d", "--pid-file", "/s/exec-e1.pid",
                                      "--process", "/s/p.json", "--console-socket",
                                      "console-e1.sock", "c1"}));
}

}  // namespace
}  // namespace berth
