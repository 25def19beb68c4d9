#include "cli/app.h"

#include <gtest/gtest.h>

#include <ctime>
#include <nlohmann/json.hpp>
#include <sstream>

#include "test_server.h"

// The tests change the environment on purpose; gtest runs them on one thread.
// NOLINTBEGIN(concurrency-mt-unsafe)
namespace berth::cli {
namespace {

using testing::Request;
using testing::TestServer;

struct CliRun {
  int code;
  std::string out;
  std::string err;
};

CliRun run(const std::vector<std::string>& args) {
  std::ostringstream out;
  std::ostringstream err;
  int code = runCli(args, out, err);
  return {code, out.str(), err.str()};
}

// A daemon that knows /_ping, /version, /info and /events.
bool fakeDaemon(int fd, const Request& req) {
  using testing::writeResponse;
  if (req.target == "/_ping") {
    writeResponse(fd, 200, "OK", "text/plain", "API-Version: 1.44\r\n");
  } else if (req.target == "/v1.44/version") {
    writeResponse(fd, 200, R"({"Version":"0.1.0","ApiVersion":"1.44","MinAPIVersion":"1.24",
      "GitCommit":"abc","GoVersion":"C++20","Os":"linux","Arch":"amd64","Experimental":false,
      "BuildTime":"2023-11-14T22:13:20Z"})");
  } else if (req.target == "/v1.44/info") {
    writeResponse(fd, 200, R"({"Containers":0,"Images":0,"ServerVersion":"0.1.0","OSType":"linux",
      "MemTotal":1024,"DockerRootDir":"/var/lib/berth","Swarm":{"LocalNodeState":"inactive"},
      "BerthKernelFeatures":{"bridge":true,"ipvlan":false},"Warnings":["WARNING: test"]})");
  } else if (req.target.rfind("/v1.44/events", 0) == 0) {
    testing::writeChunkedHead(fd, 200);
    testing::writeChunk(fd, R"({"Type":"network","Action":"create","Actor":{"ID":"n1",)"
                            R"("Attributes":{"name":"web","driver":"bridge"}},"scope":"local",)"
                            R"("time":1700000000,"timeNano":1700000000000000000})"
                            "\n");
    testing::writeChunk(fd, R"({"Type":"network","Action":"destroy","Actor":{"ID":"n1"},)"
                            R"("time":1700000001,"timeNano":1700000001000000000})"
                            "\n");
    testing::writeLastChunk(fd);
  } else {
    writeResponse(fd, 404, R"({"message":"page not found"})");
  }
  return true;
}

TEST(AppTest, HelpListsCommandsLikeDocker) {
  CliRun r = run({"--help"});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out.rfind("Usage:  berth [OPTIONS] COMMAND\n\n", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("Common Commands:\n  run         Create and run a new container from an image\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("  version     Show the berth version information\n"
                       "  info        Display system-wide information\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("Management Commands:\n  system      Manage berth\n"), std::string::npos);
  EXPECT_NE(r.out.find("  -H, --host string        Daemon socket to connect to\n"),
            std::string::npos);
  EXPECT_EQ(run({}).out, r.out);  // bare `berth` prints the same
}

TEST(AppTest, SubcommandHelp) {
  CliRun r = run({"system", "events", "--help"});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out.rfind("Usage:  berth system events [OPTIONS]\n\nGet real time events from the "
                        "server\n\nAliases:\n  berth system events, berth events\n\nOptions:\n",
                        0),
            0u)
      << r.out;
  EXPECT_NE(r.out.find("      --since string    Show all events created since timestamp\n"),
            std::string::npos);
  EXPECT_EQ(run({"help", "system", "events"}).out, r.out);
}

TEST(AppTest, UsageErrorsAndExitCodes) {
  CliRun unknown = run({"foo"});
  EXPECT_EQ(unknown.code, 1);
  EXPECT_EQ(unknown.err,
            "berth: unknown command: berth foo\n\nRun 'berth --help' for more information\n");

  CliRun unknownSub = run({"system", "foo"});
  EXPECT_EQ(unknownSub.code, 1);
  EXPECT_EQ(unknownSub.err,
            "berth: unknown command: berth system foo\n\nUsage:  berth system\n\n"
            "Run 'berth system --help' for more information\n");

  CliRun flag = run({"version", "--bogus"});
  EXPECT_EQ(flag.code, 125);
  EXPECT_EQ(flag.err,
            "unknown flag: --bogus\n\nUsage:  berth version [OPTIONS]\n\n"
            "Run 'berth version --help' for more information\n");

  CliRun shortFlag = run({"events", "-x"});
  EXPECT_EQ(shortFlag.code, 125);
  EXPECT_EQ(shortFlag.err.substr(0, shortFlag.err.find('\n')), "unknown shorthand flag: 'x' in -x");

  CliRun args = run({"events", "extra"});
  EXPECT_EQ(args.code, 1);
  EXPECT_EQ(args.err,
            "berth: 'berth events' accepts no arguments\n\nUsage:  berth events "
            "[OPTIONS]\n\nRun 'berth events --help' for more information\n");

  CliRun missing = run({"-H"});
  EXPECT_EQ(missing.code, 125);
  EXPECT_EQ(missing.err,
            "flag needs an argument: 'H' in -H\n\nUsage:  berth [OPTIONS] COMMAND "
            "[ARG...]\n\nRun 'berth --help' for more information\n");

  CliRun badFilter = run({"events", "-f", "foo"});
  EXPECT_EQ(badFilter.code, 125);
  EXPECT_EQ(badFilter.err.substr(0, badFilter.err.find('\n')),
            "invalid argument \"foo\" for \"-f, --filter\" flag: bad format of filter (expected "
            "name=value)");

  CliRun level = run({"--log-level", "bogus", "version"});
  EXPECT_EQ(level.code, 1);
  EXPECT_EQ(level.err, "Unable to parse logging level: bogus\n");

  CliRun host = run({"-H", "bogus://", "version"});
  EXPECT_EQ(host.code, 1);
  EXPECT_EQ(host.err,
            "Failed to initialize: unable to resolve berth endpoint: invalid bind "
            "address format: bogus://\n");
}

TEST(AppTest, VersionFlag) {
  CliRun r = run({"-v"});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out.rfind("berth version 0.1.0, build ", 0), 0u) << r.out;
}

TEST(AppTest, VersionWithoutDaemonPrintsClientThenOneLineError) {
  testing::TempDir dir;
  const std::string sock = "unix://" + dir.path() + "/none.sock";
  CliRun r = run({"-H", sock, "version"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out.rfind("Client:\n Version:           0.1.0\n API version:       1.44\n", 0), 0u)
      << r.out;
  EXPECT_EQ(r.out.find("Server:"), std::string::npos);
  EXPECT_EQ(r.err,
            "Cannot connect to the berth daemon at " + sock + ". Is the berth daemon running?\n");

  CliRun info = run({"-H", sock, "info"});
  EXPECT_EQ(info.code, 1);
  EXPECT_EQ(info.out,
            "Client:\n Version:    0.1.0\n Context:    default\n Debug Mode: false\n\nServer:\n");
  EXPECT_EQ(info.err, r.err);
}

TEST(AppTest, VersionAndInfoAgainstADaemon) {
  TestServer server(fakeDaemon);
  CliRun v = run({"-H", server.url(), "version"});
  EXPECT_EQ(v.code, 0) << v.err;
  EXPECT_NE(v.out.find("\n\nServer:\n Engine:\n  Version:          0.1.0\n"
                       "  API version:      1.44 (minimum version 1.24)\n"),
            std::string::npos)
      << v.out;
  EXPECT_NE(v.out.find("  Built:            Tue Nov 14 22:13:20 2023\n"), std::string::npos);

  CliRun tmpl = run(
      {"-H", server.url(), "version", "--format", "{{.Server.Version}} {{.Client.APIVersion}}"});
  EXPECT_EQ(tmpl.code, 0) << tmpl.err;
  EXPECT_EQ(tmpl.out, "0.1.0 1.44\n");

  CliRun json = run({"-H", server.url(), "version", "-f", "json"});
  EXPECT_EQ(json.code, 0) << json.err;
  auto parsed = nlohmann::json::parse(json.out);
  EXPECT_EQ(parsed["Server"]["Version"], "0.1.0");
  EXPECT_EQ(parsed["Client"]["ApiVersion"], "1.44");
  EXPECT_FALSE(parsed["Client"].contains("APIVersion"));  // only the wire name in JSON output

  CliRun info = run({"-H", server.url(), "info"});
  EXPECT_EQ(info.code, 0) << info.err;
  EXPECT_NE(info.out.find(" Kernel Networking:\n  bridge: yes\n  ipvlan: no (missing)\n"),
            std::string::npos)
      << info.out;
  EXPECT_EQ(info.err, "WARNING: test\n");

  CliRun infoFmt = run({"-H", server.url(), "info", "--format",
                        "{{.ServerVersion}} {{.BerthKernelFeatures.bridge}}"});
  EXPECT_EQ(infoFmt.code, 0) << infoFmt.err;
  EXPECT_EQ(infoFmt.out, "0.1.0 true\n");
}

TEST(AppTest, EventsStreamUntilTheDaemonEndsIt) {
  ::setenv("TZ", "UTC", 1);
  ::tzset();
  TestServer server(fakeDaemon);
  CliRun r = run({"-H", server.url(), "events", "--until", "0s", "-f", "type=network"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out,
            "2023-11-14T22:13:20.000000000Z network create n1 (driver=bridge, name=web)\n"
            "2023-11-14T22:13:21.000000000Z network destroy n1\n");
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[1].target.rfind(
                "/v1.44/events?filters=%7B%22type%22%3A%7B%22network%22%3Atrue%7D%7D&until=", 0),
            0u)
      << reqs[1].target;

  CliRun tmpl = run({"-H", server.url(), "system", "events", "--format", "{{.Type}}/{{.Action}}"});
  EXPECT_EQ(tmpl.code, 0) << tmpl.err;
  EXPECT_EQ(tmpl.out, "network/create\nnetwork/destroy\n");

  CliRun json = run({"-H", server.url(), "events", "--format", "json"});
  EXPECT_EQ(json.code, 0) << json.err;
  EXPECT_EQ(
      json.out.substr(0, json.out.find('\n')),
      R"({"Action":"create","Actor":{"Attributes":{"driver":"bridge","name":"web"},"ID":"n1"},)"
      R"("Type":"network","scope":"local","time":1700000000,"timeNano":1700000000000000000})");
}

}  // namespace
}  // namespace berth::cli
// NOLINTEND(concurrency-mt-unsafe)
