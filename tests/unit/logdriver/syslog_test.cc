// The syslog driver against test listeners: a unixgram socket in a temp dir,
// UDP on 127.0.0.1 with an ephemeral port, and TCP.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <regex>

#include "logdriver/log_writer.h"
#include "logdriver/syslog_writer.h"
#include "../../lib/temp_dir.h"

namespace berth {
namespace {

using testlib::TempDir;

constexpr int64_t kT = 1795251600LL * 1'000'000'000 + 123456789;

struct Listener {
  int fd = -1;
  std::string address;
  ~Listener() {
    if (fd >= 0) {
      ::close(fd);
    }
  }
};

void bindUnix(Listener& l, const std::string& path, int type) {
  l.fd = ::socket(AF_UNIX, type, 0);
  struct sockaddr_un addr {};
  addr.sun_family = AF_UNIX;
  ASSERT_LT(path.size(), sizeof(addr.sun_path));
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  ASSERT_EQ(::bind(l.fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  if (type == SOCK_STREAM) {
    ASSERT_EQ(::listen(l.fd, 4), 0);
  }
}

uint16_t bindLoopback(Listener& l, int type) {
  l.fd = ::socket(AF_INET, type, 0);
  struct sockaddr_in addr {};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::bind(l.fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  ::getsockname(l.fd, reinterpret_cast<sockaddr*>(&addr), &len);
  if (type == SOCK_STREAM) {
    EXPECT_EQ(::listen(l.fd, 4), 0);
  }
  return ntohs(addr.sin_port);
}

std::string receive(int fd) {
  struct pollfd p {fd, POLLIN, 0};
  if (::poll(&p, 1, 2000) != 1) {
    return "<timeout>";
  }
  char buf[2048];
  ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "<eof>";
}

std::unique_ptr<LogWriter> openSyslog(LogOptions opts) {
  LogWriterConfig cfg;
  cfg.driver = "syslog";
  cfg.opts = std::move(opts);
  cfg.context.containerId = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  cfg.context.containerName = "web";
  auto w = openLogWriter(cfg);
  EXPECT_TRUE(w.ok()) << w.error().message();
  return w.ok() ? std::move(w).value() : nullptr;
}

TEST(SyslogFormat, Layouts) {
  ::setenv("TZ", "UTC", 1);  // NOLINT(concurrency-mt-unsafe): no other thread yet
  ::tzset();
  EXPECT_EQ(formatSyslogMessage(SyslogFormat::kUnix, 30, kT, "host", "tag", 42, "hi"),
            "<30>Nov 21 09:00:00 tag[42]: hi\n");
  EXPECT_EQ(formatSyslogMessage(SyslogFormat::kRfc3164, 27, kT, "host", "tag", 42, "hi"),
            "<27>Nov 21 09:00:00 host tag[42]: hi\n");
  EXPECT_EQ(formatSyslogMessage(SyslogFormat::kRfc5424, 30, kT, "host", "tag", 42, "hi"),
            "<30>1 2026-11-21T09:00:00Z host tag 42 tag - hi\n");
  EXPECT_EQ(formatSyslogMessage(SyslogFormat::kRfc5424Micro, 30, kT, "host", "tag", 42, "hi"),
            "<30>1 2026-11-21T09:00:00.123456Z host tag 42 tag - hi\n");
}

TEST(SyslogDriver, UnixgramListenerInTempDir) {
  TempDir dir;
  Listener l;
  std::string path = dir.file("syslog.sock");
  bindUnix(l, path, SOCK_DGRAM);
  auto w = openSyslog({{"syslog-address", "unixgram://" + path}});
  ASSERT_NE(w, nullptr);
  ASSERT_TRUE(w->write({LogStream::kStdout, kT, "hello\n"}).ok());
  ASSERT_TRUE(w->write({LogStream::kStderr, kT, "oops\n"}).ok());
  std::string pid = std::to_string(::getpid());
  // Default: facility daemon (3), info for stdout, err for stderr; tag = short id.
  EXPECT_TRUE(std::regex_match(receive(l.fd),
                               std::regex("<30>[A-Z][a-z]{2} [ 0-9]\\d \\d\\d:\\d\\d:\\d\\d 0123456789ab\\[" +
                                          pid + "\\]: hello\n")));
  std::string second = receive(l.fd);
  EXPECT_EQ(second.substr(0, 4), "<27>");
  EXPECT_NE(second.find("]: oops\n"), std::string::npos);
}

TEST(SyslogDriver, UnixSchemeFallsBackToADatagramListener) {
  TempDir dir;
  Listener l;
  std::string path = dir.file("devlog");
  bindUnix(l, path, SOCK_DGRAM);
  auto w = openSyslog({{"syslog-address", "unix://" + path}, {"tag", "{{.Name}}"}});
  ASSERT_NE(w, nullptr);
  ASSERT_TRUE(w->write({LogStream::kStdout, kT, "x\n"}).ok());
  EXPECT_NE(receive(l.fd).find(" web["), std::string::npos);
}

TEST(SyslogDriver, UdpOnLoopback) {
  Listener l;
  uint16_t port = bindLoopback(l, SOCK_DGRAM);
  auto w = openSyslog({{"syslog-address", "udp://127.0.0.1:" + std::to_string(port)},
                       {"syslog-format", "rfc5424"},
                       {"syslog-facility", "local0"},
                       {"tag", "app"}});
  ASSERT_NE(w, nullptr);
  ASSERT_TRUE(w->write({LogStream::kStdout, kT, "over udp\n"}).ok());
  std::string msg = receive(l.fd);
  EXPECT_EQ(msg.substr(0, 7), "<134>1 ");  // local0 (16) * 8 + info (6)
  EXPECT_NE(msg.find(" app " + std::to_string(::getpid()) + " app - over udp\n"), std::string::npos)
      << msg;
}

TEST(SyslogDriver, TcpOnLoopbackIsNewlineFramed) {
  Listener l;
  uint16_t port = bindLoopback(l, SOCK_STREAM);
  auto w = openSyslog({{"syslog-address", "tcp://127.0.0.1:" + std::to_string(port)},
                       {"syslog-format", "rfc3164"}});
  ASSERT_NE(w, nullptr);
  int conn = ::accept(l.fd, nullptr, nullptr);
  ASSERT_GE(conn, 0);
  ASSERT_TRUE(w->write({LogStream::kStdout, kT, "a\n"}).ok());
  ASSERT_TRUE(w->write({LogStream::kStdout, kT, "b"}).ok());
  std::string got;
  while (std::count(got.begin(), got.end(), '\n') < 2) {
    std::string part = receive(conn);
    ASSERT_NE(part, "<timeout>");
    got += part;
  }
  EXPECT_NE(got.find("]: a\n<30>"), std::string::npos) << got;
  EXPECT_EQ(got.substr(got.size() - 5), "]: b\n");
  ::close(conn);
}

TEST(SyslogDriver, UnreachableAddressFailsAtOpen) {
  TempDir dir;
  Listener l;
  std::string path = dir.file("gone.sock");
  bindUnix(l, path, SOCK_DGRAM);
  ::close(l.fd);
  l.fd = -1;
  LogWriterConfig cfg;
  cfg.driver = "syslog";
  cfg.opts = {{"syslog-address", "unixgram://" + path}};
  auto w = openLogWriter(cfg);
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.error().message().find("failed to initialize logging driver"), std::string::npos);
}

}  // namespace
}  // namespace berth
