#include "network/ipam/default_ipam.h"

#include <gtest/gtest.h>

#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace berth::network {
namespace {

PoolRequest subnetRequest(const std::string& subnet) {
  PoolRequest r;
  r.subnet = subnet;
  return r;
}

Pool mustPool(Ipam& ipam, const PoolRequest& r) {
  auto p = ipam.requestPool(r);
  EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error().message());
  return p.ok() ? *p : Pool{};
}

std::string mustAddress(Ipam& ipam, const std::string& pool, const std::string& preferred = "") {
  auto a = ipam.requestAddress(pool, preferred);
  EXPECT_TRUE(a.ok()) << (a.ok() ? "" : a.error().message());
  return a.ok() ? *a : "";
}

TEST(DefaultIpamTest, DefaultPoolsAreDockerdsInOrder) {
  DefaultIpam ipam;
  Pool a = mustPool(ipam, {});
  EXPECT_EQ(a.id, "172.17.0.0/16");
  EXPECT_EQ(a.subnet, "172.17.0.0/16");
  EXPECT_EQ(a.gateway, "172.17.0.1");
  EXPECT_EQ(a.ipRange, "");
  EXPECT_TRUE(a.auxAddresses.empty());
  Pool b = mustPool(ipam, {});
  EXPECT_EQ(b.subnet, "172.18.0.0/16");
  // A released pool is picked again first.
  ASSERT_TRUE(ipam.releasePool(a.id).ok());
  EXPECT_EQ(mustPool(ipam, {}).subnet, "172.17.0.0/16");
}

TEST(DefaultIpamTest, PickSkipsPoolsInUseAndAvoidedPrefixes) {
  DefaultIpam ipam;
  mustPool(ipam, subnetRequest("172.17.0.0/16"));    // the default bridge
  mustPool(ipam, subnetRequest("172.19.128.0/24"));  // an explicit subnet inside a default
  PoolRequest r;
  r.avoid = {"0.0.0.0/0", "172.18.5.0/24", "10.0.0.0/8", "172.20.0.1/32"};
  // 172.18 is a host route, 172.19 overlaps a pool in use, 172.20 holds a host address.
  EXPECT_EQ(mustPool(ipam, r).subnet, "172.21.0.0/16");
  // A big avoided prefix is skipped in one go: 172.16.0.0/12 covers every /16 default.
  r.avoid = {"172.16.0.0/12"};
  EXPECT_EQ(mustPool(ipam, r).subnet, "192.168.0.0/20");
  r.avoid = {"172.16.0.0/12", "192.168.0.0/19"};
  EXPECT_EQ(mustPool(ipam, r).subnet, "192.168.32.0/20");
}

TEST(DefaultIpamTest, DefaultPoolsExhausted) {
  DefaultIpam ipam({{*IpPrefix::parse("10.9.0.0/23"), 24}});
  EXPECT_EQ(mustPool(ipam, {}).subnet, "10.9.0.0/24");
  EXPECT_EQ(mustPool(ipam, {}).subnet, "10.9.1.0/24");
  auto r = ipam.requestPool({});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind(), ErrorKind::kUnavailable);
  EXPECT_EQ(r.error().message(),
            "could not find an available, non-overlapping IPv4 address pool among the defaults "
            "to assign to the network");
}

TEST(DefaultIpamTest, BadAvoidIsInvalid) {
  DefaultIpam ipam;
  PoolRequest r;
  r.avoid = {"not-a-cidr"};
  auto p = ipam.requestPool(r);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().kind(), ErrorKind::kInvalidArgument);
}

TEST(DefaultIpamTest, ExplicitSubnetOverlapIsRefused) {
  DefaultIpam ipam;
  mustPool(ipam, subnetRequest("10.1.0.0/16"));
  for (const char* s : {"10.1.0.0/16", "10.1.2.0/24", "10.0.0.0/8"}) {
    auto r = ipam.requestPool(subnetRequest(s));
    ASSERT_FALSE(r.ok()) << s;
    EXPECT_EQ(r.error().kind(), ErrorKind::kConflict);
    EXPECT_EQ(r.error().message(), "Pool overlaps with other one on this address space");
  }
  EXPECT_TRUE(ipam.requestPool(subnetRequest("10.2.0.0/16")).ok());
  // A picked default pool counts as in use too.
  Pool picked = mustPool(ipam, {});
  auto r = ipam.requestPool(subnetRequest(picked.subnet));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind(), ErrorKind::kConflict);
  // Explicit subnets are not checked against `avoid` (dockerd does not either).
  PoolRequest withAvoid = subnetRequest("10.3.0.0/16");
  withAvoid.avoid = {"10.3.0.0/16"};
  EXPECT_TRUE(ipam.requestPool(withAvoid).ok());
}

TEST(DefaultIpamTest, BadSubnetsAreInvalid) {
  DefaultIpam ipam;
  for (const char* s : {"10.1.0.5/16", "10.1.0.0", "banana/8", "10.1.0.0/33"}) {
    auto r = ipam.requestPool(subnetRequest(s));
    ASSERT_FALSE(r.ok()) << s;
    EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidArgument) << s;
    EXPECT_NE(r.error().message().find("invalid subnet"), std::string::npos);
  }
  PoolRequest noSubnet;
  noSubnet.gateway = "10.0.0.1";
  auto r = ipam.requestPool(noSubnet);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidArgument);
}

TEST(DefaultIpamTest, FirstAddressesSkipNetworkAndGateway) {
  DefaultIpam ipam;
  Pool p = mustPool(ipam, subnetRequest("172.20.0.0/16"));
  EXPECT_EQ(p.gateway, "172.20.0.1");
  EXPECT_EQ(mustAddress(ipam, p.id), "172.20.0.2/16");
  EXPECT_EQ(mustAddress(ipam, p.id), "172.20.0.3/16");
}

TEST(DefaultIpamTest, ExplicitGateway) {
  DefaultIpam ipam;
  PoolRequest r = subnetRequest("10.5.0.0/24");
  r.gateway = "10.5.0.254";
  Pool p = mustPool(ipam, r);
  EXPECT_EQ(p.gateway, "10.5.0.254");
  // .1 is free now, and handed out.
  EXPECT_EQ(mustAddress(ipam, p.id), "10.5.0.1/24");
  auto again = ipam.requestAddress(p.id, "10.5.0.254");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().kind(), ErrorKind::kConflict);
  EXPECT_EQ(again.error().message(), "Address already in use");
}

TEST(DefaultIpamTest, BadGateways) {
  DefaultIpam ipam;
  for (const char* gw : {"10.6.1.1", "10.6.0.0", "10.6.0.255", "fd00::1", "nope"}) {
    PoolRequest r = subnetRequest("10.6.0.0/24");
    r.gateway = gw;
    auto p = ipam.requestPool(r);
    ASSERT_FALSE(p.ok()) << gw;
    EXPECT_EQ(p.error().kind(), ErrorKind::kInvalidArgument) << gw;
  }
  PoolRequest r = subnetRequest("10.6.0.0/24");
  r.gateway = "10.6.0.0";
  auto p = ipam.requestPool(r);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message().find("network address"), std::string::npos) << p.error().message();
  // A failed request leaves nothing behind.
  EXPECT_TRUE(ipam.requestPool(subnetRequest("10.6.0.0/24")).ok());
}

TEST(DefaultIpamTest, IpRangeLimitsHandOutButNotStaticAddresses) {
  DefaultIpam ipam;
  PoolRequest r = subnetRequest("172.28.0.0/16");
  r.ipRange = "172.28.5.0/30";
  Pool p = mustPool(ipam, r);
  EXPECT_EQ(p.ipRange, "172.28.5.0/30");
  EXPECT_EQ(p.gateway, "172.28.0.1");
  // The range's own first and last addresses are ordinary hosts of the /16.
  EXPECT_EQ(mustAddress(ipam, p.id), "172.28.5.0/16");
  EXPECT_EQ(mustAddress(ipam, p.id), "172.28.5.1/16");
  // A static address may be anywhere in the subnet.
  EXPECT_EQ(mustAddress(ipam, p.id, "172.28.9.9"), "172.28.9.9/16");
  EXPECT_EQ(mustAddress(ipam, p.id), "172.28.5.2/16");
  EXPECT_EQ(mustAddress(ipam, p.id), "172.28.5.3/16");
  auto full = ipam.requestAddress(p.id, "");
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.error().kind(), ErrorKind::kUnavailable);
}

TEST(DefaultIpamTest, IpRangeMustBeInsideSubnet) {
  DefaultIpam ipam;
  for (const char* range : {"10.8.0.0/15", "10.9.0.0/24", "10.8.0.1/24", "x"}) {
    PoolRequest r = subnetRequest("10.8.0.0/16");
    r.ipRange = range;
    auto p = ipam.requestPool(r);
    ASSERT_FALSE(p.ok()) << range;
    EXPECT_EQ(p.error().kind(), ErrorKind::kInvalidArgument) << range;
  }
}

TEST(DefaultIpamTest, AuxAddressesAreNeverHandedOut) {
  DefaultIpam ipam;
  PoolRequest r = subnetRequest("192.168.7.0/29");
  r.auxAddresses = {{"host1", "192.168.7.2"}, {"host2", "192.168.7.4"}};
  Pool p = mustPool(ipam, r);
  ASSERT_EQ(p.auxAddresses.size(), 2U);
  EXPECT_EQ(p.auxAddresses.at("host1"), "192.168.7.2");
  // .0 network, .1 gateway, .2/.4 aux, .7 broadcast: .3 .5 .6 remain.
  EXPECT_EQ(mustAddress(ipam, p.id), "192.168.7.3/29");
  EXPECT_EQ(mustAddress(ipam, p.id), "192.168.7.5/29");
  EXPECT_EQ(mustAddress(ipam, p.id), "192.168.7.6/29");
  EXPECT_FALSE(ipam.requestAddress(p.id, "").ok());
  auto aux = ipam.requestAddress(p.id, "192.168.7.4");
  ASSERT_FALSE(aux.ok());
  EXPECT_EQ(aux.error().message(), "Address already in use");
  // Aux addresses belong to the pool: releasing one is not-found.
  auto rel = ipam.releaseAddress(p.id, "192.168.7.4");
  ASSERT_FALSE(rel.ok());
  EXPECT_EQ(rel.error().kind(), ErrorKind::kNotFound);
}

TEST(DefaultIpamTest, BadAuxAddresses) {
  DefaultIpam ipam;
  const std::vector<std::map<std::string, std::string>> bad = {
      {{"a", "10.7.1.1"}},                     // outside the subnet
      {{"a", "10.7.0.0"}},                     // network address
      {{"a", "10.7.0.255"}},                   // broadcast
      {{"a", "10.7.0.1"}},                     // the gateway
      {{"a", "10.7.0.9"}, {"b", "10.7.0.9"}},  // twice
      {{"a", "nope"}},
  };
  for (const auto& aux : bad) {
    PoolRequest r = subnetRequest("10.7.0.0/24");
    r.auxAddresses = aux;
    auto p = ipam.requestPool(r);
    ASSERT_FALSE(p.ok()) << aux.begin()->second;
    EXPECT_EQ(p.error().kind(), ErrorKind::kInvalidArgument);
    EXPECT_NE(p.error().message().find("aux-address"), std::string::npos) << p.error().message();
  }
}

TEST(DefaultIpamTest, StaticAddressErrors) {
  DefaultIpam ipam;
  Pool p = mustPool(ipam, subnetRequest("10.4.0.0/24"));
  EXPECT_EQ(mustAddress(ipam, p.id, "10.4.0.10"), "10.4.0.10/24");
  // "addr/len" as returned is accepted too.
  EXPECT_EQ(mustAddress(ipam, p.id, "10.4.0.11/24"), "10.4.0.11/24");

  auto used = ipam.requestAddress(p.id, "10.4.0.10");
  ASSERT_FALSE(used.ok());
  EXPECT_EQ(used.error().kind(), ErrorKind::kConflict);
  EXPECT_EQ(used.error().message(), "Address already in use");

  auto gw = ipam.requestAddress(p.id, "10.4.0.1");
  ASSERT_FALSE(gw.ok());
  EXPECT_EQ(gw.error().kind(), ErrorKind::kConflict);

  for (const char* s : {"10.4.0.0", "10.4.0.255", "10.4.1.1", "fd00::1", "bogus"}) {
    auto r = ipam.requestAddress(p.id, s);
    ASSERT_FALSE(r.ok()) << s;
    EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidArgument) << s;
  }
  auto out = ipam.requestAddress(p.id, "10.4.1.1");
  EXPECT_NE(out.error().message().find("out of range"), std::string::npos);

  auto unknown = ipam.requestAddress("10.99.0.0/24", "");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().kind(), ErrorKind::kNotFound);
}

TEST(DefaultIpamTest, ExhaustionOfASlash30) {
  DefaultIpam ipam;
  Pool p = mustPool(ipam, subnetRequest("10.3.3.0/30"));
  EXPECT_EQ(p.gateway, "10.3.3.1");
  EXPECT_EQ(mustAddress(ipam, p.id), "10.3.3.2/30");
  auto none = ipam.requestAddress(p.id, "");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().kind(), ErrorKind::kUnavailable);
  EXPECT_NE(
      none.error().message().find("no available IPv4 addresses on this network's address pools"),
      std::string::npos)
      << none.error().message();
  ASSERT_TRUE(ipam.releaseAddress(p.id, "10.3.3.2/30").ok());
  EXPECT_EQ(mustAddress(ipam, p.id), "10.3.3.2/30");
}

TEST(DefaultIpamTest, RoundRobinDoesNotReuseAtOnceAndWraps) {
  DefaultIpam ipam;
  Pool p = mustPool(ipam, subnetRequest("10.2.2.0/29"));  // hosts .2 - .6 after the gateway
  EXPECT_EQ(mustAddress(ipam, p.id), "10.2.2.2/29");
  EXPECT_EQ(mustAddress(ipam, p.id), "10.2.2.3/29");
  ASSERT_TRUE(ipam.releaseAddress(p.id, "10.2.2.2").ok());
  // .2 was just released: the next ones come after the last given.
  EXPECT_EQ(mustAddress(ipam, p.id), "10.2.2.4/29");
  EXPECT_EQ(mustAddress(ipam, p.id, "10.2.2.5"), "10.2.2.5/29");  // static, cursor stays
  EXPECT_EQ(mustAddress(ipam, p.id), "10.2.2.6/29");
  // Past the end: wrap around to the first free one.
  EXPECT_EQ(mustAddress(ipam, p.id), "10.2.2.2/29");
  EXPECT_FALSE(ipam.requestAddress(p.id, "").ok());
  ASSERT_TRUE(ipam.releaseAddress(p.id, "10.2.2.4").ok());
  ASSERT_TRUE(ipam.releaseAddress(p.id, "10.2.2.3").ok());
  EXPECT_EQ(mustAddress(ipam, p.id), "10.2.2.3/29");
  EXPECT_EQ(mustAddress(ipam, p.id), "10.2.2.4/29");
}

TEST(DefaultIpamTest, ReleaseErrors) {
  DefaultIpam ipam;
  Pool p = mustPool(ipam, subnetRequest("10.1.1.0/24"));
  auto notAllocated = ipam.releaseAddress(p.id, "10.1.1.50");
  ASSERT_FALSE(notAllocated.ok());
  EXPECT_EQ(notAllocated.error().kind(), ErrorKind::kNotFound);
  auto gateway = ipam.releaseAddress(p.id, "10.1.1.1");
  ASSERT_FALSE(gateway.ok());
  EXPECT_EQ(gateway.error().kind(), ErrorKind::kNotFound);
  auto badText = ipam.releaseAddress(p.id, "x");
  ASSERT_FALSE(badText.ok());
  EXPECT_EQ(badText.error().kind(), ErrorKind::kInvalidArgument);
  auto unknownPool = ipam.releaseAddress("10.9.9.0/24", "10.9.9.2");
  ASSERT_FALSE(unknownPool.ok());
  EXPECT_EQ(unknownPool.error().kind(), ErrorKind::kNotFound);
  auto unknownRelease = ipam.releasePool("10.9.9.0/24");
  ASSERT_FALSE(unknownRelease.ok());
  EXPECT_EQ(unknownRelease.error().kind(), ErrorKind::kNotFound);
  std::string a = mustAddress(ipam, p.id);
  ASSERT_TRUE(ipam.releaseAddress(p.id, a).ok());
  EXPECT_EQ(ipam.releaseAddress(p.id, a).error().kind(), ErrorKind::kNotFound);  // twice
}

TEST(DefaultIpamTest, ReleasePoolWithAddressesStillAllocated) {
  DefaultIpam ipam;
  Pool p = mustPool(ipam, subnetRequest("10.10.0.0/24"));
  mustAddress(ipam, p.id);
  ASSERT_TRUE(ipam.releasePool(p.id).ok());
  EXPECT_EQ(ipam.requestAddress(p.id, "").error().kind(), ErrorKind::kNotFound);
  // The subnet is free again, with a clean state.
  Pool again = mustPool(ipam, subnetRequest("10.10.0.0/24"));
  EXPECT_EQ(mustAddress(ipam, again.id), "10.10.0.2/24");
}

TEST(DefaultIpamTest, Ipv6Slash64) {
  DefaultIpam ipam;
  Pool p = mustPool(ipam, subnetRequest("fd00:dead:beef::/64"));
  EXPECT_EQ(p.id, "fd00:dead:beef::/64");
  EXPECT_EQ(p.gateway, "fd00:dead:beef::1");
  EXPECT_EQ(mustAddress(ipam, p.id), "fd00:dead:beef::2/64");
  EXPECT_EQ(mustAddress(ipam, p.id), "fd00:dead:beef::3/64");
  EXPECT_EQ(mustAddress(ipam, p.id, "fd00:dead:beef::4"), "fd00:dead:beef::4/64");
  EXPECT_EQ(mustAddress(ipam, p.id), "fd00:dead:beef::5/64");
  // The last address is usable in v6 (no broadcast).
  EXPECT_EQ(mustAddress(ipam, p.id, "fd00:dead:beef:0:ffff:ffff:ffff:ffff"),
            "fd00:dead:beef:0:ffff:ffff:ffff:ffff/64");
  auto net = ipam.requestAddress(p.id, "fd00:dead:beef::");
  ASSERT_FALSE(net.ok());
  EXPECT_EQ(net.error().kind(), ErrorKind::kInvalidArgument);
  for (int i = 0; i < 1000; ++i) {
    mustAddress(ipam, p.id);
  }
  EXPECT_EQ(mustAddress(ipam, p.id), "fd00:dead:beef::3ee/64");  // 5 + 1000 + 1 = 0x3ee
  // A v4 pool alongside does not conflict.
  EXPECT_TRUE(ipam.requestPool(subnetRequest("10.0.0.0/8")).ok());
  auto overlap = ipam.requestPool(subnetRequest("fd00:dead::/32"));
  ASSERT_FALSE(overlap.ok());
  EXPECT_EQ(overlap.error().kind(), ErrorKind::kConflict);
}

TEST(DefaultIpamTest, Ipv6RoundRobinWrapsAtTheEndOfASmallRange) {
  DefaultIpam ipam;
  PoolRequest r = subnetRequest("fd00:1::/64");
  r.ipRange = "fd00:1::ffff:ffff:ffff:fffe/127";
  Pool p = mustPool(ipam, r);
  EXPECT_EQ(mustAddress(ipam, p.id), "fd00:1::ffff:ffff:ffff:fffe/64");
  EXPECT_EQ(mustAddress(ipam, p.id), "fd00:1::ffff:ffff:ffff:ffff/64");
  EXPECT_FALSE(ipam.requestAddress(p.id, "").ok());
  ASSERT_TRUE(ipam.releaseAddress(p.id, "fd00:1::ffff:ffff:ffff:fffe").ok());
  EXPECT_EQ(mustAddress(ipam, p.id), "fd00:1::ffff:ffff:ffff:fffe/64");
}

TEST(DefaultIpamTest, Ipv6WithoutSubnetNeedsPools) {
  DefaultIpam ipam;
  PoolRequest r;
  r.v6 = true;
  auto p = ipam.requestPool(r);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().kind(), ErrorKind::kInvalidArgument);
  EXPECT_NE(p.error().message().find("explicit IPv6 subnet"), std::string::npos);

  DefaultIpam withV6({{*IpPrefix::parse("fd42::/48"), 64}, {*IpPrefix::parse("10.50.0.0/16"), 24}});
  Pool a = mustPool(withV6, r);
  EXPECT_EQ(a.subnet, "fd42::/64");
  EXPECT_EQ(a.gateway, "fd42::1");
  EXPECT_EQ(mustPool(withV6, r).subnet, "fd42:0:0:1::/64");
  EXPECT_EQ(mustPool(withV6, {}).subnet, "10.50.0.0/24");
}

TEST(DefaultIpamTest, PointToPointSubnetsUseEveryAddress) {
  DefaultIpam ipam;
  Pool p = mustPool(ipam, subnetRequest("10.0.0.0/31"));
  EXPECT_EQ(p.gateway, "10.0.0.0");
  EXPECT_EQ(mustAddress(ipam, p.id), "10.0.0.1/31");
  EXPECT_FALSE(ipam.requestAddress(p.id, "").ok());
}

TEST(DefaultIpamTest, ConcurrentRequestsGetDistinctAddresses) {
  DefaultIpam ipam;
  Pool p = mustPool(ipam, subnetRequest("10.20.0.0/24"));
  std::mutex mu;
  std::vector<std::string> got;
  std::vector<std::string> errors;
  std::vector<std::thread> threads;
  threads.reserve(50);
  for (int i = 0; i < 50; ++i) {
    threads.emplace_back([&] {
      auto a = ipam.requestAddress(p.id, "");
      std::lock_guard lock(mu);
      if (a.ok()) {
        got.push_back(*a);
      } else {
        errors.push_back(a.error().message());
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_TRUE(errors.empty()) << (errors.empty() ? "" : errors.front());
  EXPECT_EQ(got.size(), 50U);
  std::set<std::string> distinct(got.begin(), got.end());
  EXPECT_EQ(distinct.size(), 50U);
  EXPECT_FALSE(distinct.contains("10.20.0.1/24"));
  EXPECT_FALSE(distinct.contains("10.20.0.0/24"));
}

TEST(DefaultIpamTest, ConcurrentPoolRequestsGetDistinctSubnets) {
  DefaultIpam ipam;
  std::mutex mu;
  std::set<std::string> subnets;
  std::vector<std::thread> threads;
  threads.reserve(20);
  for (int i = 0; i < 20; ++i) {
    threads.emplace_back([&] {
      auto p = ipam.requestPool({});
      std::lock_guard lock(mu);
      if (p.ok()) {
        subnets.insert(p->subnet);
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(subnets.size(), 20U);
}

}  // namespace
}  // namespace berth::network
