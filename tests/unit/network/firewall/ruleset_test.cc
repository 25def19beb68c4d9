#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "network/firewall/nft_firewall.h"

namespace berth {
namespace {

FwNetwork net(const std::string& id, const std::string& bridge,
              std::vector<std::string> subnets = {}) {
  FwNetwork n;
  n.id = id;
  n.bridge = bridge;
  n.subnets = std::move(subnets);
  return n;
}

FwPortMap port(const std::string& netId, const std::string& proto, int hostPort,
               const std::string& cip, int cport, const std::string& hostIp = "") {
  FwPortMap p;
  p.networkId = netId;
  p.proto = proto;
  p.hostIp = hostIp;
  p.hostPort = hostPort;
  p.containerIp = cip;
  p.containerPort = cport;
  return p;
}

std::string render(const FwState& s) {
  Result<std::string> r = renderRuleset(s);
  EXPECT_TRUE(r.ok()) << r.error().message();
  return r.ok() ? *r : std::string();
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(RenderRuleset, EmptyStateStillOwnsTheTableAndHooks) {
  std::string r = render({});
  EXPECT_EQ(r.rfind("add table inet berth\ndelete table inet berth\ntable inet berth {\n", 0), 0u)
      << r;
  EXPECT_TRUE(has(r, "  set bridges {\n    type ifname\n  }\n")) << r;
  EXPECT_FALSE(has(r, "elements")) << r;
  EXPECT_TRUE(has(r, "type filter hook forward priority filter; policy accept;"));
  EXPECT_TRUE(has(r, "type nat hook prerouting priority dstnat; policy accept;"));
  EXPECT_TRUE(has(r, "type nat hook output priority -100; policy accept;"));
  EXPECT_TRUE(has(r, "type nat hook postrouting priority srcnat; policy accept;"));
  EXPECT_TRUE(has(r, "oifname @bridges ip saddr 127.0.0.0/8 ct status dnat masquerade"));
  EXPECT_EQ(r.back(), '\n');
}

// The full text for the example in docs/firewall.md: keep them in step.
TEST(RenderRuleset, GoldenTwoNetworksTwoPorts) {
  FwState s;
  s.networks = {net("frontend", "br-aaaaaaaaaaaa", {"172.18.0.0/16"}),
                net("backend", "br-bbbbbbbbbbbb", {"172.19.0.0/16", "fd00:b::/64"})};
  s.networks[1].icc = false;
  s.ports = {port("frontend", "tcp", 8080, "172.18.0.2", 80),
             port("backend", "udp", 5353, "172.19.0.3", 53, "127.0.0.1")};
  const std::string golden = R"(add table inet berth
delete table inet berth
table inet berth {
  # Every berth bridge.
  set bridges {
    type ifname
    elements = {
      "br-aaaaaaaaaaaa",
      "br-bbbbbbbbbbbb"
    }
  }

  map published4 {
    type inet_proto . inet_service : ipv4_addr . inet_service
    elements = {
      tcp . 8080 : 172.18.0.2 . 80
    }
  }

  map published4_bound {
    type ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service
    elements = {
      127.0.0.1 . udp . 5353 : 172.19.0.3 . 53
    }
  }

  map published6 {
    type inet_proto . inet_service : ipv6_addr . inet_service
  }

  map published6_bound {
    type ipv6_addr . inet_proto . inet_service : ipv6_addr . inet_service
  }

  chain forward {
    type filter hook forward priority filter; policy accept;
    # published ports, both ways, from anywhere (other berth networks too)
    oifname @bridges ct status dnat accept
    # frontend: isolated from the other berth bridges
    iifname "br-aaaaaaaaaaaa" oifname != "br-aaaaaaaaaaaa" oifname @bridges drop
    # backend: isolated from the other berth bridges
    iifname "br-bbbbbbbbbbbb" oifname != "br-bbbbbbbbbbbb" oifname @bridges drop
    ct state established,related accept
    iifname "br-aaaaaaaaaaaa" oifname "br-aaaaaaaaaaaa" accept
    # backend: icc=false
    iifname "br-bbbbbbbbbbbb" oifname "br-bbbbbbbbbbbb" drop
    # nothing else enters a bridge; what leaves one may go out
    oifname @bridges drop
    iifname @bridges accept
  }

  # DNAT of published ports, for the prerouting and output hooks.
  chain published {
    dnat ip to ip daddr . meta l4proto . th dport map @published4_bound
    meta nfproto ipv4 dnat ip to meta l4proto . th dport map @published4
    dnat ip6 to ip6 daddr . meta l4proto . th dport map @published6_bound
    meta nfproto ipv6 dnat ip6 to meta l4proto . th dport map @published6
  }

  chain prerouting {
    type nat hook prerouting priority dstnat; policy accept;
    fib daddr type local jump published
  }

  # The host's own connections, 127.0.0.1 included.
  chain output {
    type nat hook output priority -100; policy accept;
    fib daddr type local jump published
  }

  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    # published on 127.0.0.1: a loopback source cannot leave through a bridge
    oifname @bridges ip saddr 127.0.0.0/8 ct status dnat masquerade
    # frontend 172.18.0.0/16
    oifname "br-aaaaaaaaaaaa" ip saddr 172.18.0.0/16 ct status dnat masquerade
    oifname != "br-aaaaaaaaaaaa" ip saddr 172.18.0.0/16 masquerade
    # backend 172.19.0.0/16
    oifname "br-bbbbbbbbbbbb" ip saddr 172.19.0.0/16 ct status dnat masquerade
    oifname != "br-bbbbbbbbbbbb" ip saddr 172.19.0.0/16 masquerade
    # backend fd00:b::/64
    oifname "br-bbbbbbbbbbbb" ip6 saddr fd00:b::/64 ct status dnat masquerade
    oifname != "br-bbbbbbbbbbbb" ip6 saddr fd00:b::/64 masquerade
  }
}
)";
  EXPECT_EQ(render(s), golden);
}

TEST(RenderRuleset, OneNetwork) {
  FwState s;
  s.networks = {net("n1", "br-one", {"172.18.0.0/16"})};
  std::string r = render(s);
  EXPECT_TRUE(has(r, "      \"br-one\"\n"));
  EXPECT_TRUE(has(r, "iifname \"br-one\" oifname != \"br-one\" oifname @bridges drop"));
  EXPECT_TRUE(has(r, "iifname \"br-one\" oifname \"br-one\" accept"));
  EXPECT_TRUE(has(r, "oifname != \"br-one\" ip saddr 172.18.0.0/16 masquerade"));
  EXPECT_TRUE(has(r, "oifname \"br-one\" ip saddr 172.18.0.0/16 ct status dnat masquerade"));
}

TEST(RenderRuleset, TwoNetworksAreIsolatedBothWays) {
  FwState s;
  s.networks = {net("a", "br-a", {"172.18.0.0/16"}), net("b", "br-b", {"172.19.0.0/16"})};
  std::string r = render(s);
  std::size_t isoA = r.find("iifname \"br-a\" oifname != \"br-a\" oifname @bridges drop");
  std::size_t isoB = r.find("iifname \"br-b\" oifname != \"br-b\" oifname @bridges drop");
  std::size_t est = r.find("ct state established,related accept");
  std::size_t published = r.find("oifname @bridges ct status dnat accept");
  ASSERT_NE(isoA, std::string::npos);
  ASSERT_NE(isoB, std::string::npos);
  // Isolation comes before the established shortcut, as in dockerd, and
  // after the published-port accept, which any network may reach.
  EXPECT_LT(isoA, est);
  EXPECT_LT(isoB, est);
  EXPECT_LT(published, isoA);
}

TEST(RenderRuleset, IccFalseDropsSameBridgeButPublished) {
  FwState s;
  s.networks = {net("a", "br-a", {"172.18.0.0/16"})};
  s.networks[0].icc = false;
  std::string r = render(s);
  std::size_t published = r.find("oifname @bridges ct status dnat accept");
  std::size_t drop = r.find("iifname \"br-a\" oifname \"br-a\" drop");
  ASSERT_NE(drop, std::string::npos) << r;
  EXPECT_LT(published, drop);  // published ports stay reachable from the same network
  EXPECT_FALSE(has(r, "iifname \"br-a\" oifname \"br-a\" accept"));
}

TEST(RenderRuleset, InternalIsBridgeLocalWithoutNatOrPorts) {
  FwState s;
  s.networks = {net("in", "br-in", {"172.20.0.0/16"})};
  s.networks[0].internal = true;
  s.ports = {port("in", "tcp", 8080, "172.20.0.2", 80)};
  std::string r = render(s);
  EXPECT_TRUE(has(r, "iifname \"br-in\" oifname != \"br-in\" drop"));
  // Before the published-port accept: nothing DNATed gets into an internal bridge.
  EXPECT_LT(r.find("oifname \"br-in\" iifname != \"br-in\" drop"),
            r.find("oifname @bridges ct status dnat accept"));
  EXPECT_FALSE(has(r, "iifname \"br-in\" oifname != \"br-in\" oifname @bridges drop"));
  EXPECT_TRUE(has(r, "oifname \"br-in\" iifname != \"br-in\" drop"));
  EXPECT_TRUE(has(r, "iifname \"br-in\" oifname \"br-in\" accept"));
  EXPECT_FALSE(has(r, "172.20.0.0/16"));  // no masquerade, no hairpin
  EXPECT_FALSE(has(r, "8080"));           // nothing published
}

TEST(RenderRuleset, MasqueradeFalseKeepsHairpinOnly) {
  FwState s;
  s.networks = {net("a", "br-a", {"172.18.0.0/16"})};
  s.networks[0].masquerade = false;
  std::string r = render(s);
  EXPECT_TRUE(has(r, "oifname \"br-a\" ip saddr 172.18.0.0/16 ct status dnat masquerade"));
  EXPECT_FALSE(has(r, "oifname != \"br-a\" ip saddr 172.18.0.0/16 masquerade"));
}

TEST(RenderRuleset, TcpAndUdpPortsGoToTheUnboundV4Map) {
  FwState s;
  s.networks = {net("a", "br-a", {"172.18.0.0/16"})};
  s.ports = {port("a", "udp", 53, "172.18.0.3", 5353), port("a", "tcp", 8080, "172.18.0.2", 80),
             port("a", "sctp", 9, "172.18.0.2", 9, "0.0.0.0")};
  std::string r = render(s);
  EXPECT_TRUE(has(r,
                  "  map published4 {\n"
                  "    type inet_proto . inet_service : ipv4_addr . inet_service\n"
                  "    elements = {\n"
                  "      sctp . 9 : 172.18.0.2 . 9,\n"
                  "      tcp . 8080 : 172.18.0.2 . 80,\n"
                  "      udp . 53 : 172.18.0.3 . 5353\n"
                  "    }\n"))
      << r;
}

TEST(RenderRuleset, HostIpBoundGoesToTheBoundMap) {
  FwState s;
  s.networks = {net("a", "br-a", {"172.18.0.0/16", "fd00:a::/64"})};
  s.ports = {port("a", "tcp", 8080, "172.18.0.2", 80, "192.0.2.7"),
             port("a", "tcp", 8080, "fd00:a::2", 80, "2001:db8::7")};
  std::string r = render(s);
  EXPECT_TRUE(has(r, "      192.0.2.7 . tcp . 8080 : 172.18.0.2 . 80\n")) << r;
  EXPECT_TRUE(has(r, "      2001:db8::7 . tcp . 8080 : fd00:a::2 . 80\n")) << r;
}

TEST(RenderRuleset, V6SubnetsAndPorts) {
  FwState s;
  s.networks = {net("six", "br-six", {"fd00:6::/64"})};
  s.ports = {port("six", "tcp", 80, "fd00:6::2", 8080),
             port("six", "udp", 53, "fd00:6::3", 53, "::")};
  std::string r = render(s);
  EXPECT_TRUE(has(r,
                  "  map published6 {\n"
                  "    type inet_proto . inet_service : ipv6_addr . inet_service\n"
                  "    elements = {\n"
                  "      tcp . 80 : fd00:6::2 . 8080,\n"
                  "      udp . 53 : fd00:6::3 . 53\n"))
      << r;
  EXPECT_TRUE(has(r, "oifname != \"br-six\" ip6 saddr fd00:6::/64 masquerade"));
  EXPECT_TRUE(has(r, "oifname \"br-six\" ip6 saddr fd00:6::/64 ct status dnat masquerade"));
  // A v6 container is never put into a v4 map.
  EXPECT_TRUE(has(r,
                  "  map published4 {\n"
                  "    type inet_proto . inet_service : ipv4_addr . inet_service\n"
                  "  }\n"));
}

TEST(RenderRuleset, OrderOfInputDoesNotMatter) {
  FwState a;
  a.networks = {net("a", "br-a", {"172.18.0.0/16"}), net("b", "br-b", {"172.19.0.0/16"})};
  a.ports = {port("a", "tcp", 1, "172.18.0.2", 1), port("b", "tcp", 2, "172.19.0.2", 2)};
  FwState b = a;
  std::reverse(b.networks.begin(), b.networks.end());
  std::reverse(b.ports.begin(), b.ports.end());
  EXPECT_EQ(render(a), render(b));
}

TEST(RenderRuleset, SubnetIsPrintedMasked) {
  FwState s;
  s.networks = {net("a", "br-a", {"172.18.3.4/16"})};
  EXPECT_TRUE(has(render(s), "ip saddr 172.18.0.0/16 masquerade"));
}

TEST(RenderRemoveAll, AddsThenDeletes) {
  EXPECT_EQ(renderRemoveAll(), "add table inet berth\ndelete table inet berth\n");
}

}  // namespace
}  // namespace berth
