#include "common/ip.h"

#include <gtest/gtest.h>

#include <limits>
#include <set>

namespace berth {
namespace {

IpAddress addr(std::string_view s) {
  auto a = IpAddress::parse(s);
  EXPECT_TRUE(a.ok()) << s;
  return a.ok() ? *a : IpAddress();
}

IpPrefix pfx(std::string_view s) {
  auto p = IpPrefix::parse(s);
  EXPECT_TRUE(p.ok()) << s << ": " << (p.ok() ? "" : p.error().message());
  return p.ok() ? *p : IpPrefix();
}

TEST(IpAddressTest, ParsesV4AndV6Canonically) {
  auto a = IpAddress::parse("10.0.0.1");
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a->isV4());
  EXPECT_FALSE(a->isV6());
  EXPECT_EQ(a->toString(), "10.0.0.1");
  EXPECT_EQ(a->bytes()[0], 10);
  EXPECT_EQ(a->bytes()[3], 1);
  EXPECT_EQ(a->bytes()[4], 0);

  auto b = IpAddress::parse("FD00:0:0::0001");
  ASSERT_TRUE(b.ok());
  EXPECT_TRUE(b->isV6());
  EXPECT_EQ(b->toString(), "fd00::1");
  EXPECT_EQ(b->bitCount(), 128);

  auto mapped = IpAddress::parse("::ffff:1.2.3.4");
  ASSERT_TRUE(mapped.ok());
  EXPECT_TRUE(mapped->isV6());
}

TEST(IpAddressTest, RefusesBadText) {
  for (const char* s : {"", "10.0.0", "10.1", "256.0.0.1", "10.0.0.1 ", " 10.0.0.1", "010.0.0.1",
                        "fe80::1%eth0", "fd00:::1", "1.2.3.4/24", "abc", "::g"}) {
    auto r = IpAddress::parse(s);
    EXPECT_FALSE(r.ok()) << s;
    if (!r.ok()) {
      EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidArgument);
    }
  }
}

TEST(IpAddressTest, PlusWrapsWithinFamily) {
  EXPECT_EQ(addr("10.0.0.255").plus(1).toString(), "10.0.1.0");
  EXPECT_EQ(addr("255.255.255.255").plus(1).toString(), "0.0.0.0");
  EXPECT_EQ(addr("10.0.0.0").plus(0x01000000).toString(), "11.0.0.0");
  EXPECT_EQ(addr("0.0.0.1").plus(std::numeric_limits<uint64_t>::max()).toString(), "0.0.0.0");
  EXPECT_EQ(addr("fd00::ffff").plus(1).toString(), "fd00::1:0");
  EXPECT_EQ(addr("fd00::ffff:ffff:ffff:ffff").plus(1).toString(), "fd00:0:0:1::");
  EXPECT_EQ(addr("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff").plus(2).toString(), "::1");
  EXPECT_TRUE(addr("255.255.255.255").plus(1).isV4());
}

TEST(IpAddressTest, OrdersV4BeforeV6ThenNumerically) {
  EXPECT_LT(addr("255.255.255.255"), addr("::"));
  EXPECT_LT(addr("10.0.0.2"), addr("10.0.0.10"));
  EXPECT_LT(addr("fd00::2"), addr("fd00::10"));
  EXPECT_EQ(addr("fd00::1"), addr("fd00:0::1"));
  std::set<IpAddress> s{addr("10.0.0.3"), addr("fd00::1"), addr("10.0.0.1")};
  EXPECT_EQ(s.begin()->toString(), "10.0.0.1");
  EXPECT_EQ(s.rbegin()->toString(), "fd00::1");
}

TEST(IpAddressTest, Bit) {
  EXPECT_TRUE(addr("128.0.0.0").bit(0));
  EXPECT_FALSE(addr("128.0.0.0").bit(1));
  EXPECT_TRUE(addr("0.0.0.1").bit(31));
}

TEST(IpPrefixTest, ParsesAndPrints) {
  auto p = IpPrefix::parse("172.18.0.0/16");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->length(), 16);
  EXPECT_TRUE(p->isV4());
  EXPECT_EQ(p->address().toString(), "172.18.0.0");
  EXPECT_EQ(p->toString(), "172.18.0.0/16");
  EXPECT_EQ(pfx("FD00::/64").toString(), "fd00::/64");
  EXPECT_EQ(pfx("0.0.0.0/0").size(), uint64_t{1} << 32);
  EXPECT_EQ(pfx("::/0").length(), 0);
  EXPECT_EQ(pfx("10.0.0.1/32").size(), 1U);
}

TEST(IpPrefixTest, RefusesBadCidrs) {
  for (const char* s :
       {"172.18.0.0", "172.18.0.0/", "172.18.0.0/33", "fd00::/129", "172.18.0.0/-1",
        "172.18.0.0/16x", "172.18.0.0/016", "172.18.0/16", "/16", "10.0.0.0/1 6", "10.0.0.0/+8"}) {
    auto r = IpPrefix::parse(s);
    EXPECT_FALSE(r.ok()) << s;
    if (!r.ok()) {
      EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidArgument);
      EXPECT_NE(r.error().message().find(s), std::string::npos) << r.error().message();
    }
  }
}

TEST(IpPrefixTest, HostBitsRefusedByParseKeptByParseInterface) {
  auto r = IpPrefix::parse("172.18.0.5/16");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("172.18.0.0/16"), std::string::npos) << r.error().message();
  auto i = IpPrefix::parseInterface("172.18.0.5/16");
  ASSERT_TRUE(i.ok());
  EXPECT_EQ(i->toString(), "172.18.0.5/16");
  EXPECT_EQ(i->masked().toString(), "172.18.0.0/16");
  EXPECT_EQ(i->first().toString(), "172.18.0.0");
  auto v6 = IpPrefix::parseInterface("fd00::5/64");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->masked().toString(), "fd00::/64");
  EXPECT_FALSE(IpPrefix::parse("fd00::5/64").ok());
}

TEST(IpPrefixTest, ContainsAddresses) {
  IpPrefix p = pfx("172.18.0.0/16");
  EXPECT_TRUE(p.contains(addr("172.18.0.0")));
  EXPECT_TRUE(p.contains(addr("172.18.255.255")));
  EXPECT_FALSE(p.contains(addr("172.19.0.0")));
  EXPECT_FALSE(p.contains(addr("172.17.255.255")));
  EXPECT_FALSE(p.contains(addr("::ffff:172.18.0.1")));  // other family
  EXPECT_TRUE(pfx("0.0.0.0/0").contains(addr("1.2.3.4")));
  EXPECT_FALSE(pfx("::/0").contains(addr("1.2.3.4")));
  EXPECT_TRUE(pfx("fd00::/64").contains(addr("fd00::ffff:ffff:ffff:ffff")));
  EXPECT_FALSE(pfx("fd00::/64").contains(addr("fd00:0:0:1::")));
  EXPECT_TRUE(pfx("10.0.0.7/32").contains(addr("10.0.0.7")));
  EXPECT_FALSE(pfx("10.0.0.7/32").contains(addr("10.0.0.6")));
}

TEST(IpPrefixTest, ContainsAndOverlapsPrefixes) {
  IpPrefix big = pfx("172.16.0.0/12");
  IpPrefix small = pfx("172.18.0.0/16");
  IpPrefix other = pfx("192.168.0.0/16");
  EXPECT_TRUE(big.contains(small));
  EXPECT_FALSE(small.contains(big));
  EXPECT_TRUE(small.contains(small));
  EXPECT_TRUE(big.overlaps(small));
  EXPECT_TRUE(small.overlaps(big));
  EXPECT_FALSE(small.overlaps(other));
  EXPECT_FALSE(pfx("172.18.0.0/24").overlaps(pfx("172.18.1.0/24")));
  EXPECT_TRUE(pfx("0.0.0.0/0").overlaps(pfx("10.0.0.0/8")));
  EXPECT_FALSE(pfx("0.0.0.0/0").overlaps(pfx("::/0")));
  EXPECT_TRUE(pfx("fd00::/8").overlaps(pfx("fd12:3456::/64")));
  EXPECT_FALSE(pfx("fd00::/64").overlaps(pfx("fd00:0:0:1::/64")));
  // Host bits of an interface prefix do not matter.
  auto iface = IpPrefix::parseInterface("172.18.3.4/16");
  ASSERT_TRUE(iface.ok());
  EXPECT_TRUE(iface->contains(small));
  EXPECT_TRUE(iface->overlaps(pfx("172.18.200.0/24")));
}

TEST(IpPrefixTest, FirstLastNth) {
  IpPrefix p = pfx("172.18.0.0/16");
  EXPECT_EQ(p.first().toString(), "172.18.0.0");
  EXPECT_EQ(p.last().toString(), "172.18.255.255");
  EXPECT_EQ(p.nth(0).toString(), "172.18.0.0");
  EXPECT_EQ(p.nth(1).toString(), "172.18.0.1");
  EXPECT_EQ(p.nth(256).toString(), "172.18.1.0");
  EXPECT_EQ(p.nth(65535).toString(), "172.18.255.255");
  EXPECT_EQ(p.nth(65536).toString(), "172.18.0.0");  // wraps inside the prefix
  IpPrefix q = pfx("10.0.0.0/30");
  EXPECT_EQ(q.last().toString(), "10.0.0.3");
  EXPECT_EQ(q.nth(5).toString(), "10.0.0.1");
  IpPrefix v6 = pfx("fd00:1::/64");
  EXPECT_EQ(v6.first().toString(), "fd00:1::");
  EXPECT_EQ(v6.last().toString(), "fd00:1::ffff:ffff:ffff:ffff");
  EXPECT_EQ(v6.nth(1).toString(), "fd00:1::1");
  EXPECT_EQ(v6.nth(0x10000).toString(), "fd00:1::1:0");
  EXPECT_EQ(v6.nth(std::numeric_limits<uint64_t>::max()).toString(), "fd00:1::ffff:ffff:ffff:ffff");
  EXPECT_EQ(pfx("0.0.0.0/0").last().toString(), "255.255.255.255");
  EXPECT_EQ(pfx("10.1.2.3/32").last().toString(), "10.1.2.3");
}

TEST(IpPrefixTest, SizeSaturates) {
  EXPECT_EQ(pfx("10.0.0.0/30").size(), 4U);
  EXPECT_EQ(pfx("10.0.0.0/8").size(), uint64_t{1} << 24);
  EXPECT_EQ(pfx("fd00::/120").size(), 256U);
  EXPECT_EQ(pfx("fd00::/65").size(), uint64_t{1} << 63);
  EXPECT_EQ(pfx("fd00::/64").size(), std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(pfx("::/0").size(), std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(pfx("fd00::1/128").size(), 1U);
}

TEST(IpPrefixTest, ConstructorClampsLength) {
  IpPrefix p(addr("10.0.0.1"), 40);
  EXPECT_EQ(p.length(), 32);
  IpPrefix q(addr("10.0.0.1"), -3);
  EXPECT_EQ(q.length(), 0);
  EXPECT_EQ(q.masked().toString(), "0.0.0.0/0");
}

}  // namespace
}  // namespace berth
