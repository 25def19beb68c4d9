#include "cli/daemon_host.h"

#include <gtest/gtest.h>

#include <cstdlib>

// The tests change the environment on purpose; gtest runs them on one thread.
// NOLINTBEGIN(concurrency-mt-unsafe)
namespace berth::cli {
namespace {

DaemonHost parse(std::string_view spec, bool tls = false) {
  auto h = parseDaemonHost(spec, tls);
  EXPECT_TRUE(h.ok()) << spec << ": " << (h.ok() ? "" : h.error().message());
  return h.ok() ? *h : DaemonHost{};
}

TEST(DaemonHostTest, UnixSockets) {
  EXPECT_EQ(parse("").url(), "unix:///run/berth.sock");
  EXPECT_EQ(parse("  ").path, "/run/berth.sock");
  EXPECT_EQ(parse("unix://").path, "/run/berth.sock");
  DaemonHost h = parse("unix:///tmp/x/berth.sock");
  EXPECT_EQ(h.scheme, DaemonHost::Scheme::kUnix);
  EXPECT_EQ(h.path, "/tmp/x/berth.sock");
  EXPECT_EQ(h.url(), "unix:///tmp/x/berth.sock");
}

TEST(DaemonHostTest, TcpHosts) {
  DaemonHost h = parse("tcp://10.0.0.1:2376");
  EXPECT_EQ(h.scheme, DaemonHost::Scheme::kTcp);
  EXPECT_EQ(h.host, "10.0.0.1");
  EXPECT_EQ(h.port, 2376);
  EXPECT_EQ(parse("tcp://example.com").port, 2375);
  EXPECT_EQ(parse("tcp://example.com", true).port, 2376);  // TLS default port
  EXPECT_EQ(parse("tcp://:1234").url(), "tcp://localhost:1234");
  EXPECT_EQ(parse("example.com:99").url(), "tcp://example.com:99");  // no scheme: tcp
  EXPECT_EQ(parse("tcp://[::1]:5000").host, "::1");
  EXPECT_EQ(parse("tcp://[::1]:5000").url(), "tcp://[::1]:5000");
  EXPECT_EQ(parse("tcp://h:1/").port, 1);
}

TEST(DaemonHostTest, BadHostsUseDockersWords) {
  auto bad = parseDaemonHost("bogus://", false);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(), "invalid bind address format: bogus://");
  EXPECT_FALSE(parseDaemonHost("ssh://me@host", false).ok());
  auto port = parseDaemonHost("tcp://h:abc", false);
  ASSERT_FALSE(port.ok());
  EXPECT_EQ(port.error().message(), "invalid bind address (tcp://h:abc): invalid port \"abc\"");
  EXPECT_FALSE(parseDaemonHost("tcp://h:70000", false).ok());
  EXPECT_FALSE(parseDaemonHost("tcp://h:1/api", false).ok());
  EXPECT_FALSE(parseDaemonHost("tcp://[::1", false).ok());
}

TEST(DaemonHostTest, FlagThenBerthHostThenDockerHost) {
  ::unsetenv("BERTH_HOST");
  ::unsetenv("DOCKER_HOST");
  EXPECT_EQ(chooseHostSpec(""), "unix:///run/berth.sock");
  ::setenv("DOCKER_HOST", "tcp://docker:1", 1);
  EXPECT_EQ(chooseHostSpec(""), "tcp://docker:1");
  ::setenv("BERTH_HOST", "unix:///b.sock", 1);
  EXPECT_EQ(chooseHostSpec(""), "unix:///b.sock");
  EXPECT_EQ(chooseHostSpec("tcp://flag:2"), "tcp://flag:2");
  ::unsetenv("BERTH_HOST");
  ::unsetenv("DOCKER_HOST");
}

TEST(DaemonHostTest, TlsDefaultsFromTheCertDirectory) {
  ::unsetenv("DOCKER_TLS_VERIFY");
  ::setenv("BERTH_CERT_PATH", "/nonexistent-berth-certs", 1);
  TlsSettings off = resolveTlsSettings(false, false, "", "", "");
  EXPECT_FALSE(off.enabled);
  TlsSettings verify = resolveTlsSettings(false, true, "", "/c.pem", "/k.pem");
  EXPECT_TRUE(verify.enabled);  // --tlsverify implies --tls
  EXPECT_TRUE(verify.verify);
  EXPECT_EQ(verify.caFile, "");  // default files that do not exist are dropped
  EXPECT_EQ(verify.certFile, "/c.pem");
  EXPECT_EQ(verify.keyFile, "/k.pem");
  ::setenv("DOCKER_TLS_VERIFY", "1", 1);
  EXPECT_TRUE(resolveTlsSettings(false, false, "", "", "").verify);
  ::unsetenv("DOCKER_TLS_VERIFY");
  ::unsetenv("BERTH_CERT_PATH");
}

}  // namespace
}  // namespace berth::cli
// NOLINTEND(concurrency-mt-unsafe)
