#include "logdriver/log_options.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include "../../lib/temp_dir.h"

namespace berth {
namespace {

using testlib::TempDir;

TEST(ValidateLogConfig, AcceptsDefaultsAndKnownOptions) {
  TempDir dir;
  EXPECT_TRUE(validateLogConfig("json-file", {}).ok());
  EXPECT_TRUE(validateLogConfig("json-file", {{"max-size", "10m"}, {"max-file", "3"},
                                              {"compress", "false"}, {"labels", "a,b"},
                                              {"env", "X"}, {"tag", "{{.Name}}/{{.ID}}"}})
                  .ok());
  EXPECT_TRUE(validateLogConfig("local", {{"max-size", "1k"}, {"max-file", "2"}}).ok());
  EXPECT_TRUE(validateLogConfig("none", {{"anything", "goes"}}).ok());
  EXPECT_TRUE(validateLogConfig("json-file", {{"mode", "non-blocking"}, {"max-buffer-size", "4m"}}).ok());
}

TEST(ValidateLogConfig, UnknownDriverAndOptionAreInvalid) {
  Status st = validateLogConfig("fluentd", {});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().kind(), ErrorKind::kInvalidArgument);
  EXPECT_EQ(st.error().message(), "logger: no log driver named 'fluentd' is registered");

  st = validateLogConfig("json-file", {{"max-sise", "1m"}});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().kind(), ErrorKind::kInvalidArgument);
  EXPECT_EQ(st.error().message(), "unknown log opt 'max-sise' for json-file log driver");

  st = validateLogConfig("local", {{"labels", "x"}});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message(), "unknown log opt 'labels' for local log driver");
}

TEST(ValidateLogConfig, BadValuesAreInvalid) {
  struct Case {
    const char* driver;
    LogOptions opts;
    const char* message;
  };
  const Case cases[] = {
      {"json-file", {{"max-size", "ten"}}, "invalid size: 'ten'"},
      {"json-file", {{"max-size", "0"}}, "max-size must be a positive number"},
      {"json-file", {{"max-file", "0"}}, "max-file cannot be less than 1"},
      {"json-file", {{"max-file", "x"}}, "invalid value for max-file: x"},
      {"json-file", {{"compress", "maybe"}}, "invalid boolean value for compress: \"maybe\""},
      {"local", {{"max-size", "1q"}}, "invalid size: '1q'"},
      {"json-file", {{"tag", "{{.Bogus}}"}}, nullptr},
      {"json-file", {{"labels-regex", "("}}, nullptr},
      {"json-file", {{"mode", "fast"}}, "logger: logging mode not supported: fast"},
      {"json-file", {{"max-buffer-size", "1m"}}, nullptr},
      {"syslog", {{"syslog-address", "udp//x"}}, nullptr},
      {"syslog", {{"syslog-address", "http://x"}}, "unsupported scheme: 'http'"},
      {"syslog", {{"syslog-address", "udp://127.0.0.1:99999"}}, nullptr},
      {"syslog", {{"syslog-address", "unixgram:///nonexistent/berth.sock"}}, nullptr},
      {"syslog", {{"syslog-address", "udp://127.0.0.1"}, {"syslog-format", "rfc9999"}},
       "Invalid syslog format"},
      {"syslog", {{"syslog-address", "udp://127.0.0.1"}, {"syslog-facility", "kitchen"}},
       "invalid syslog facility"},
      {"journald", {{"max-size", "1m"}}, "unknown log opt 'max-size' for journald log driver"},
  };
  for (const Case& c : cases) {
    Status st = validateLogConfig(c.driver, c.opts);
    ASSERT_FALSE(st.ok()) << c.driver << " " << c.opts.begin()->first;
    EXPECT_EQ(st.error().kind(), ErrorKind::kInvalidArgument) << st.error().message();
    if (c.message != nullptr) {
      EXPECT_EQ(st.error().message(), c.message);
    }
  }
}

TEST(ValidateLogConfig, CompressTrueIsRefusedClearly) {
  Status st = validateLogConfig("json-file", {{"compress", "true"}, {"max-size", "1m"}, {"max-file", "3"}});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().kind(), ErrorKind::kInvalidArgument);
  EXPECT_NE(st.error().message().find("compress"), std::string::npos);
}

TEST(ValidateLogConfig, JournaldWithoutSocketIsUnavailable) {
  TempDir dir;
  Status st = validateLogConfig("journald", {}, dir.file("no-journal-socket"));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().kind(), ErrorKind::kUnavailable);
  EXPECT_EQ(st.error().message(), "journald is not available on this host (no " +
                                      dir.file("no-journal-socket") + ")");
  // With the host's default path, the message is the one the issue asks for.
  if (::access(std::string(kJournaldSocket).c_str(), F_OK) != 0) {
    st = validateLogConfig("journald", {});
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().kind(), ErrorKind::kUnavailable);
    EXPECT_EQ(st.error().message(),
              "journald is not available on this host (no /run/systemd/journal/socket)");
  }
}

TEST(ValidateLogConfig, JournaldWithSocketIsFine) {
  TempDir dir;
  std::string path = dir.file("journal.sock");
  int fd = ::socket(AF_UNIX, SOCK_DGRAM, 0);
  struct sockaddr_un addr {};
  addr.sun_family = AF_UNIX;
  ASSERT_LT(path.size(), sizeof(addr.sun_path));
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  EXPECT_TRUE(validateLogConfig("journald", {{"tag", "x"}}, path).ok());
  ::close(fd);
}

TEST(ParseHumanSize, FollowsGoUnitsDecimal) {
  EXPECT_EQ(*parseHumanSize("10m"), 10'000'000);
  EXPECT_EQ(*parseHumanSize("10MB"), 10'000'000);
  EXPECT_EQ(*parseHumanSize("10 mb"), 10'000'000);
  EXPECT_EQ(*parseHumanSize("1.5k"), 1500);
  EXPECT_EQ(*parseHumanSize("2g"), 2'000'000'000);
  EXPECT_EQ(*parseHumanSize("2GiB"), 2'000'000'000);
  EXPECT_EQ(*parseHumanSize("512"), 512);
  for (const char* bad : {"", "m", "-1", "1.2.3k", "10x", "10mm", " 10m", ".5k"}) {
    EXPECT_FALSE(parseHumanSize(bad).ok()) << bad;
  }
}

TEST(ParseOptions, FileDefaults) {
  auto j = parseJsonFileOptions({});
  EXPECT_EQ(j->maxSize, -1);
  EXPECT_EQ(j->maxFile, 1);
  auto l = parseLocalOptions({});
  EXPECT_EQ(l->maxSize, 20 * 1024 * 1024);
  EXPECT_EQ(l->maxFile, 5);
}

TEST(ParseOptions, SyslogAddresses) {
  auto o = parseSyslogOptions({{"syslog-address", "udp://10.0.0.1:5514"}});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->address.kind, SyslogAddress::Kind::kUdp);
  EXPECT_EQ(o->address.host, "10.0.0.1");
  EXPECT_EQ(o->address.port, 5514);
  o = parseSyslogOptions({{"syslog-address", "tcp://logs.example"}});
  EXPECT_EQ(o->address.kind, SyslogAddress::Kind::kTcp);
  EXPECT_EQ(o->address.port, 514);
  o = parseSyslogOptions({{"syslog-address", "udp://[::1]:600"}});
  EXPECT_EQ(o->address.host, "::1");
  EXPECT_EQ(o->address.port, 600);
  o = parseSyslogOptions({{"syslog-facility", "local3"}, {"syslog-format", "rfc5424"}});
  EXPECT_EQ(o->facility, 19);
  EXPECT_EQ(o->format, SyslogFormat::kRfc5424);
  EXPECT_EQ(o->address.kind, SyslogAddress::Kind::kLocal);
  EXPECT_EQ(parseSyslogOptions({{"syslog-facility", "23"}})->facility, 23);
  EXPECT_FALSE(parseSyslogOptions({{"syslog-facility", "24"}}).ok());
  EXPECT_FALSE(parseSyslogOptions({{"syslog-address", "tcp+tls://x:1"}}).ok());
}

TEST(RenderLogTag, KnownFieldsOnly) {
  LogContext ctx;
  ctx.containerId = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  ctx.containerName = "/web";
  ctx.imageId = "sha256:aaaabbbbccccdddd";
  ctx.imageName = "busybox:latest";
  EXPECT_EQ(*renderLogTag("{{.ID}}", ctx), "0123456789ab");
  EXPECT_EQ(*renderLogTag("{{ .Name }}/{{.FullID}}", ctx), "web/" + ctx.containerId);
  EXPECT_EQ(*renderLogTag("app-{{.ImageName}}-{{.ImageID}}-{{.DaemonName}}", ctx),
            "app-busybox:latest-aaaabbbbcccc-docker");
  EXPECT_EQ(*renderLogTag("plain", ctx), "plain");
  EXPECT_FALSE(renderLogTag("{{.Command}}", ctx).ok());
  EXPECT_FALSE(renderLogTag("{{.ID", ctx).ok());
}

TEST(LogAttributes, LabelsAndEnvLikeDockerd) {
  std::map<std::string, std::string> labels{{"app", "web"}, {"tier", "front"}, {"x.y", "z"}};
  std::vector<std::string> env{"PATH=/bin", "STAGE=prod", "EMPTY=", "NOVALUE"};
  auto attrs = logAttributes({{"labels", "app,missing"}, {"env", "STAGE,EMPTY,NOVALUE"}}, labels, env);
  ASSERT_TRUE(attrs.ok());
  EXPECT_EQ(*attrs, (std::map<std::string, std::string>{{"app", "web"}, {"STAGE", "prod"}, {"EMPTY", ""}}));
  attrs = logAttributes({{"labels-regex", "^t"}, {"env-regex", "ATH$"}}, labels, env);
  EXPECT_EQ(*attrs, (std::map<std::string, std::string>{{"tier", "front"}, {"PATH", "/bin"}}));
  EXPECT_FALSE(logAttributes({{"env-regex", "[" }}, labels, env).ok());
}

TEST(LogDriverSupportsReading, OnlyFileDrivers) {
  EXPECT_TRUE(logDriverSupportsReading("json-file"));
  EXPECT_TRUE(logDriverSupportsReading("local"));
  EXPECT_FALSE(logDriverSupportsReading("syslog"));
  EXPECT_FALSE(logDriverSupportsReading("journald"));
  EXPECT_FALSE(logDriverSupportsReading("none"));
}

}  // namespace
}  // namespace berth
