#include "network/firewall/fw_model.h"

#include <gtest/gtest.h>

#include "network/firewall/nft_firewall.h"
#include "network/firewall/nft_runner.h"

namespace berth {
namespace {

FwState oneNetwork() {
  FwState s;
  FwNetwork n;
  n.id = "n1";
  n.bridge = "br-n1";
  n.subnets = {"172.18.0.0/16", "fd00:1::/64"};
  s.networks.push_back(n);
  return s;
}

FwPortMap goodPort() {
  FwPortMap p;
  p.networkId = "n1";
  p.proto = "tcp";
  p.hostPort = 8080;
  p.containerPort = 80;
  p.containerIp = "172.18.0.2";
  return p;
}

ErrorKind kindOf(const FwState& s) {
  Result<FwCheckedState> r = checkFwState(s);
  EXPECT_FALSE(r.ok());
  return r.ok() ? ErrorKind::kInternal : r.error().kind();
}

TEST(FwModel, SafeIfNames) {
  EXPECT_TRUE(isSafeIfName("br-1a2b3c4d5e6f"));
  EXPECT_TRUE(isSafeIfName("docker_0.1"));
  EXPECT_TRUE(isSafeIfName("a23456789012345"));
  EXPECT_FALSE(isSafeIfName(""));
  EXPECT_FALSE(isSafeIfName("a234567890123456"));  // 16 characters
  EXPECT_FALSE(isSafeIfName("br\"x"));
  EXPECT_FALSE(isSafeIfName("br x"));
  EXPECT_FALSE(isSafeIfName("br\n}"));
  EXPECT_FALSE(isSafeIfName("br;drop"));
  EXPECT_FALSE(isSafeIfName("br*"));
  EXPECT_FALSE(isSafeIfName(".."));
}

TEST(FwModel, GoodStatePasses) {
  FwState s = oneNetwork();
  s.ports.push_back(goodPort());
  Result<FwCheckedState> r = checkFwState(s);
  ASSERT_TRUE(r.ok()) << r.error().message();
  ASSERT_EQ(r->dnat4.size(), 1u);
  EXPECT_FALSE(r->dnat4[0].hostIp.has_value());
  EXPECT_TRUE(r->dnat6.empty());
}

TEST(FwModel, BadNetworksAreRefused) {
  FwState s = oneNetwork();
  s.networks[0].bridge = "br\" accept";
  EXPECT_EQ(kindOf(s), ErrorKind::kInvalidArgument);

  s = oneNetwork();
  s.networks[0].id = "n1\nchain x {";
  EXPECT_EQ(kindOf(s), ErrorKind::kInvalidArgument);

  s = oneNetwork();
  s.networks[0].subnets = {"172.18.0.0/33"};
  EXPECT_EQ(kindOf(s), ErrorKind::kInvalidArgument);

  s = oneNetwork();
  s.networks[0].subnets = {"172.18.0.0/16 accept"};
  EXPECT_EQ(kindOf(s), ErrorKind::kInvalidArgument);

  s = oneNetwork();
  s.networks.push_back(s.networks[0]);
  s.networks[1].id = "n2";  // same bridge twice
  EXPECT_EQ(kindOf(s), ErrorKind::kInvalidArgument);

  s = oneNetwork();
  s.networks.push_back(s.networks[0]);
  s.networks[1].bridge = "br-n2";  // same id twice
  EXPECT_EQ(kindOf(s), ErrorKind::kInvalidArgument);
}

TEST(FwModel, BadPortsAreRefused) {
  auto withPort = [](void (*edit)(FwPortMap&)) {
    FwState s = oneNetwork();
    s.ports.push_back(goodPort());
    edit(s.ports[0]);
    return s;
  };
  EXPECT_EQ(kindOf(withPort([](FwPortMap& p) { p.proto = "icmp"; })), ErrorKind::kInvalidArgument);
  EXPECT_EQ(kindOf(withPort([](FwPortMap& p) { p.proto = "TCP"; })), ErrorKind::kInvalidArgument);
  EXPECT_EQ(kindOf(withPort([](FwPortMap& p) { p.hostPort = 0; })), ErrorKind::kInvalidArgument);
  EXPECT_EQ(kindOf(withPort([](FwPortMap& p) { p.hostPort = 65536; })),
            ErrorKind::kInvalidArgument);
  EXPECT_EQ(kindOf(withPort([](FwPortMap& p) { p.containerPort = -1; })),
            ErrorKind::kInvalidArgument);
  EXPECT_EQ(kindOf(withPort([](FwPortMap& p) { p.containerIp = "172.18.0.2 . 1"; })),
            ErrorKind::kInvalidArgument);
  EXPECT_EQ(kindOf(withPort([](FwPortMap& p) { p.containerIp = "10.0.0.2"; })),
            ErrorKind::kInvalidArgument);  // not in the network's subnets
  EXPECT_EQ(kindOf(withPort([](FwPortMap& p) { p.hostIp = "localhost"; })),
            ErrorKind::kInvalidArgument);
  EXPECT_EQ(kindOf(withPort([](FwPortMap& p) { p.hostIp = "::1"; })),
            ErrorKind::kInvalidArgument);  // v6 host address, v4 container
  EXPECT_EQ(kindOf(withPort([](FwPortMap& p) { p.hostIp = "::"; })), ErrorKind::kInvalidArgument);
  EXPECT_EQ(kindOf(withPort([](FwPortMap& p) { p.networkId = "nope"; })),
            ErrorKind::kInvalidArgument);
}

TEST(FwModel, ContainerIpMayCarryAPrefixLength) {
  FwState s = oneNetwork();
  s.ports.push_back(goodPort());
  s.ports[0].containerIp = "172.18.0.2/16";
  Result<FwCheckedState> r = checkFwState(s);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->dnat4[0].containerIp.toString(), "172.18.0.2");
}

TEST(FwModel, SameHostKeyTwiceIsAConflict) {
  FwState s = oneNetwork();
  s.ports = {goodPort(), goodPort()};
  s.ports[1].containerIp = "172.18.0.3";
  Result<FwCheckedState> r = checkFwState(s);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind(), ErrorKind::kConflict);
  EXPECT_NE(r.error().message().find("tcp *:8080"), std::string::npos) << r.error().message();
}

TEST(FwModel, IdenticalMappingsCollapse) {
  FwState s = oneNetwork();
  s.ports = {goodPort(), goodPort()};
  Result<FwCheckedState> r = checkFwState(s);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->dnat4.size(), 1u);
}

TEST(FwModel, SamePortOnOtherProtoOrAddressIsFine) {
  FwState s = oneNetwork();
  s.ports = {goodPort(), goodPort(), goodPort(), goodPort()};
  s.ports[1].proto = "udp";
  s.ports[2].hostIp = "127.0.0.1";
  s.ports[3].containerIp = "fd00:1::2";  // hostIp "" covers both families
  Result<FwCheckedState> r = checkFwState(s);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->dnat4.size(), 3u);
  EXPECT_EQ(r->dnat6.size(), 1u);
}

TEST(FwModel, AnyAddressMeansUnbound) {
  FwState s = oneNetwork();
  s.ports = {goodPort(), goodPort()};
  s.ports[0].hostIp = "0.0.0.0";
  s.ports[1].hostIp = "::";
  s.ports[1].containerIp = "fd00:1::2";
  Result<FwCheckedState> r = checkFwState(s);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_FALSE(r->dnat4[0].hostIp.has_value());
  EXPECT_FALSE(r->dnat6[0].hostIp.has_value());
}

TEST(CondenseNftError, OneLinePerError) {
  std::string text =
      "internal:25:41-41: Error: syntax error, unexpected '}'\n"
      "    fib daddr type local jump published }\n"
      "                                        ^\n"
      "internal:26:3-7: Error: syntax error, unexpected chain\n"
      "  chain output {\n"
      "  ^^^^^\n";
  EXPECT_EQ(condenseNftError(text),
            "internal:25:41-41: Error: syntax error, unexpected '}' (at: fib daddr type local "
            "jump published }); internal:26:3-7: Error: syntax error, unexpected chain (at: "
            "chain output {)");
  EXPECT_EQ(condenseNftError(""), "");
  EXPECT_EQ(condenseNftError("Error: Could not process rule: No such file or directory\n"),
            "Error: Could not process rule: No such file or directory");
}

}  // namespace
}  // namespace berth
