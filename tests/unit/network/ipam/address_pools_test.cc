#include "network/ipam/address_pools.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace berth::network {
namespace {

IpPrefix pfx(std::string_view s) {
  auto p = IpPrefix::parse(s);
  EXPECT_TRUE(p.ok()) << s;
  return p.ok() ? *p : IpPrefix();
}

std::vector<std::string> strings(const std::vector<IpPrefix>& v) {
  std::vector<std::string> out;
  out.reserve(v.size());
  for (const auto& p : v) {
    out.push_back(p.toString());
  }
  return out;
}

TEST(AddressPoolsTest, DockerDefaultsExpandAsDockerd) {
  auto c = strings(candidateSubnets(dockerDefaultAddressPools(), 1000));
  ASSERT_EQ(c.size(), 15U + 16U);
  EXPECT_EQ(c[0], "172.17.0.0/16");
  EXPECT_EQ(c[1], "172.18.0.0/16");
  EXPECT_EQ(c[14], "172.31.0.0/16");
  EXPECT_EQ(c[15], "192.168.0.0/20");
  EXPECT_EQ(c[16], "192.168.16.0/20");
  EXPECT_EQ(c[30], "192.168.240.0/20");
}

TEST(AddressPoolsTest, CandidateLimitAndHugeV6) {
  std::vector<AddressPool> pools = {{pfx("fd00::/8"), 64}};
  auto c = strings(candidateSubnets(pools, 3));
  ASSERT_EQ(c.size(), 3U);
  EXPECT_EQ(c[0], "fd00::/64");
  EXPECT_EQ(c[2], "fd00:0:0:2::/64");
  // A base of the very end of the space stops instead of wrapping.
  auto end = strings(candidateSubnets({{pfx("255.255.255.0/24"), 25}}, 10));
  EXPECT_EQ(end, (std::vector<std::string>{"255.255.255.0/25", "255.255.255.128/25"}));
}

TEST(AddressPoolsTest, ParsesDaemonJson) {
  auto j = nlohmann::json::parse(
      R"([{"base":"10.10.0.0/16","size":24},{"base":"fd00:1::/48","size":64},)"
      R"({"base":"10.20.3.4/16","size":16}])");
  auto pools = parseDefaultAddressPools(j);
  ASSERT_TRUE(pools.ok()) << pools.error().message();
  ASSERT_EQ(pools->size(), 3U);
  EXPECT_EQ((*pools)[0].base.toString(), "10.10.0.0/16");
  EXPECT_EQ((*pools)[0].size, 24);
  EXPECT_EQ((*pools)[1].base.toString(), "fd00:1::/48");
  EXPECT_EQ((*pools)[2].base.toString(), "10.20.0.0/16");  // host bits cleared
  auto c = strings(candidateSubnets(*pools, 2));
  EXPECT_EQ(c, (std::vector<std::string>{"10.10.0.0/24", "10.10.1.0/24"}));
  auto empty = parseDefaultAddressPools(nlohmann::json::array());
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST(AddressPoolsTest, RefusesBadDaemonJson) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"base":"10.10.0.0/16","size":24})", "must be an array"},
      {R"(["10.10.0.0/16"])", "default-address-pools[0]"},
      {R"([{"size":24}])", "\"base\""},
      {R"([{"base":16,"size":24}])", "\"base\""},
      {R"([{"base":"10.10.0.0/16"}])", "\"size\""},
      {R"([{"base":"10.10.0.0/16","size":"24"}])", "\"size\""},
      {R"([{"base":"10.10.0.0/16","size":24.5}])", "\"size\""},
      {R"([{"base":"10.10.0.0","size":24}])", "invalid base 10.10.0.0"},
      {R"([{"base":"10.10.0.0/16","size":24},{"base":"10.11.0.0/16","size":8}])",
       "default-address-pools[1]: size 8 must be between 16"},
      {R"([{"base":"10.10.0.0/16","size":33}])", "size 33"},
      {R"([{"base":"fd00::/48","size":129}])", "and 128"},
  };
  for (const auto& [text, want] : cases) {
    auto r = parseDefaultAddressPools(nlohmann::json::parse(text));
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidArgument);
    EXPECT_NE(r.error().message().find(want), std::string::npos)
        << text << " -> " << r.error().message();
  }
}

TEST(AddressPoolsTest, ParsesTheFlag) {
  auto p = parseDefaultAddressPoolFlag("base=10.10.0.0/16,size=24");
  ASSERT_TRUE(p.ok()) << p.error().message();
  EXPECT_EQ(p->base.toString(), "10.10.0.0/16");
  EXPECT_EQ(p->size, 24);
  for (const char* bad :
       {"", "base=10.10.0.0/16", "size=24", "base=10.10.0.0/16,size=x", "base=10.10.0.0/16,size=8",
        "base=10.10.0.0/16,size=24,color=red", "base=nope,size=24"}) {
    auto r = parseDefaultAddressPoolFlag(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidArgument);
  }
}

TEST(AddressPoolsTest, PickSkipsTakenPrefixes) {
  std::vector<AddressPool> pools = {{pfx("10.0.0.0/16"), 24}, {pfx("fd00::/16"), 64}};
  EXPECT_EQ(pickSubnet(pools, false, {})->toString(), "10.0.0.0/24");
  EXPECT_EQ(pickSubnet(pools, true, {})->toString(), "fd00::/64");
  // Smaller taken prefixes inside candidates, and a bigger one covering several.
  std::vector<IpPrefix> taken = {pfx("10.0.0.128/25"), pfx("10.0.1.7/32"), pfx("10.0.2.0/23"),
                                 pfx("192.168.0.0/16")};
  EXPECT_EQ(pickSubnet(pools, false, taken)->toString(), "10.0.4.0/24");
  // Everything taken: nullopt, and fast even for a v6 /16 split in /64s (2^48 candidates).
  EXPECT_FALSE(pickSubnet(pools, false, {pfx("10.0.0.0/8")}).has_value());
  EXPECT_FALSE(pickSubnet(pools, true, {pfx("fd00::/15")}).has_value());
  std::vector<IpPrefix> v6Taken = {pfx("fd00::/17"), pfx("fd00:8000::/18")};
  EXPECT_EQ(pickSubnet(pools, true, v6Taken)->toString(), "fd00:c000::/64");
  // A base at the very end of the address space does not wrap.
  EXPECT_FALSE(
      pickSubnet({{pfx("255.255.255.0/24"), 25}}, false, {pfx("255.255.255.0/24")}).has_value());
}

}  // namespace
}  // namespace berth::network
