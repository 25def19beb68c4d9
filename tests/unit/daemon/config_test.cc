#include "daemon/config.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

namespace berth::daemon {
namespace {

Result<ParsedCommandLine> parse(std::vector<std::string> args) {
  std::vector<const char*> argv = {"berthd"};
  for (const auto& a : args) {
    argv.push_back(a.c_str());
  }
  return parseCommandLine(static_cast<int>(argv.size()), argv.data());
}

// Temp config files, removed when the test program exits.
class TempFiles : public ::testing::Environment {
 public:
  void TearDown() override {
    for (const auto& p : paths) {
      std::remove(p.c_str());
    }
  }
  std::vector<std::string> paths;
};
TempFiles* const gTempFiles =
    static_cast<TempFiles*>(::testing::AddGlobalTestEnvironment(new TempFiles));

std::string writeTemp(const std::string& content) {
  char path[] = "/tmp/berth-config-test-XXXXXX";
  int fd = mkstemp(path);
  EXPECT_GE(fd, 0);
  ::close(fd);
  std::ofstream(path) << content;
  gTempFiles->paths.emplace_back(path);
  return path;
}

TEST(ConfigTest, DefaultsLikeDockerd) {
  auto p = parse({"--config-file", writeTemp("{}")});
  ASSERT_TRUE(p.ok()) << p.error().message();
  EXPECT_EQ(p->config.dataRoot, "/var/lib/berth");
  EXPECT_EQ(p->config.execRoot, "/run/berth");
  auto addrs = p->config.listenAddresses();
  ASSERT_TRUE(addrs.ok());
  ASSERT_EQ(addrs->size(), 1U);
  EXPECT_EQ((*addrs)[0].toString(), "unix:///run/berth.sock");
}

TEST(ConfigTest, FlagsAndFileMerge) {
  std::string file = writeTemp(R"({"debug": true, "hosts": ["unix:///tmp/a.sock"]})");
  auto p = parse({"--config-file", file, "--data-root", "/tmp/dr", "-H", "unix:///tmp/b.sock",
                  "-H", "unix:///tmp/c.sock"});
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message().find("specified both as a flag and in the configuration file"),
            std::string::npos);
  EXPECT_NE(p.error().message().find("hosts"), std::string::npos);

  auto ok = parse({"--config-file", file, "--data-root", "/tmp/dr"});
  ASSERT_TRUE(ok.ok()) << ok.error().message();
  EXPECT_TRUE(ok->config.debug);
  EXPECT_EQ(ok->config.dataRoot, "/tmp/dr");
  EXPECT_EQ(ok->config.hosts, std::vector<std::string>{"unix:///tmp/a.sock"});
}

TEST(ConfigTest, UnknownKeysAndWrongTypesAreErrors) {
  auto unknown = parse({"--config-file", writeTemp(R"({"colour": "blue"})")});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message().find("don't match any configuration option: colour"),
            std::string::npos);
  auto wrong = parse({"--config-file", writeTemp(R"({"debug": "yes"})")});
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.error().message().find("\"debug\""), std::string::npos);
  auto notJson = parse({"--config-file", writeTemp("{")});
  EXPECT_FALSE(notJson.ok());
  auto missing = parse({"--config-file", "/nonexistent/daemon.json"});
  EXPECT_FALSE(missing.ok());
}

TEST(ConfigTest, PlainTcpNeedsTheInsecureFlag) {
  std::string file = writeTemp("{}");
  auto refused = parse({"--config-file", file, "-H", "tcp://127.0.0.1:2375"});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message().find("--insecure-plain-tcp"), std::string::npos);
  auto forced = parse({"--config-file", file, "-H", "tcp://127.0.0.1:2375", "--insecure-plain-tcp"});
  EXPECT_TRUE(forced.ok());
  auto tlsMissing = parse({"--config-file", file, "-H", "tcp://127.0.0.1:2376", "--tlsverify"});
  ASSERT_FALSE(tlsMissing.ok());
  EXPECT_NE(tlsMissing.error().message().find("--tlscert"), std::string::npos);
}

TEST(ConfigTest, BadValuesAreOneLineErrors) {
  std::string file = writeTemp("{}");
  EXPECT_FALSE(parse({"--config-file", file, "--log-level", "loud"}).ok());
  EXPECT_FALSE(parse({"--config-file", file, "--data-root", "relative"}).ok());
  EXPECT_FALSE(parse({"--config-file", file, "--no-such-flag"}).ok());
  auto help = parse({"--help"});
  ASSERT_TRUE(help.ok());
  EXPECT_TRUE(help->exitNow);
  EXPECT_NE(help->output.find("--data-root"), std::string::npos);
}

}  // namespace
}  // namespace berth::daemon
