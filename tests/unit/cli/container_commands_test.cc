// run, exec and friends end to end against an in-test daemon: the order of
// requests (attach and wait before start), output, and docker's exit codes.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <mutex>
#include <sstream>

#include "cli/app.h"
#include "cli/commands/container.h"
#include "concurrent_server.h"

namespace berth::cli {
namespace {

using testing::ConcurrentServer;
using testing::Request;
using testing::stdcopyFrame;
using testing::writeAll;
using testing::writeChunk;
using testing::writeChunkedHead;
using testing::writeLastChunk;
using testing::writeResponse;

struct CliRun {
  int code;
  std::string out;
  std::string err;
};

CliRun run(const ConcurrentServer& server, std::vector<std::string> args) {
  args.insert(args.begin(), {"-H", server.url()});
  std::ostringstream out;
  std::ostringstream err;
  int code = runCli(args, out, err);
  return {code, out.str(), err.str()};
}

std::string pathOf(const Request& req) {
  std::string path = req.target.substr(0, req.target.find('?'));
  return path.rfind("/v1.44", 0) == 0 ? path.substr(6) : path;
}

// A daemon with one container "cid" that prints to both streams and exits
// with `exitCode` once started. `startError` makes start fail instead.
class FakeDaemon {
 public:
  int exitCode = 3;
  std::string startError;
  std::string createError;  // the first create fails with this (404: no such image)
  int createCalls = 0;

  explicit FakeDaemon()
      : server_([this](int fd, const Request& req) { return handle(fd, req); }) {}

  ConcurrentServer& server() { return server_; }

 private:
  bool handle(int fd, const Request& req) {
    const std::string path = pathOf(req);
    if (path == "/_ping") {
      writeResponse(fd, 200, "OK", "text/plain", "API-Version: 1.44\r\n");
    } else if (path == "/containers/create") {
      if (createCalls++ == 0 && !createError.empty()) {
        writeResponse(fd, 404, R"({"message":")" + createError + R"("})");
      } else {
        writeResponse(fd, 201, R"({"Id":"cid","Warnings":["low memory"]})");
      }
    } else if (path == "/images/create") {
      writeResponse(fd, 200,
                    "{\"status\":\"Pulling from library/busybox\",\"id\":\"latest\"}\r\n"
                    "{\"status\":\"Status: Image is up to date for busybox:latest\"}\r\n");
    } else if (path == "/containers/cid/attach") {
      testing::writeUpgradeHead(fd, "application/vnd.docker.multiplexed-stream");
      started_.wait();
      writeAll(fd, stdcopyFrame(1, "to stdout\n") + stdcopyFrame(2, "to stderr\n"));
      return false;
    } else if (path == "/containers/cid/wait") {
      writeChunkedHead(fd, 200);
      started_.wait();
      writeChunk(fd, R"({"Error":null,"StatusCode":)" + std::to_string(exitCode) + "}\n");
      writeLastChunk(fd);
    } else if (path == "/containers/cid/start") {
      if (!startError.empty()) {
        writeResponse(fd, 400, R"({"message":")" + startError + R"("})");
      } else {
        writeResponse(fd, 204, "");
      }
      std::call_once(once_, [this] { start_.set_value(); });
    } else if (path == "/containers/cid/exec") {
      writeResponse(fd, 201, R"({"Id":"eid"})");
    } else if (path == "/containers/cid/json") {
      writeResponse(fd, 200, R"({"Id":"cid","State":{"Running":true},"Config":{"Tty":false}})");
    } else if (path == "/exec/eid/start") {
      testing::writeUpgradeHead(fd);
      writeAll(fd, stdcopyFrame(1, "exec says hi\n"));
      return false;
    } else if (path == "/exec/eid/json") {
      writeResponse(fd, 200, R"({"ID":"eid","Running":false,"ExitCode":42})");
    } else if (path == "/containers/gone") {
      writeResponse(fd, 404, R"({"message":"No such container: gone"})");
    } else if (path == "/containers/cid" && req.method == "DELETE") {
      writeResponse(fd, 204, "");
    } else {
      writeResponse(fd, 404, R"({"message":"page not found"})");
    }
    return true;
  }

  std::once_flag once_;
  std::promise<void> start_;
  std::shared_future<void> started_ = start_.get_future().share();
  ConcurrentServer server_;
};

TEST(RunCommandTest, AttachesAndWaitsBeforeStartAndExitsWithTheContainer) {
  FakeDaemon d;
  CliRun r = run(d.server(), {"run", "--name", "web", "busybox", "sh", "-c", "exit 3"});
  EXPECT_EQ(r.code, 3) << r.err;
  EXPECT_EQ(r.out, "to stdout\n");
  EXPECT_EQ(r.err, "WARNING: low memory\nto stderr\n");
  auto calls = d.server().calls();
  ASSERT_EQ(calls.size(), 4u);
  EXPECT_EQ(calls[0], "POST /containers/create");
  EXPECT_EQ(calls[3], "POST /containers/cid/start");
  // attach and wait are both in before start (on two connections, in either order).
  EXPECT_NE(std::find(calls.begin(), calls.begin() + 3, "POST /containers/cid/attach"),
            calls.begin() + 3);
  EXPECT_NE(std::find(calls.begin(), calls.begin() + 3, "POST /containers/cid/wait"),
            calls.begin() + 3);
  for (const Request& req : d.server().requests()) {
    if (pathOf(req) == "/containers/cid/attach") {
      EXPECT_EQ(req.target, "/v1.44/containers/cid/attach?stderr=1&stdout=1&stream=1");
    }
    if (pathOf(req) == "/containers/cid/wait") {
      EXPECT_EQ(req.target, "/v1.44/containers/cid/wait?condition=next-exit");
    }
    if (pathOf(req) == "/containers/create") {
      EXPECT_EQ(req.target, "/v1.44/containers/create?name=web");
      auto body = nlohmann::json::parse(req.body);
      EXPECT_EQ(body["Cmd"], nlohmann::json({"sh", "-c", "exit 3"}));
      EXPECT_EQ(body["AttachStdout"], true);
      EXPECT_EQ(body["OpenStdin"], false);
    }
  }
}

TEST(RunCommandTest, ZeroExitAndRemoveWaitsForRemoval) {
  FakeDaemon d;
  d.exitCode = 0;
  CliRun r = run(d.server(), {"run", "--rm", "busybox", "echo", "hi"});
  EXPECT_EQ(r.code, 0);
  bool sawRemovedWait = false;
  for (const Request& req : d.server().requests()) {
    sawRemovedWait = sawRemovedWait || req.target.find("wait?condition=removed") != std::string::npos;
  }
  EXPECT_TRUE(sawRemovedWait);
}

TEST(RunCommandTest, DetachedPrintsTheIdAndDoesNotAttach) {
  FakeDaemon d;
  CliRun r = run(d.server(), {"run", "-d", "busybox", "sleep", "60"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "cid\n");
  EXPECT_EQ(d.server().calls(),
            (std::vector<std::string>{"POST /containers/create", "POST /containers/cid/start"}));
}

TEST(RunCommandTest, PullsAMissingImageAndCreatesAgain) {
  FakeDaemon d;
  d.createError = "No such image: busybox:latest";
  CliRun r = run(d.server(), {"run", "-d", "busybox"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err,
            "Unable to find image 'busybox:latest' locally\nlatest: Pulling from library/busybox\n"
            "Status: Image is up to date for busybox:latest\nWARNING: low memory\n");
  auto calls = d.server().calls();
  ASSERT_GE(calls.size(), 3u);
  EXPECT_EQ(calls[1], "POST /images/create");
  EXPECT_EQ(d.server().requests()[2].target,
            "/v1.44/images/create?fromImage=docker.io%2Flibrary%2Fbusybox&tag=latest");
}

TEST(RunCommandTest, ExitCodesForFailedStarts) {
  struct Case {
    std::string error;
    int code;
  };
  for (const Case& c : std::vector<Case>{
           {R"(failed to create task: exec: \"nope\": executable file not found in $PATH)", 127},
           {R"(exec /etc: permission denied)", 126},
           {R"(cannot join network of a non running container)", 125}}) {
    FakeDaemon d;
    d.startError = c.error;
    CliRun r = run(d.server(), {"run", "busybox", "nope"});
    EXPECT_EQ(r.code, c.code) << c.error;
    std::string unescaped = c.error;
    for (size_t p; (p = unescaped.find("\\\"")) != std::string::npos;) {
      unescaped.erase(p, 1);
    }
    EXPECT_NE(r.err.find("berth: Error response from daemon: " + unescaped +
                         "\n\nRun 'berth run --help' for more information\n"),
              std::string::npos)
        << r.err;
  }
}

TEST(RunCommandTest, BadFlagValuesAreUsageErrors) {
  FakeDaemon d;
  CliRun mem = run(d.server(), {"run", "-m", "12x", "busybox"});
  EXPECT_EQ(mem.code, 125);
  EXPECT_EQ(mem.err.rfind("invalid argument \"12x\" for \"-m, --memory\" flag: invalid suffix: 'x'", 0),
            0u)
      << mem.err;
  CliRun restart = run(d.server(), {"run", "--restart", "on-failure:x", "busybox"});
  EXPECT_EQ(restart.code, 125);
  EXPECT_EQ(restart.err,
            "berth: invalid restart policy format: maximum retry count must be an integer\n\n"
            "Run 'berth run --help' for more information\n");
  CliRun conflict = run(d.server(), {"run", "--rm", "--restart", "always", "busybox"});
  EXPECT_EQ(conflict.code, 125);
  EXPECT_TRUE(d.server().calls().empty());  // nothing reached the daemon
}

TEST(ExecCommandTest, ExitCodeComesFromExecInspect) {
  FakeDaemon d;
  CliRun r = run(d.server(), {"exec", "-e", "A=1", "cid", "sh", "-c", "exit 42"});
  EXPECT_EQ(r.code, 42) << r.err;
  EXPECT_EQ(r.out, "exec says hi\n");
  for (const Request& req : d.server().requests()) {
    if (pathOf(req) == "/containers/cid/exec") {
      auto body = nlohmann::json::parse(req.body);
      EXPECT_EQ(body["Cmd"], nlohmann::json({"sh", "-c", "exit 42"}));
      EXPECT_EQ(body["Env"], nlohmann::json({"A=1"}));
      EXPECT_EQ(body["AttachStdin"], false);
      EXPECT_EQ(body["AttachStdout"], true);
    }
    if (pathOf(req) == "/exec/eid/start") {
      EXPECT_EQ(nlohmann::json::parse(req.body)["Detach"], false);
      EXPECT_EQ(req.headers.at("upgrade"), "tcp");
    }
  }
}

TEST(RmCommandTest, ForceIgnoresMissingContainers) {
  FakeDaemon d;
  CliRun r = run(d.server(), {"rm", "-f", "gone", "cid"});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, "cid\n");
  EXPECT_EQ(r.err, "Error response from daemon: No such container: gone\n");
  CliRun strict = run(d.server(), {"rm", "gone", "cid"});
  EXPECT_EQ(strict.code, 1);
  EXPECT_EQ(strict.out, "cid\n");
  EXPECT_EQ(strict.err, "Error response from daemon: No such container: gone\n");
}

TEST(RunExitCodeTest, MapsLikeDockerRun) {
  EXPECT_EQ(runFailureExitCode("exec: \"x\": executable file not found in $PATH"), 127);
  EXPECT_EQ(runFailureExitCode("open /x: no such file or directory"), 127);
  EXPECT_EQ(runFailureExitCode("exec /bin: permission denied"), 126);
  EXPECT_EQ(runFailureExitCode("read /x: is a directory"), 126);
  EXPECT_EQ(runFailureExitCode("No such image: x"), 125);
  EXPECT_EQ(withHelp("oops", "create"),
            "berth: oops\n\nRun 'berth create --help' for more information");
}

TEST(PromptTest, OnlyYesConfirms) {
  for (const auto& [answer, want] : std::vector<std::pair<std::string, bool>>{
           {"y\n", true}, {"Y\n", true}, {" y \n", true}, {"yes\n", false}, {"n\n", false},
           {"\n", false}, {"", false}}) {
    std::istringstream in(answer);
    std::ostringstream out;
    EXPECT_EQ(promptForConfirmation(in, out,
                                    "WARNING! This will remove all stopped containers.\n"
                                    "Are you sure you want to continue?"),
              want)
        << answer;
    EXPECT_EQ(out.str(),
              "WARNING! This will remove all stopped containers.\n"
              "Are you sure you want to continue? [y/N] ");
  }
}

}  // namespace
}  // namespace berth::cli
