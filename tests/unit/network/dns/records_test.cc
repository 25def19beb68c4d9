// The resolver's record table without sockets: "<name>.<network>" lookups in
// libnetwork's order, their scoping to the asker's networks, PTR targets and
// renames (an endpoint added again with other names).
#include "network/dns/records.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <array>
#include <string>
#include <tuple>
#include <vector>

namespace berth::network::dns {
namespace {

std::vector<std::string> texts(const std::vector<Bytes>& rdatas) {
  std::vector<std::string> out;
  for (const Bytes& b : rdatas) {
    std::array<char, INET6_ADDRSTRLEN> text{};
    int family = b.size() == 4 ? AF_INET : AF_INET6;
    if (inet_ntop(family, b.data(), text.data(), text.size()) != nullptr) {
      out.emplace_back(text.data());
    }
  }
  return out;
}

std::vector<std::string> v4(const RecordTable& t, const std::string& asker,
                            const std::string& name) {
  return texts(t.lookup(asker, name).v4);
}

class RecordTableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // c1 and c2 on localnet (c1 with the alias web), c1 also on "other";
    // c3 only on "other".
    t_.addEndpoint("n1", "LocalNet", "c1", {"c1", "web", "c1shortid123"},
                   {"10.0.0.2/24", "fd00::2/64"});
    t_.addEndpoint("n1", "LocalNet", "c2", {"c2"}, {"10.0.0.3/24"});
    t_.addEndpoint("n2", "other", "c1", {"c1", "c1shortid123"}, {"10.9.0.2/24"});
    t_.addEndpoint("n2", "other", "c3", {"c3"}, {"10.9.0.3/24"});
  }
  RecordTable t_;
};

TEST_F(RecordTableTest, NameDotNetworkResolvesOnThatNetworkOnly) {
  EXPECT_EQ(v4(t_, "c2", "c1.localnet"), std::vector<std::string>{"10.0.0.2"});
  EXPECT_EQ(v4(t_, "c2", "web.localnet"), std::vector<std::string>{"10.0.0.2"});
  EXPECT_EQ(v4(t_, "c2", "c1shortid123.localnet"), std::vector<std::string>{"10.0.0.2"});
  EXPECT_EQ(texts(t_.lookup("c2", "c1.localnet").v6), std::vector<std::string>{"fd00::2"});
  // Plain: every shared network; qualified: that network's address only.
  EXPECT_EQ(v4(t_, "c3", "c1"), std::vector<std::string>{"10.9.0.2"});
  EXPECT_EQ(v4(t_, "c3", "c1.other"), std::vector<std::string>{"10.9.0.2"});
  NameLookup both = t_.lookup("c1", "c1");
  EXPECT_EQ(both.v4.size(), 2U);
  EXPECT_EQ(v4(t_, "c1", "c1.other"), std::vector<std::string>{"10.9.0.2"});
  EXPECT_EQ(v4(t_, "c1", "c1.localnet"), std::vector<std::string>{"10.0.0.2"});
}

TEST_F(RecordTableTest, ScopingHoldsForQualifiedNames) {
  // c2 is not on "other": neither c3 nor c1's address there is visible to it.
  EXPECT_FALSE(t_.lookup("c2", "c3.other").known);
  EXPECT_FALSE(t_.lookup("c2", "c1.other").known);
  // c3 is not on localnet, although c1 is.
  EXPECT_FALSE(t_.lookup("c3", "c1.localnet").known);
  EXPECT_FALSE(t_.lookup("c3", "web.localnet").known);
  // Unknown network, unknown name, name of the wrong network: forwarded.
  EXPECT_FALSE(t_.lookup("c2", "c1.nosuchnet").known);
  EXPECT_FALSE(t_.lookup("c2", "c3.localnet").known);
  EXPECT_FALSE(t_.lookup("c2", "www.example.com").known);
  EXPECT_FALSE(t_.lookup("c2", ".localnet").known);
  EXPECT_FALSE(t_.lookup("c2", "localnet").known);
  EXPECT_FALSE(t_.lookup("stranger", "c1.localnet").known);
}

TEST_F(RecordTableTest, DotsInNamesAndNetworksFollowLibnetworksOrder) {
  t_.addEndpoint("n3", "a.b", "c4", {"my.app"}, {"10.3.0.4"});
  t_.addEndpoint("n3", "a.b", "c5", {"c5"}, {"10.3.0.5"});
  EXPECT_EQ(v4(t_, "c5", "my.app"), std::vector<std::string>{"10.3.0.4"});
  EXPECT_EQ(v4(t_, "c5", "my.app.a.b"), std::vector<std::string>{"10.3.0.4"});
  EXPECT_FALSE(t_.lookup("c5", "my.app.b").known);
  // A whole name wins over a split one: a container literally called
  // "c5.a.b" is found before c5 on network "a.b".
  t_.addEndpoint("n3", "a.b", "c6", {"c5.a.b"}, {"10.3.0.6"});
  EXPECT_EQ(v4(t_, "c5", "c5.a.b"), std::vector<std::string>{"10.3.0.6"});
  // A known name without an address of the asked type stops the search.
  t_.addEndpoint("n3", "a.b", "c7", {"v6only"}, {"fd00:3::7"});
  NameLookup l = t_.lookup("c5", "v6only.a.b");
  EXPECT_TRUE(l.known);
  EXPECT_TRUE(l.v4.empty());
  EXPECT_EQ(texts(l.v6), std::vector<std::string>{"fd00:3::7"});
}

TEST_F(RecordTableTest, PtrNamesTheHolderWithItsNetwork) {
  EXPECT_EQ(t_.reverse("c2", "10.0.0.2").value_or(""), "c1.localnet");
  EXPECT_EQ(t_.reverse("c2", "fd00::2").value_or(""), "c1.localnet");
  EXPECT_EQ(t_.reverse("c3", "10.9.0.2").value_or(""), "c1.other");
  EXPECT_FALSE(t_.reverse("c3", "10.0.0.2").has_value());
}

TEST_F(RecordTableTest, ReAddingWithANewNameIsARename) {
  for (auto [net, netName, addr] :
       {std::tuple{"n1", "LocalNet", "10.0.0.2/24"}, std::tuple{"n2", "other", "10.9.0.2/24"}}) {
    t_.addEndpoint(net, netName, "c1", {"c9", "web", "c1shortid123"}, {addr});
  }
  EXPECT_FALSE(t_.lookup("c2", "c1").known);
  EXPECT_FALSE(t_.lookup("c2", "c1.localnet").known);
  EXPECT_FALSE(t_.lookup("c3", "c1").known);
  EXPECT_EQ(v4(t_, "c2", "c9"), std::vector<std::string>{"10.0.0.2"});
  EXPECT_EQ(v4(t_, "c2", "c9.localnet"), std::vector<std::string>{"10.0.0.2"});
  EXPECT_EQ(v4(t_, "c3", "c9"), std::vector<std::string>{"10.9.0.2"});
  EXPECT_EQ(v4(t_, "c2", "web"), std::vector<std::string>{"10.0.0.2"});
  EXPECT_EQ(t_.reverse("c2", "10.0.0.2").value_or(""), "c9.localnet");
  // The renamed container still sees its networks.
  EXPECT_EQ(v4(t_, "c1", "c2.localnet"), std::vector<std::string>{"10.0.0.3"});
}

}  // namespace
}  // namespace berth::network::dns
