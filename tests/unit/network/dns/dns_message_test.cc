// The pure parts of the resolver: message helpers, upstream parsing, the
// record table's scoping.
#include <gtest/gtest.h>

#include "network/dns/dns_message.h"
#include "network/dns/dns_server.h"
#include "network/dns/records.h"

namespace berth::network::dns {
namespace {

TEST(DnsMessage, ReverseNames) {
  EXPECT_EQ(reverseNameToAddress("4.3.2.1.in-addr.arpa"), "1.2.3.4");
  EXPECT_EQ(reverseNameToAddress("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa"),
            "fd00::1");
  EXPECT_FALSE(reverseNameToAddress("3.2.1.in-addr.arpa"));
  EXPECT_FALSE(reverseNameToAddress("4.3.2.1000.in-addr.arpa"));
  EXPECT_FALSE(reverseNameToAddress("x.3.2.1.in-addr.arpa"));
  EXPECT_FALSE(reverseNameToAddress("example.com"));
}

TEST(DnsMessage, InspectRejectsWhatItMust) {
  EXPECT_FALSE(inspectQuery(Bytes{1, 2}).query);
  EXPECT_TRUE(inspectQuery(Bytes{1, 2}).reply.empty());
  Bytes q = {0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 2, 'C', '1', 0, 0, 1, 0, 1};
  Inspection ok = inspectQuery(q);
  ASSERT_TRUE(ok.query);
  EXPECT_EQ(ok.query->name(), "c1");
  EXPECT_EQ(ok.query->type(), kTypeA);
  EXPECT_EQ(ok.query->maxUdpReply(), 512U);
}

TEST(DnsMessage, FitForUdpKeepsQuestionAndSetsTc) {
  Bytes q = {0, 1, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0, 2, 'c', '1', 0, 0, 1, 0, 1};
  Bytes big = q;
  big.resize(1000, 0);
  Bytes fit = fitForUdp(big, 512);
  EXPECT_EQ(fit.size(), q.size());
  EXPECT_TRUE(isTruncated(fit));
  EXPECT_EQ(fit[7], 0);  // ancount
  EXPECT_EQ(fitForUdp(q, 512), q);
}

TEST(DnsMessage, ParseUpstream) {
  EXPECT_EQ(parseUpstream("1.2.3.4")->port(), 53);
  EXPECT_EQ(parseUpstream("1.2.3.4:5353")->port(), 5353);
  EXPECT_EQ(parseUpstream("fd00::1")->address().to_string(), "fd00::1");
  EXPECT_EQ(parseUpstream("[fd00::1]:54")->port(), 54);
  EXPECT_FALSE(parseUpstream("dns.example").ok());
  EXPECT_FALSE(parseUpstream("1.2.3.4:0").ok());
  EXPECT_FALSE(parseUpstream("[fd00::1").ok());
}

TEST(RecordTable, ScopedByNetworkAndCaseInsensitive) {
  RecordTable t;
  t.addEndpoint("n1", "", "a", {"Web", "a"}, {"10.0.0.2/24"});
  t.addEndpoint("n2", "", "b", {"b"}, {"10.1.0.2"});
  t.addEndpoint("n1", "", "c", {"c"}, {"10.0.0.3"});
  EXPECT_TRUE(t.lookup("c", "web").known);
  EXPECT_FALSE(t.lookup("b", "web").known);
  EXPECT_FALSE(t.lookup("nobody", "web").known);
  EXPECT_EQ(t.reverse("c", "10.0.0.2"), "web");
  EXPECT_FALSE(t.reverse("b", "10.0.0.2"));
  t.addEndpoint("n1", "", "a", {"a"}, {"10.0.0.2"});  // re-added without the alias
  EXPECT_FALSE(t.lookup("c", "web").known);
  t.removeEndpoint("n1", "a");
  EXPECT_FALSE(t.lookup("c", "a").known);
  EXPECT_FALSE(t.onAnyNetwork("a"));
}

}  // namespace
}  // namespace berth::network::dns
