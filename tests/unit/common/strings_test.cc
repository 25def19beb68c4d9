#include "common/strings.h"

#include <gtest/gtest.h>

namespace berth {
namespace {

TEST(StringsTest, SplitKeepsEmptyFields) {
  auto parts = split("a,,b", ',');
  ASSERT_EQ(parts.size(), 3U);
  EXPECT_EQ(parts[1], "");
  EXPECT_EQ(parts[2], "b");
}

TEST(StringsTest, TrimJoinLower) {
  EXPECT_EQ(trim("  x y \n"), "x y");
  EXPECT_EQ(join({"a", "b"}, ", "), "a, b");
  EXPECT_EQ(toLower("AbC"), "abc");
  EXPECT_TRUE(startsWith("/v1.44/info", "/v1."));
}

}  // namespace
}  // namespace berth

#include "common/host_address.h"

namespace berth {
namespace {

TEST(HostAddressTest, ParsesDockerForms) {
  auto u = parseHostAddress("unix:///run/x.sock");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->kind, HostAddress::Kind::kUnix);
  EXPECT_EQ(u->path, "/run/x.sock");
  auto t = parseHostAddress("tcp://0.0.0.0:2376");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->host, "0.0.0.0");
  EXPECT_EQ(t->port, 2376);
  auto d = parseHostAddress("tcp://:9000");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->host, "127.0.0.1");
  auto v6 = parseHostAddress("tcp://[::1]:2375");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->toString(), "tcp://[::1]:2375");
  auto noPort = parseHostAddress("tcp://127.0.0.1", 2376);
  ASSERT_TRUE(noPort.ok());
  EXPECT_EQ(noPort->port, 2376);
  EXPECT_FALSE(parseHostAddress("unix://relative").ok());
  EXPECT_FALSE(parseHostAddress("tcp://h:99999").ok());
  EXPECT_FALSE(parseHostAddress("fd://").ok());
  EXPECT_FALSE(parseHostAddress("tcp://h:1/path").ok());
}

}  // namespace
}  // namespace berth
