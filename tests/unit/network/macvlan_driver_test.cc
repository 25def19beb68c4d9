// The macvlan and ipvlan drivers against the real kernel, each test in a
// fresh network namespace (the "host"), with a second one as the sandbox.
#include "network/macvlan_driver.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>

#include "kernel/netlink.h"
#include "kernel/netns.h"
#include "../../lib/netns_test_support.h"
#include "network/ipvlan_driver.h"

namespace berth::network {
namespace {

using testlib::inFreshNetns;
using testlib::newNetns;
using testlib::openNetlink;

constexpr const char* kId1 = "1111111111112222222222223333333333334444444444445555555555556666";
constexpr const char* kId2 = "aaaaaaaaaaaabbbbbbbbbbbbccccccccccccddddddddddddeeeeeeeeeeeeffff";

bool hasLink(const std::string& name) { return openNetlink().link(name).ok(); }

NetworkRecord macvlanNet(const std::string& id, const std::string& name,
                         const std::string& parent) {
  NetworkRecord n;
  n.id = id;
  n.name = name;
  n.driver = "macvlan";
  if (!parent.empty()) {
    n.options["parent"] = parent;
  }
  n.ipam.push_back(IpamConfig{"10.0.0.0/24", "10.0.0.128/25", "10.0.0.1", {}});
  return n;
}

EndpointRecord endpoint(const std::string& containerId, const std::string& ifName,
                        const std::string& ipv4) {
  EndpointRecord ep;
  ep.id = "ep-" + containerId;
  ep.containerId = containerId;
  ep.ifName = ifName;
  ep.ipv4 = ipv4;
  return ep;
}

// Runs fn in the namespace `fd` with a Netlink there.
template <typename Fn>
auto inside(int fd, Fn fn) {
  return runInNetns(fd, [&] {
    Netlink nl = openNetlink();
    return fn(nl);
  });
}

// A sandbox directory as the controller keeps it: <dir>/<container id> is
// the sandbox's namespace (here a symlink to an open descriptor of it).
struct SandboxDir {
  std::filesystem::path dir;
  SandboxDir() {
    char tmpl[] = "/tmp/berth-macvlan-test-XXXXXX";
    dir = ::mkdtemp(tmpl);
  }
  ~SandboxDir() { std::filesystem::remove_all(dir); }
  SandboxDir(const SandboxDir&) = delete;
  SandboxDir& operator=(const SandboxDir&) = delete;
  void add(const std::string& containerId, int fd) const {
    std::filesystem::create_symlink("/proc/" + std::to_string(::getpid()) + "/fd/" +
                                        std::to_string(fd),
                                    dir / containerId);
  }
};

TEST(ParentSpec, ParsesVlanSubInterfaces) {
  auto plain = parseParent("eth0");
  ASSERT_OK(plain);
  EXPECT_EQ(plain->base, "");
  auto vlan = parseParent("eth0.100");
  ASSERT_OK(vlan);
  EXPECT_EQ(vlan->base, "eth0");
  EXPECT_EQ(vlan->vlanId, 100);
  auto outOfRange = parseParent("eth0.4095");
  ASSERT_OK(outOfRange);
  EXPECT_EQ(outOfRange->base, "");  // a plain name then: only an existing link can be meant
  EXPECT_EQ(parseParent("br.lan")->base, "");
  EXPECT_ERROR_KIND(parseParent(""), ErrorKind::kInvalidArgument);
  EXPECT_ERROR_KIND(parseParent("a-name-far-too-long"), ErrorKind::kInvalidArgument);
  EXPECT_ERROR_KIND(parseParent("eth0/1"), ErrorKind::kInvalidArgument);
  EXPECT_ERROR_KIND(parseParent("eth 0"), ErrorKind::kInvalidArgument);
}

TEST(ParentRegistry, OneNetworkPerParent) {
  ParentRegistry r;
  ASSERT_OK(r.claim("eth0", "id1", "one"));
  ASSERT_OK(r.claim("eth0", "id1", "one"));  // restore claims again
  Status st = r.claim("eth0", "id2", "two");
  EXPECT_ERROR_KIND(st, ErrorKind::kConflict);
  EXPECT_EQ(st.error().message(), "network one is already using parent interface eth0");
  ASSERT_OK(r.claim("eth0.100", "id2", "two"));  // another VLAN of the same link
  r.release("id1");
  EXPECT_FALSE(r.held("eth0"));
  EXPECT_TRUE(r.held("eth0.100"));
}

TEST(MacvlanDriver, BadOptionsCreateNothing) {
  BERTH_REQUIRE_NETNS_PRIVILEGE();
  inFreshNetns([] {
    Netlink nl = openNetlink();
    ASSERT_OK(nl.createVeth("up0", "up1", -1, 0));
    size_t before = nl.links()->size();
    MacvlanDriver d;

    NetworkRecord missing = macvlanNet(kId1, "m", "nosuch0");
    Status st = d.createNetwork(missing);
    EXPECT_ERROR_KIND(st, ErrorKind::kNotFound);
    EXPECT_EQ(st.error().message(), "-o parent interface was not found on the host: nosuch0");

    NetworkRecord badMode = macvlanNet(kId1, "m", "up0");
    badMode.options["macvlan_mode"] = "l2";
    st = d.createNetwork(badMode);
    EXPECT_ERROR_KIND(st, ErrorKind::kInvalidArgument);
    EXPECT_NE(st.error().message().find("bridge|private|vepa|passthru"), std::string::npos);

    NetworkRecord sneaky = macvlanNet(kId1, "m", "up0");
    sneaky.options[kOptCreatedParent] = "true";  // would make rm delete the user's link
    EXPECT_ERROR_KIND(d.createNetwork(sneaky), ErrorKind::kInvalidArgument);

    NetworkRecord missingBase = macvlanNet(kId1, "m", "nosuch0.100");
    st = d.createNetwork(missingBase);
    EXPECT_ERROR_KIND(st, ErrorKind::kNotFound);
    EXPECT_NE(st.error().message().find("nosuch0"), std::string::npos);

    EXPECT_EQ(nl.links()->size(), before);
    // None of the failures kept the parent claimed.
    NetworkRecord good = macvlanNet(kId1, "m", "up0");
    ASSERT_OK(d.createNetwork(good));
    ASSERT_OK(d.deleteNetwork(good));
  });
}

TEST(MacvlanDriver, ParentTakenByAnotherNetworkIsAConflict) {
  BERTH_REQUIRE_NETNS_PRIVILEGE();
  inFreshNetns([] {
    Netlink nl = openNetlink();
    ASSERT_OK(nl.createVeth("up0", "up1", -1, 0));
    auto shared = std::make_shared<ParentRegistry>();
    MacvlanDriver mac("", shared);
    IpvlanDriver ipv("", shared);
    NetworkRecord one = macvlanNet(kId1, "one", "up0");
    ASSERT_OK(mac.createNetwork(one));
    EXPECT_EQ(one.options.count(kOptCreatedParent), 0U);  // the user's link
    EXPECT_NE(one.options.at(kOptHostAccess).find("host cannot reach"), std::string::npos);
    EXPECT_FALSE(one.internal);

    NetworkRecord two = macvlanNet(kId2, "two", "up0");
    Status st = mac.createNetwork(two);
    EXPECT_ERROR_KIND(st, ErrorKind::kConflict);
    EXPECT_EQ(st.error().message(), "network one is already using parent interface up0");
    NetworkRecord three = macvlanNet(kId2, "three", "up0");
    three.driver = "ipvlan";
    EXPECT_ERROR_KIND(ipv.createNetwork(three), ErrorKind::kConflict);

    ASSERT_OK(mac.deleteNetwork(one));
    EXPECT_TRUE(hasLink("up0"));  // never berth's to remove
    ASSERT_OK(mac.createNetwork(two));
    // A restarted berthd learns the parent's holder from restore.
    MacvlanDriver restarted("", nullptr);
    ASSERT_OK(restarted.restoreNetwork(two));
    NetworkRecord again = macvlanNet(kId1, "one", "up0");
    EXPECT_ERROR_KIND(restarted.createNetwork(again), ErrorKind::kConflict);
  });
}

TEST(MacvlanDriver, VlanParentIsMadeOrTheMissingModuleNamed) {
  BERTH_REQUIRE_NETNS_PRIVILEGE();
  inFreshNetns([] {
    Netlink nl = openNetlink();
    ASSERT_OK(nl.createVeth("trunk0", "trunk1", -1, 0));
    size_t before = nl.links()->size();
    MacvlanDriver d;
    NetworkRecord n100 = macvlanNet(kId1, "macvlan100", "trunk0.100");
    Status st = d.createNetwork(n100);
    if (!st.ok()) {
      EXPECT_EQ(st.error().kind(), ErrorKind::kUnavailable);
      EXPECT_NE(st.error().message().find("kernel module 8021q not available"), std::string::npos)
          << st.error().message();
      EXPECT_EQ(nl.links()->size(), before);
      NetworkRecord plain = macvlanNet(kId2, "plain", "trunk0");
      ASSERT_OK(d.createNetwork(plain));  // the VLAN's parent was not kept claimed
      return;
    }
    // A kernel with 8021q: two VLANs of one trunk side by side, each removed with its network.
    EXPECT_EQ(n100.options.at(kOptCreatedParent), "true");
    EXPECT_EQ(nl.link("trunk0.100")->kind, "vlan");
    NetworkRecord n200 = macvlanNet(kId2, "macvlan200", "trunk0.200");
    ASSERT_OK(d.createNetwork(n200));
    ASSERT_OK(d.deleteNetwork(n100));
    EXPECT_FALSE(hasLink("trunk0.100"));
    EXPECT_TRUE(hasLink("trunk0.200"));
    ASSERT_OK(d.deleteNetwork(n200));
    EXPECT_EQ(nl.links()->size(), before);
  });
}

TEST(MacvlanDriver, UsersVlanLinkIsNeverRemoved) {
  BERTH_REQUIRE_NETNS_PRIVILEGE();
  inFreshNetns([] {
    Netlink nl = openNetlink();
    // A link whose name looks like a VLAN sub-interface, made by the user.
    ASSERT_OK(nl.createVeth("lan0.7", "lan1", -1, 0));
    MacvlanDriver d;
    NetworkRecord n = macvlanNet(kId1, "n", "lan0.7");
    ASSERT_OK(d.createNetwork(n));
    EXPECT_EQ(n.options.count(kOptCreatedParent), 0U);
    ASSERT_OK(d.deleteNetwork(n));
    EXPECT_TRUE(hasLink("lan0.7"));
  });
}

TEST(MacvlanDriver, WithoutParentTheNetworkIsInternalOnly) {
  BERTH_REQUIRE_NETNS_PRIVILEGE();
  UniqueFd sb1 = newNetns();
  UniqueFd sb2 = newNetns();
  inFreshNetns([&] {
    MacvlanDriver d;
    NetworkRecord n = macvlanNet(kId1, "inner", "");
    ASSERT_OK(d.createNetwork(n));
    EXPECT_TRUE(n.internal);
    EXPECT_EQ(n.options.at(kOptCreatedParent), "true");
    EXPECT_NE(n.options.at(kOptHostAccess).find("internal-only"), std::string::npos);
    EXPECT_TRUE(hasLink("dm-111111111111"));
    EXPECT_TRUE(hasLink("dp-111111111111"));

    EndpointRecord a = endpoint("c1", "eth0", "10.0.0.130/24");
    EndpointRecord b = endpoint("c2", "eth0", "10.0.0.131/24");
    ASSERT_OK(d.join(n, a, sb1.get(), true));
    ASSERT_OK(d.join(n, b, sb2.get(), true));
    // Internal: no default route.
    auto routes = inside(sb1.get(), [](Netlink& in) { return in.routeDestinations(false); });
    ASSERT_OK(routes);
    EXPECT_EQ(std::count(routes->begin(), routes->end(), "0.0.0.0/0"), 0);

    // Gone after a reboot: restore makes it again.
    ASSERT_OK(openNetlink().deleteLink("dm-111111111111"));
    ASSERT_OK(d.restoreNetwork(n));
    EXPECT_TRUE(hasLink("dm-111111111111"));
    ASSERT_OK(d.deleteNetwork(n));
    EXPECT_FALSE(hasLink("dm-111111111111"));
    EXPECT_FALSE(hasLink("dp-111111111111"));
  });
}

TEST(MacvlanDriver, JoinPutsTheLinkInTheSandboxAndLeaveTakesItOut) {
  BERTH_REQUIRE_NETNS_PRIVILEGE();
  UniqueFd sb = newNetns();
  ASSERT_TRUE(sb.valid());
  SandboxDir dir;
  dir.add("c1", sb.get());
  inFreshNetns([&] {
    Netlink nl = openNetlink();
    ASSERT_OK(nl.createVeth("up0", "up1", -1, 0));
    ASSERT_OK(nl.setUp("up0", true));
    ASSERT_OK(nl.setUp("up1", true));
    size_t before = nl.links()->size();
    MacvlanDriver d(dir.dir.string(), nullptr);
    NetworkRecord n = macvlanNet(kId1, "macvlan100", "up0");
    n.options["macvlan_mode"] = "private";
    ASSERT_OK(d.createNetwork(n));
    EndpointRecord ep = endpoint("c1", "eth0", "10.0.0.128/24");
    ASSERT_OK(d.join(n, ep, sb.get(), true));
    EXPECT_EQ(ep.mac, "02:42:0a:00:00:80");
    EXPECT_EQ(ep.hostIfName, "");
    EXPECT_EQ(nl.links()->size(), before);  // nothing new on the host

    auto li = inside(sb.get(), [](Netlink& in) { return in.link("eth0"); });
    ASSERT_OK(li);
    EXPECT_EQ(li->kind, "macvlan");
    EXPECT_EQ(li->mac, "02:42:0a:00:00:80");
    EXPECT_TRUE(li->up);
    auto addrs = inside(sb.get(), [](Netlink& in) { return in.addresses("eth0"); });
    ASSERT_OK(addrs);
    EXPECT_NE(std::find(addrs->begin(), addrs->end(), "10.0.0.128/24"), addrs->end());
    auto routes = inside(sb.get(), [](Netlink& in) { return in.routeDestinations(false); });
    ASSERT_OK(routes);
    EXPECT_NE(std::find(routes->begin(), routes->end(), "0.0.0.0/0"), routes->end());

    // A second endpoint in the same sandbox under a taken name fails cleanly.
    EndpointRecord clash = endpoint("c1", "eth0", "10.0.0.129/24");
    EXPECT_FALSE(d.join(n, clash, sb.get(), false).ok());

    ASSERT_OK(d.leave(n, ep));
    EXPECT_ERROR_KIND(inside(sb.get(), [](Netlink& in) { return in.link("eth0"); }),
                      ErrorKind::kNotFound);
    ASSERT_OK(d.leave(n, ep));  // repeatable
    EndpointRecord gone = endpoint("no-such-container", "eth0", "10.0.0.130/24");
    ASSERT_OK(d.leave(n, gone));  // the sandbox went first
    ASSERT_OK(d.deleteNetwork(n));
    EXPECT_TRUE(hasLink("up0"));
  });
}

TEST(MacvlanDriver, LeaveNeverDeletesAnotherKindOfLink) {
  BERTH_REQUIRE_NETNS_PRIVILEGE();
  UniqueFd sb = newNetns();
  SandboxDir dir;
  dir.add("c1", sb.get());
  ASSERT_OK(inside(sb.get(), [](Netlink& in) { return in.createVeth("eth0", "peer0", -1, 0); }));
  MacvlanDriver d(dir.dir.string(), nullptr);
  NetworkRecord n = macvlanNet(kId1, "n", "up0");
  ASSERT_OK(d.leave(n, endpoint("c1", "eth0", "10.0.0.128/24")));
  // Still there: a veth, not the macvlan link this endpoint would have had.
  ASSERT_OK(inside(sb.get(), [](Netlink& in) { return in.link("eth0"); }));
}

TEST(IpvlanDriver, CreatesNothingWithoutTheKernelModule) {
  BERTH_REQUIRE_NETNS_PRIVILEGE();
  UniqueFd sb = newNetns();
  inFreshNetns([&] {
    Netlink nl = openNetlink();
    ASSERT_OK(nl.createVeth("up0", "up1", -1, 0));
    ASSERT_OK(nl.setUp("up0", true));
    size_t before = nl.links()->size();
    IpvlanDriver d;
    NetworkRecord bad = macvlanNet(kId1, "ipv", "up0");
    bad.driver = "ipvlan";
    bad.options["ipvlan_mode"] = "bridge";
    EXPECT_ERROR_KIND(d.createNetwork(bad), ErrorKind::kInvalidArgument);

    NetworkRecord n = macvlanNet(kId1, "ipv", "up0");
    n.driver = "ipvlan";
    n.options["ipvlan_mode"] = "l3";
    Status st = d.createNetwork(n);
    if (!st.ok()) {
      EXPECT_EQ(st.error().kind(), ErrorKind::kUnavailable);
      EXPECT_NE(st.error().message().find("kernel module ipvlan not available"),
                std::string::npos)
          << st.error().message();
      EXPECT_EQ(nl.links()->size(), before);
      // Not kept claimed: a macvlan network may use the parent.
      MacvlanDriver mac;
      NetworkRecord m = macvlanNet(kId2, "m", "up0");
      ASSERT_OK(mac.createNetwork(m));
      // join reports the same reason and leaves nothing in the sandbox.
      EndpointRecord ep = endpoint("c1", "eth0", "10.0.0.128/24");
      Status joined = d.join(n, ep, sb.get(), true);
      EXPECT_ERROR_KIND(joined, ErrorKind::kUnavailable);
      EXPECT_EQ(joined.error().message().rfind("network ipv: create ipvlan eth0: kernel module "
                                               "ipvlan not available",
                                               0),
                0U)
          << joined.error().message();
      EXPECT_ERROR_KIND(inside(sb.get(), [](Netlink& in) { return in.link("eth0"); }),
                        ErrorKind::kNotFound);
      return;
    }
    // A kernel with ipvlan: l3 routes through the link, the MAC is the parent's.
    EndpointRecord ep = endpoint("c1", "eth0", "10.0.0.128/24");
    ASSERT_OK(d.join(n, ep, sb.get(), true));
    EXPECT_EQ(ep.mac, nl.link("up0")->mac);
    auto li = inside(sb.get(), [](Netlink& in) { return in.link("eth0"); });
    ASSERT_OK(li);
    EXPECT_EQ(li->kind, "ipvlan");
    auto routes = inside(sb.get(), [](Netlink& in) { return in.routeDestinations(false); });
    ASSERT_OK(routes);
    EXPECT_NE(std::find(routes->begin(), routes->end(), "0.0.0.0/0"), routes->end());
    ASSERT_OK(d.deleteNetwork(n));
  });
}

}  // namespace
}  // namespace berth::network
