// Netlink against the real kernel: every test runs in a fresh network
// namespace (and, for peers, a second one), so the host is never touched.
#include "kernel/netlink.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "kernel/netns.h"
#include "../../lib/netns_test_support.h"

namespace berth {
namespace {

using testlib::inFreshNetns;
using testlib::newNetns;
using testlib::openNetlink;

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// Runs fn(Netlink&) in the namespace nsFd and returns its result.
template <typename Fn>
auto inNetns(int nsFd, Fn fn) {
  return runInNetns(nsFd, [&fn] {
    Netlink nl = openNetlink();
    return fn(nl);
  });
}

TEST(Netlink, BridgeWithMtuMacAndUp) {
  BERTH_REQUIRE_NETNS_PRIVILEGE();
  inFreshNetns([] {
    Netlink nl = openNetlink();
    ASSERT_OK(nl.createBridge("br-test", 1400, "02:42:AC:11:00:01"));
    ASSERT_OK(nl.setUp("br-test", true));
    Result<LinkInfo> br = nl.link("br-test");
    ASSERT_OK(br);
    EXPECT_EQ(br->name, "br-test");
    EXPECT_EQ(br->kind, "bridge");
    EXPECT_EQ(br->mtu, 1400);
    EXPECT_EQ(br->mac, "02:42:ac:11:00:01");
    EXPECT_TRUE(br->up);
    EXPECT_EQ(br->masterIndex, 0);
    EXPECT_GT(br->index, 1);

    Result<std::vector<LinkInfo>> all = nl.links();
    ASSERT_OK(all);
    EXPECT_EQ(all->size(), 2U);  // lo and the bridge
    ASSERT_OK(nl.setUp("br-test", false));
    EXPECT_FALSE(nl.link("br-test")->up);

    // A bridge without mtu and mac gets the kernel's.
    ASSERT_OK(nl.createBridge("br-plain", 0, ""));
    EXPECT_EQ(nl.link("br-plain")->mtu, 1500);
    EXPECT_EQ(nl.link("br-plain")->mac.size(), 17U);
  });
}

TEST(Netlink, DuplicateNameIsConflictNamingTheObject) {
  BERTH_REQUIRE_NETNS_PRIVILEGE();
  inFreshNetns([] {
    Netlink nl = openNetlink();
    ASSERT_OK(nl.createBridge("br-x", 0, ""));
    Status again = nl.createBridge("br-x", 0, "");
    EXPECT_ERROR_KIND(again, ErrorKind::kConflict);
    EXPECT_EQ(again.error().message(), "create bridge br-x: Object exists");
    EXPECT_ERROR_KIND(nl.createVeth("br-x", "vpeer", -1, 0), ErrorKind::kConflict);
  });
}

TEST(Netlink, BadArgumentsAreRefusedBeforeTheKernel) {
  BERTH_REQUIRE_NETNS_PRIVILEGE();
  inFreshNetns([] {
    Netlink nl = openNetlink();
    EXPECT_ERROR_KIND(nl.createBridge("a-name-far-too-long", 0, ""), ErrorKind::kInvalidArgument);
    EXPECT_ERROR_KIND(nl.createBridge("", 0, ""), ErrorKind::kInvalidArgument);
    EXPECT_ERROR_KIND(nl.createBridge("br/x", 0, ""), ErrorKind::kInvalidArgument);
    EXPECT_ERROR_KIND(nl.createBridge("br-m", 0, "02:42:ac:11:00"), ErrorKind::kInvalidArgument);
    EXPECT_ERROR_KIND(nl.createBridge("br-m", 0, "02-42-ac-11-00-01"), ErrorKind::kInvalidArgument);
    EXPECT_ERROR_KIND(nl.createBridge("br-m", 0, "02:42:ac:11:00:zz"), ErrorKind::kInvalidArgument);
    EXPECT_ERROR_KIND(nl.link("br-m"), ErrorKind::kNotFound);
  });
}

TEST(Netlink, VethPeerIsCreatedInTheOtherNamespace) {
  BERTH_REQUIRE_NETNS_PRIVILEGE();
  UniqueFd peerNs = newNetns();
  ASSERT_TRUE(peerNs.valid());
  inFreshNetns([&peerNs] {
    Netlink nl = openNetlink();
    // "eth0" would be a fine name clash in a real host namespace.
    ASSERT_OK(nl.createVeth("veth-h", "eth0", peerNs.get(), 1450));
    Result<LinkInfo> here = nl.link("veth-h");
    ASSERT_OK(here);
    EXPECT_EQ(here->kind, "veth");
    EXPECT_EQ(here->mtu, 1450);
    EXPECT_ERROR_KIND(nl.link("eth0"), ErrorKind::kNotFound);

    Result<LinkInfo> there = inNetns(peerNs.get(), [](Netlink& n) { return n.link("eth0"); });
    ASSERT_OK(there);
    EXPECT_EQ(there->kind, "veth");
    EXPECT_EQ(there->mtu, 1450);

    // The same peer name again in that namespace clashes there.
    EXPECT_ERROR_KIND(nl.createVeth("veth-h2", "eth0", peerNs.get(), 0), ErrorKind::kConflict);
    EXPECT_ERROR_KIND(nl.link("veth-h2"), ErrorKind::kNotFound);

    // Deleting one end removes the pair.
    ASSERT_OK(nl.deleteLink("veth-h"));
    EXPECT_ERROR_KIND(inNetns(peerNs.get(), [](Netlink& n) { return n.link("eth0"); }),
                      ErrorKind::kNotFound);
  });
}

TEST(Netlink, VethPairHereAndMoveToNetns) {
  BERTH_REQUIRE_NETNS_PRIVILEGE();
  UniqueFd other = newNetns();
  ASSERT_TRUE(other.valid());
  inFreshNetns([&other] {
    Netlink nl = openNetlink();
    ASSERT_OK(nl.createVeth("va", "vb", -1, 0));
    ASSERT_OK(nl.link("va"));
    ASSERT_OK(nl.link("vb"));
    ASSERT_OK(nl.moveToNetns("vb", other.get()));
    EXPECT_ERROR_KIND(nl.link("vb"), ErrorKind::kNotFound);
    ASSERT_OK(inNetns(other.get(), [](Netlink& n) { return n.link("vb"); }));
    EXPECT_ERROR_KIND(nl.moveToNetns("missing", other.get()), ErrorKind::kNotFound);
    EXPECT_ERROR_KIND(nl.moveToNetns("va", -1), ErrorKind::kInvalidArgument);
  });
}

TEST(Netlink, SetMasterAndBridgePortCount) {
  BERTH_REQUIRE_NETNS_PRIVILEGE();
  inFreshNetns([] {
    Netlink nl = openNetlink();
    ASSERT_OK(nl.createBridge("br0", 0, ""));
    ASSERT_OK(nl.createVeth("p1", "p1-peer", -1, 0));
    ASSERT_OK(nl.createVeth("p2", "p2-peer", -1, 0));
    EXPECT_EQ(nl.bridgePortCount("br0"), 0);
    ASSERT_OK(nl.setMaster("p1", "br0"));
    ASSERT_OK(nl.setMaster("p2", "br0"));
    EXPECT_EQ(nl.link("p1")->masterIndex, nl.link("br0")->index);
    EXPECT_EQ(nl.bridgePortCount("br0"), 2);
    ASSERT_OK(nl.setMaster("p1", ""));
    EXPECT_EQ(nl.link("p1")->masterIndex, 0);
    EXPECT_EQ(nl.bridgePortCount("br0"), 1);
    EXPECT_EQ(nl.bridgePortCount("missing"), -1);
    EXPECT_ERROR_KIND(nl.setMaster("p1", "missing"), ErrorKind::kNotFound);
    EXPECT_ERROR_KIND(nl.setMaster("missing", "br0"), ErrorKind::kNotFound);
  });
}

TEST(Netlink, AddressesV4AndV6) {
  BERTH_REQUIRE_NETNS_PRIVILEGE();
  inFreshNetns([] {
    Netlink nl = openNetlink();
    ASSERT_OK(nl.createBridge("br0", 0, ""));
    ASSERT_OK(nl.setUp("br0", true));
    ASSERT_OK(nl.addAddress("br0", "172.18.0.1/16"));
    ASSERT_OK(nl.addAddress("br0", "fd00:1::1/64"));
    Result<std::vector<std::string>> addrs = nl.addresses("br0");
    ASSERT_OK(addrs);
    EXPECT_TRUE(contains(*addrs, "172.18.0.1/16"));
    EXPECT_TRUE(contains(*addrs, "fd00:1::1/64"));
    EXPECT_ERROR_KIND(nl.addAddress("br0", "172.18.0.1/16"), ErrorKind::kConflict);

    ASSERT_OK(nl.deleteAddress("br0", "172.18.0.1/16"));
    ASSERT_OK(nl.deleteAddress("br0", "fd00:1::1/64"));
    addrs = nl.addresses("br0");
    ASSERT_OK(addrs);
    EXPECT_FALSE(contains(*addrs, "172.18.0.1/16"));
    EXPECT_FALSE(contains(*addrs, "fd00:1::1/64"));
    Status notThere = nl.deleteAddress("br0", "172.18.0.1/16");
    EXPECT_ERROR_KIND(notThere, ErrorKind::kNotFound);
    EXPECT_EQ(notThere.error().message(),
              "delete address 172.18.0.1/16 from link br0: the link has no such address");

    for (const char* bad : {"172.18.0.300/16", "10.0.0.1/33", "fd00::1/129", "nonsense",
                            "10.0.0.1/", "10.0.0.1/x", "/24", "10.0.0.1/-1"}) {
      Status st = nl.addAddress("br0", bad);
      EXPECT_ERROR_KIND(st, ErrorKind::kInvalidArgument);
    }
    EXPECT_ERROR_KIND(nl.addAddress("missing", "10.0.0.1/24"), ErrorKind::kNotFound);
    EXPECT_ERROR_KIND(nl.addresses("missing"), ErrorKind::kNotFound);
  });
}

TEST(Netlink, RoutesWithGatewayAndDevice) {
  BERTH_REQUIRE_NETNS_PRIVILEGE();
  inFreshNetns([] {
    Netlink nl = openNetlink();
    ASSERT_OK(nl.createVeth("ra", "rb", -1, 0));
    ASSERT_OK(nl.setUp("ra", true));
    ASSERT_OK(nl.setUp("rb", true));
    ASSERT_OK(nl.addAddress("ra", "172.20.0.2/16"));
    ASSERT_OK(nl.addAddress("ra", "fd00:20::2/64"));

    ASSERT_OK(nl.addRoute("0.0.0.0/0", "172.20.0.1", ""));
    ASSERT_OK(nl.addRoute("10.99.0.0/24", "", "ra"));
    ASSERT_OK(nl.addRoute("::/0", "fd00:20::1", "ra"));
    Result<std::vector<std::string>> v4 = nl.routeDestinations(false);
    ASSERT_OK(v4);
    EXPECT_TRUE(contains(*v4, "0.0.0.0/0"));
    EXPECT_TRUE(contains(*v4, "10.99.0.0/24"));
    EXPECT_TRUE(contains(*v4, "172.20.0.0/16"));   // the connected route
    EXPECT_FALSE(contains(*v4, "172.20.0.2/32"));  // local table, not main
    Result<std::vector<std::string>> v6 = nl.routeDestinations(true);
    ASSERT_OK(v6);
    EXPECT_TRUE(contains(*v6, "::/0"));
    EXPECT_TRUE(contains(*v6, "fd00:20::/64"));
    EXPECT_FALSE(contains(*v6, "0.0.0.0/0"));

    EXPECT_ERROR_KIND(nl.addRoute("0.0.0.0/0", "172.20.0.1", ""), ErrorKind::kConflict);
    EXPECT_ERROR_KIND(nl.addRoute("10.98.0.0/24", "", ""), ErrorKind::kInvalidArgument);
    EXPECT_ERROR_KIND(nl.addRoute("10.98.0.0/24", "fd00:20::1", ""), ErrorKind::kInvalidArgument);
    EXPECT_ERROR_KIND(nl.addRoute("10.98.0.0/24", "172.20.0.300", ""), ErrorKind::kInvalidArgument);
    EXPECT_ERROR_KIND(nl.addRoute("10.98.0.0/33", "", "ra"), ErrorKind::kInvalidArgument);
    EXPECT_ERROR_KIND(nl.addRoute("10.98.0.0/24", "", "missing"), ErrorKind::kNotFound);
    // libnl has no code for ENETUNREACH; the kernel's own words are kept.
    Status unreachable = nl.addRoute("10.98.0.0/24", "192.0.2.1", "");
    EXPECT_ERROR_KIND(unreachable, ErrorKind::kInvalidArgument);
    EXPECT_EQ(unreachable.error().message(),
              "add route 10.98.0.0/24 via 192.0.2.1: Network is unreachable");
  });
}

TEST(Netlink, MacvlanOnAVethParentHereAndElsewhere) {
  BERTH_REQUIRE_NETNS_PRIVILEGE();
  UniqueFd other = newNetns();
  ASSERT_TRUE(other.valid());
  inFreshNetns([&other] {
    Netlink nl = openNetlink();
    ASSERT_OK(nl.createVeth("parent0", "parent1", -1, 0));
    ASSERT_OK(nl.createMacvlan("mv0", "parent0", "bridge", -1));
    Result<LinkInfo> mv = nl.link("mv0");
    ASSERT_OK(mv);
    EXPECT_EQ(mv->kind, "macvlan");

    ASSERT_OK(nl.createMacvlan("mv1", "parent0", "private", other.get()));
    EXPECT_ERROR_KIND(nl.link("mv1"), ErrorKind::kNotFound);
    Result<LinkInfo> there = inNetns(other.get(), [](Netlink& n) { return n.link("mv1"); });
    ASSERT_OK(there);
    EXPECT_EQ(there->kind, "macvlan");

    ASSERT_OK(nl.createMacvlan("mv2", "parent0", "", -1));  // default mode
    EXPECT_ERROR_KIND(nl.createMacvlan("mv3", "parent0", "bogus", -1), ErrorKind::kInvalidArgument);
    EXPECT_ERROR_KIND(nl.createMacvlan("mv3", "missing", "bridge", -1), ErrorKind::kNotFound);
  });
}

TEST(Netlink, RenameSetMtuSetMacAndDelete) {
  BERTH_REQUIRE_NETNS_PRIVILEGE();
  inFreshNetns([] {
    Netlink nl = openNetlink();
    ASSERT_OK(nl.createVeth("old0", "old0-peer", -1, 0));
    ASSERT_OK(nl.setMtu("old0", 1300));
    EXPECT_EQ(nl.link("old0")->mtu, 1300);
    ASSERT_OK(nl.setMac("old0", "02:42:AC:11:00:09"));
    EXPECT_EQ(nl.link("old0")->mac, "02:42:ac:11:00:09");
    ASSERT_OK(nl.rename("old0", "new0"));
    EXPECT_ERROR_KIND(nl.link("old0"), ErrorKind::kNotFound);
    Result<LinkInfo> renamed = nl.link("new0");
    ASSERT_OK(renamed);
    EXPECT_EQ(renamed->mtu, 1300);
    EXPECT_EQ(renamed->mac, "02:42:ac:11:00:09");
    EXPECT_ERROR_KIND(nl.rename("new0", "old0-peer"), ErrorKind::kConflict);

    EXPECT_ERROR_KIND(nl.setMtu("new0", 0), ErrorKind::kInvalidArgument);
    EXPECT_ERROR_KIND(nl.setMac("new0", "nonsense"), ErrorKind::kInvalidArgument);
    EXPECT_ERROR_KIND(nl.setMtu("missing", 1400), ErrorKind::kNotFound);
    EXPECT_ERROR_KIND(nl.setUp("missing", true), ErrorKind::kNotFound);
    EXPECT_ERROR_KIND(nl.rename("missing", "x"), ErrorKind::kNotFound);

    ASSERT_OK(nl.deleteLink("new0"));
    EXPECT_ERROR_KIND(nl.link("new0"), ErrorKind::kNotFound);
    EXPECT_ERROR_KIND(nl.link("old0-peer"), ErrorKind::kNotFound);
    Status gone = nl.deleteLink("new0");
    EXPECT_ERROR_KIND(gone, ErrorKind::kNotFound);
    EXPECT_NE(gone.error().message().find("delete link new0"), std::string::npos)
        << gone.error().message();
  });
}

// These kernels may lack 8021q and ipvlan: then the error must say which
// module is missing; where they exist, creation must work.
TEST(Netlink, VlanCreatedOrReportedUnavailable) {
  BERTH_REQUIRE_NETNS_PRIVILEGE();
  inFreshNetns([] {
    Netlink nl = openNetlink();
    ASSERT_OK(nl.createVeth("vp0", "vp1", -1, 0));
    EXPECT_ERROR_KIND(nl.createVlan("vl0", "vp0", 0), ErrorKind::kInvalidArgument);
    EXPECT_ERROR_KIND(nl.createVlan("vl0", "vp0", 4095), ErrorKind::kInvalidArgument);
    EXPECT_ERROR_KIND(nl.createVlan("vl0", "missing", 100), ErrorKind::kNotFound);
    Status st = nl.createVlan("vl0", "vp0", 100);
    if (st.ok()) {
      EXPECT_EQ(nl.link("vl0")->kind, "vlan");
    } else {
      EXPECT_EQ(st.error().kind(), ErrorKind::kUnavailable) << st.error().message();
      EXPECT_NE(st.error().message().find("kernel module 8021q not available"), std::string::npos)
          << st.error().message();
    }
  });
}

TEST(Netlink, IpvlanCreatedOrReportedUnavailable) {
  BERTH_REQUIRE_NETNS_PRIVILEGE();
  inFreshNetns([] {
    Netlink nl = openNetlink();
    ASSERT_OK(nl.createVeth("ip0", "ip1", -1, 0));
    EXPECT_ERROR_KIND(nl.createIpvlan("ipv0", "ip0", "l4", -1), ErrorKind::kInvalidArgument);
    Status st = nl.createIpvlan("ipv0", "ip0", "l2", -1);
    if (st.ok()) {
      EXPECT_EQ(nl.link("ipv0")->kind, "ipvlan");
    } else {
      EXPECT_EQ(st.error().kind(), ErrorKind::kUnavailable) << st.error().message();
      EXPECT_NE(st.error().message().find("kernel module ipvlan not available"), std::string::npos)
          << st.error().message();
    }
  });
}

TEST(Netlink, IsMovable) {
  BERTH_REQUIRE_NETNS_PRIVILEGE();
  inFreshNetns([] {
    Netlink a = openNetlink();
    Netlink b = std::move(a);
    ASSERT_OK(b.link("lo"));
    Netlink c = openNetlink();
    c = std::move(b);
    Result<LinkInfo> lo = c.link("lo");
    ASSERT_OK(lo);
    EXPECT_EQ(lo->mac, "00:00:00:00:00:00");
    EXPECT_EQ(lo->kind, "");
  });
}

}  // namespace
}  // namespace berth
