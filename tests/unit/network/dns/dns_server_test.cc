// The embedded DNS server with real sockets: the "host" (berthd's side, fake
// upstreams) and every sandbox are throwaway network namespaces.
#include "network/dns/dns_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include "network/dns/knot.h"
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <chrono>
#include <iostream>
#include <random>
#include <set>
#include <thread>

#include "kernel/netlink.h"
#include "kernel/netns.h"

namespace berth::network::dns {
namespace {

using Ms = std::chrono::milliseconds;

// --- messages ---------------------------------------------------------------

Bytes makeQuery(const std::string& name, uint16_t type, uint16_t id = 0x1234,
                int ednsPayload = 0) {
  Bytes q = {static_cast<uint8_t>(id >> 8), static_cast<uint8_t>(id & 0xff), 0x01, 0x00, 0, 1,
             0, 0, 0, 0, 0, static_cast<uint8_t>(ednsPayload > 0 ? 1 : 0)};
  size_t start = 0;
  while (start < name.size()) {
    size_t dot = name.find('.', start);
    if (dot == std::string::npos) {
      dot = name.size();
    }
    q.push_back(static_cast<uint8_t>(dot - start));
    q.insert(q.end(), name.begin() + static_cast<long>(start), name.begin() + static_cast<long>(dot));
    start = dot + 1;
  }
  q.insert(q.end(), {0, static_cast<uint8_t>(type >> 8), static_cast<uint8_t>(type & 0xff), 0, 1});
  if (ednsPayload > 0) {  // OPT: root, type 41, class = payload, ttl 0, rdlen 0
    q.insert(q.end(), {0, 0, 41, static_cast<uint8_t>(ednsPayload >> 8),
                       static_cast<uint8_t>(ednsPayload & 0xff), 0, 0, 0, 0, 0, 0});
  }
  return q;
}

struct Reply {
  bool received = false;
  int rcode = -1;
  bool tc = false;
  uint16_t id = 0;
  std::vector<std::string> addrs;  // A/AAAA text, in answer order
  std::vector<std::string> ptrs;
  int optPayload = 0;  // 0 = no OPT
};

Reply parseReply(const Bytes& wire) {
  Reply r;
  if (wire.empty()) {
    return r;
  }
  r.received = true;
  Bytes copy = wire;
  knot_pkt_t* p = knot_pkt_new(copy.data(), static_cast<uint16_t>(copy.size()), nullptr);
  if (p == nullptr || knot_pkt_parse(p, 0) != KNOT_EOK) {
    r.rcode = wire.size() >= 4 ? (wire[3] & 0x0f) : -1;
    r.tc = wire.size() >= 4 && (wire[2] & 0x02) != 0;
    knot_pkt_free(p);
    return r;
  }
  r.rcode = knot_wire_get_rcode(p->wire);
  r.tc = knot_wire_get_tc(p->wire) != 0;
  r.id = knot_wire_get_id(p->wire);
  const knot_pktsection_t* ans = knot_pkt_section(p, KNOT_ANSWER);
  for (uint16_t i = 0; i < ans->count; ++i) {
    const knot_rrset_t* rr = knot_pkt_rr(ans, i);
    for (uint16_t j = 0; j < rr->rrs.count; ++j) {
      const knot_rdata_t* rd = knot_rdataset_at(&rr->rrs, j);
      if (rr->type == KNOT_RRTYPE_A || rr->type == KNOT_RRTYPE_AAAA) {
        std::array<char, INET6_ADDRSTRLEN> buf{};
        inet_ntop(rr->type == KNOT_RRTYPE_A ? AF_INET : AF_INET6, rd->data, buf.data(), buf.size());
        r.addrs.emplace_back(buf.data());
      } else if (rr->type == KNOT_RRTYPE_PTR) {
        std::array<char, KNOT_DNAME_TXT_MAXLEN + 1> buf{};
        knot_dname_to_str(buf.data(), rd->data, buf.size());
        r.ptrs.emplace_back(buf.data());
      }
    }
  }
  if (p->opt_rr != nullptr) {
    r.optPayload = knot_edns_get_payload(p->opt_rr);
  }
  knot_pkt_free(p);
  return r;
}

// --- namespaces and clients -------------------------------------------------

Result<UniqueFd> newNetns() {
  return runInNewNetns([]() -> Result<UniqueFd> {
    BERTH_ASSIGN_OR_RETURN(Netlink nl, Netlink::open());
    BERTH_TRY(nl.setUp("lo", true));
    return openCurrentNetns();
  });
}

Bytes recvWithin(int fd, int timeoutMs) {
  pollfd pfd{fd, POLLIN, 0};
  if (::poll(&pfd, 1, timeoutMs) != 1) {
    return {};
  }
  Bytes buf(65535);
  ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
  if (n < 0) {
    return {};
  }
  buf.resize(static_cast<size_t>(n));
  return buf;
}

sockaddr_in resolverAddr() {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(53);
  inet_pton(AF_INET, "127.0.0.11", &sa.sin_addr);
  return sa;
}

// Sends `msg` over UDP to 127.0.0.11:53 from inside `ns`; the reply or empty.
Bytes askUdp(int ns, const Bytes& msg, int timeoutMs = 2000) {
  auto r = runInNetns(ns, [&]() -> Bytes {
    UniqueFd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    sockaddr_in sa = resolverAddr();
    if (::sendto(fd.get(), msg.data(), msg.size(), 0, reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0) {
      return {};
    }
    return recvWithin(fd.get(), timeoutMs);
  });
  return r.ok() ? *r : Bytes{};
}

Bytes askTcp(int ns, const Bytes& msg) {
  auto r = runInNetns(ns, [&]() -> Bytes {
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in sa = resolverAddr();
    timeval tv{2, 0};
    setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
      return {};
    }
    Bytes out = {static_cast<uint8_t>(msg.size() >> 8), static_cast<uint8_t>(msg.size() & 0xff)};
    out.insert(out.end(), msg.begin(), msg.end());
    if (::send(fd.get(), out.data(), out.size(), 0) != static_cast<ssize_t>(out.size())) {
      return {};
    }
    std::array<uint8_t, 2> len{};
    if (::recv(fd.get(), len.data(), 2, MSG_WAITALL) != 2) {
      return {};
    }
    Bytes reply((static_cast<size_t>(len[0]) << 8) | len[1]);
    if (::recv(fd.get(), reply.data(), reply.size(), MSG_WAITALL) != static_cast<ssize_t>(reply.size())) {
      return {};
    }
    return reply;
  });
  return r.ok() ? *r : Bytes{};
}

// --- a fake upstream in the "host" namespace --------------------------------

// Answers A queries with `address` over UDP (or with an empty TC reply when
// `truncate`), and over TCP on the same port with `tcpAddress`. Echoes an OPT
// record with payload 4000 when the query had one. `silent`: never answers.
class FakeUpstream {
 public:
  FakeUpstream(int hostNs, std::string address, bool truncate = false, bool silent = false,
               std::string tcpAddress = "192.0.2.200")
      : address_(std::move(address)), tcpAddress_(std::move(tcpAddress)), truncate_(truncate),
        silent_(silent) {
    auto made = runInNetns(hostNs, [&]() -> Status {
      udp_ = UniqueFd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
      tcp_ = UniqueFd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
      sockaddr_in sa{};
      sa.sin_family = AF_INET;
      inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
      if (::bind(udp_.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
        return systemError("bind", errno);
      }
      socklen_t len = sizeof sa;
      ::getsockname(udp_.get(), reinterpret_cast<sockaddr*>(&sa), &len);
      port_ = ntohs(sa.sin_port);
      if (::bind(tcp_.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 ||
          ::listen(tcp_.get(), 8) != 0) {
        return systemError("bind tcp", errno);
      }
      return okStatus();
    });
    EXPECT_TRUE(made.ok());
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeUpstream() {
    stop_ = true;
    thread_.join();
  }
  std::string endpoint() const { return "127.0.0.1:" + std::to_string(port_); }
  int udpQueries() const { return udpQueries_; }
  int tcpQueries() const { return tcpQueries_; }
  bool sawOpt() const { return sawOpt_; }

 private:
  Bytes answer(const Bytes& q, const std::string& addr, bool tc) {
    size_t off = kHeaderSize;
    while (off < q.size() && q[off] != 0) {
      off += q[off] + 1U;
    }
    off += 5;  // root label, type, class
    if (off > q.size()) {
      return {};
    }
    Bytes r(q.begin(), q.begin() + static_cast<long>(off));
    r[2] |= 0x80;
    if (tc) {
      r[2] |= 0x02;
    }
    r[3] = 0x80;
    r[7] = tc ? 0 : 1;  // ancount
    r[11] = 0;
    if (!tc) {
      std::array<uint8_t, 4> a{};
      inet_pton(AF_INET, addr.c_str(), a.data());
      r.insert(r.end(), {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4});
      r.insert(r.end(), a.begin(), a.end());
    }
    if (q.size() > off && q[11] == 1) {  // the query's OPT: echo ours
      sawOpt_ = true;
      r[11] = 1;
      r.insert(r.end(), {0, 0, 41, 0x0f, 0xa0, 0, 0, 0, 0, 0, 0});
    }
    return r;
  }

  void serve() {
    while (!stop_) {
      std::array<pollfd, 2> pfds{{{udp_.get(), POLLIN, 0}, {tcp_.get(), POLLIN, 0}}};
      if (::poll(pfds.data(), 2, 50) <= 0) {
        continue;
      }
      if ((pfds[0].revents & POLLIN) != 0) {
        Bytes buf(4096);
        sockaddr_in peer{};
        socklen_t len = sizeof peer;
        ssize_t n = ::recvfrom(udp_.get(), buf.data(), buf.size(), 0,
                               reinterpret_cast<sockaddr*>(&peer), &len);
        ++udpQueries_;
        if (n > 0 && !silent_) {
          buf.resize(static_cast<size_t>(n));
          Bytes r = answer(buf, address_, truncate_);
          ::sendto(udp_.get(), r.data(), r.size(), 0, reinterpret_cast<sockaddr*>(&peer), len);
        }
      }
      if ((pfds[1].revents & POLLIN) != 0) {
        UniqueFd c(::accept(tcp_.get(), nullptr, nullptr));
        std::array<uint8_t, 2> l{};
        if (::recv(c.get(), l.data(), 2, MSG_WAITALL) == 2) {
          Bytes q((static_cast<size_t>(l[0]) << 8) | l[1]);
          if (::recv(c.get(), q.data(), q.size(), MSG_WAITALL) == static_cast<ssize_t>(q.size())) {
            ++tcpQueries_;
            Bytes r = answer(q, tcpAddress_, false);
            Bytes out = {static_cast<uint8_t>(r.size() >> 8), static_cast<uint8_t>(r.size() & 0xff)};
            out.insert(out.end(), r.begin(), r.end());
            (void)::send(c.get(), out.data(), out.size(), 0);
          }
        }
      }
    }
  }

  std::string address_, tcpAddress_;
  bool truncate_, silent_;
  UniqueFd udp_, tcp_;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> udpQueries_{0}, tcpQueries_{0};
  std::atomic<bool> sawOpt_{false};
  std::thread thread_;
};

// --- fixture ----------------------------------------------------------------

class DnsServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) {
      GTEST_SKIP() << "needs root";
    }
    auto h = newNetns();
    if (!h.ok()) {
      GTEST_SKIP() << "cannot create a network namespace: " << h.error().message();
    }
    host_ = std::move(*h);
  }
  void TearDown() override { stopServer(); }

  void startServer(DnsOptions o = {}) {
    o.hostResolvConf = "/nonexistent/resolv.conf";
    server_ = std::make_unique<DnsServer>(io_, std::move(o));
    loop_ = std::thread([this] { (void)runInNetns(host_.get(), [this] { io_.run(); }); });
  }
  void stopServer() {
    if (loop_.joinable()) {
      work_.reset();
      io_.stop();
      loop_.join();
    }
    server_.reset();
  }
  // A sandbox netns served for `containerId`.
  UniqueFd sandbox(const std::string& containerId, SandboxDns cfg = {}) {
    auto ns = newNetns();
    EXPECT_TRUE(ns.ok());
    Status st = server_->addSandbox(containerId, ns->get(), std::move(cfg));
    EXPECT_TRUE(st.ok()) << (st.ok() ? "" : st.error().message());
    return std::move(*ns);
  }

  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_{
      boost::asio::make_work_guard(io_)};
  UniqueFd host_;
  std::unique_ptr<DnsServer> server_;
  std::thread loop_;
};

TEST_F(DnsServerTest, AnswersLocalNamesAandAaaaAndPtr) {
  startServer();
  server_->addEndpoint("net1", "net1", "c1", {"c1", "c1shortid12", "host1"}, {"10.0.0.2/24", "fd00::2/64"});
  server_->addEndpoint("net1", "net1", "c2", {"c2"}, {"10.0.0.3/24"});
  UniqueFd ns = sandbox("c2");

  Reply a = parseReply(askUdp(ns.get(), makeQuery("c1", kTypeA, 77)));
  EXPECT_EQ(a.rcode, 0);
  EXPECT_EQ(a.id, 77);
  EXPECT_EQ(a.addrs, std::vector<std::string>{"10.0.0.2"});
  EXPECT_EQ(parseReply(askUdp(ns.get(), makeQuery("C1.", kTypeA))).addrs,
            std::vector<std::string>{"10.0.0.2"});
  EXPECT_EQ(parseReply(askUdp(ns.get(), makeQuery("host1", kTypeA))).addrs,
            std::vector<std::string>{"10.0.0.2"});
  EXPECT_EQ(parseReply(askUdp(ns.get(), makeQuery("c1shortid12", kTypeA))).addrs,
            std::vector<std::string>{"10.0.0.2"});
  EXPECT_EQ(parseReply(askUdp(ns.get(), makeQuery("c1", kTypeAaaa))).addrs,
            std::vector<std::string>{"fd00::2"});
  Reply noV6 = parseReply(askUdp(ns.get(), makeQuery("c2", kTypeAaaa)));
  EXPECT_EQ(noV6.rcode, 0);
  EXPECT_TRUE(noV6.addrs.empty());
  EXPECT_EQ(parseReply(askUdp(ns.get(), makeQuery("2.0.0.10.in-addr.arpa", kTypePtr))).ptrs,
            std::vector<std::string>{"c1.net1."});
  std::string v6rev = "2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa";
  EXPECT_EQ(parseReply(askUdp(ns.get(), makeQuery(v6rev, kTypePtr))).ptrs,
            std::vector<std::string>{"c1.net1."});
  // Over TCP as well.
  EXPECT_EQ(parseReply(askTcp(ns.get(), makeQuery("c1", kTypeA))).addrs,
            std::vector<std::string>{"10.0.0.2"});
  // Removed: no longer answered locally (no upstream: SERVFAIL).
  server_->removeEndpoint("net1", "c1");
  Reply gone = parseReply(askUdp(ns.get(), makeQuery("c1", kTypeA)));
  EXPECT_TRUE(gone.addrs.empty());
  EXPECT_EQ(gone.rcode, kRcodeServFail);
}

TEST_F(DnsServerTest, SharedAliasReturnsAllAddressesShuffled) {
  startServer();
  server_->addEndpoint("net1", "net1", "c1", {"c1", "web"}, {"10.0.0.2"});
  server_->addEndpoint("net1", "net1", "c2", {"c2", "web"}, {"10.0.0.3"});
  server_->addEndpoint("net1", "net1", "c3", {"c3", "web"}, {"10.0.0.4"});
  UniqueFd ns = sandbox("c1");
  std::set<std::vector<std::string>> orders;
  for (int i = 0; i < 40; ++i) {
    Reply r = parseReply(askUdp(ns.get(), makeQuery("web", kTypeA)));
    ASSERT_EQ(r.addrs.size(), 3U);
    orders.insert(r.addrs);
  }
  EXPECT_GT(orders.size(), 1U);
  std::vector<std::string> any = *orders.begin();
  std::sort(any.begin(), any.end());
  EXPECT_EQ(any, (std::vector<std::string>{"10.0.0.2", "10.0.0.3", "10.0.0.4"}));
}

TEST_F(DnsServerTest, NamesAreScopedToSharedNetworks) {
  startServer();
  server_->addEndpoint("net1", "net1", "c1", {"c1"}, {"10.0.0.2"});
  server_->addEndpoint("net1", "net1", "c2", {"c2"}, {"10.0.0.3"});
  server_->addEndpoint("net2", "net2", "c3", {"c3"}, {"10.1.0.2"});
  UniqueFd ns3 = sandbox("c3", SandboxDns{{}, true});
  EXPECT_EQ(parseReply(askUdp(ns3.get(), makeQuery("c1", kTypeA))).rcode, kRcodeRefused);
  EXPECT_TRUE(parseReply(askUdp(ns3.get(), makeQuery("2.0.0.10.in-addr.arpa", kTypePtr))).ptrs.empty());
  EXPECT_EQ(parseReply(askUdp(ns3.get(), makeQuery("c3", kTypeA))).addrs,
            std::vector<std::string>{"10.1.0.2"});
  // Connected to net1 too: now it sees c1.
  server_->addEndpoint("net1", "net1", "c3", {"c3"}, {"10.0.0.9"});
  EXPECT_EQ(parseReply(askUdp(ns3.get(), makeQuery("c1", kTypeA))).addrs,
            std::vector<std::string>{"10.0.0.2"});
  // c3's name on both networks: both addresses.
  EXPECT_EQ(parseReply(askUdp(ns3.get(), makeQuery("c3", kTypeA))).addrs.size(), 2U);
  server_->removeEndpoint("net1", "c3");
  EXPECT_EQ(parseReply(askUdp(ns3.get(), makeQuery("c1", kTypeA))).rcode, kRcodeRefused);
}

TEST_F(DnsServerTest, ForwardsUnknownNamesWithEdnsPassthrough) {
  FakeUpstream up(host_.get(), "192.0.2.1");
  DnsOptions o;
  o.upstreams = {up.endpoint()};
  startServer(o);
  server_->addEndpoint("net1", "net1", "c1", {"c1"}, {"10.0.0.2"});
  UniqueFd ns = sandbox("c1");
  Reply r = parseReply(askUdp(ns.get(), makeQuery("example.test", kTypeA, 4242, 1400)));
  EXPECT_EQ(r.id, 4242);
  EXPECT_EQ(r.addrs, std::vector<std::string>{"192.0.2.1"});
  EXPECT_TRUE(up.sawOpt());
  EXPECT_EQ(r.optPayload, 4000);  // the upstream's own OPT, passed through
  // A local name never reaches the upstream.
  int before = up.udpQueries();
  EXPECT_EQ(parseReply(askUdp(ns.get(), makeQuery("c1", kTypeA))).addrs,
            std::vector<std::string>{"10.0.0.2"});
  EXPECT_EQ(up.udpQueries(), before);
}

TEST_F(DnsServerTest, ContainerDnsOverridesDaemonUpstreams) {
  FakeUpstream daemonUp(host_.get(), "192.0.2.1");
  FakeUpstream own(host_.get(), "192.0.2.7");
  DnsOptions o;
  o.upstreams = {daemonUp.endpoint()};
  startServer(o);
  server_->addEndpoint("net1", "net1", "c1", {"c1"}, {"10.0.0.2"});
  UniqueFd ns = sandbox("c1", SandboxDns{{own.endpoint()}, false});
  EXPECT_EQ(parseReply(askUdp(ns.get(), makeQuery("x.test", kTypeA))).addrs,
            std::vector<std::string>{"192.0.2.7"});
  EXPECT_EQ(daemonUp.udpQueries(), 0);
}

TEST_F(DnsServerTest, DeadFirstUpstreamIsRacedAndThenSkipped) {
  FakeUpstream dead(host_.get(), "", false, /*silent=*/true);
  FakeUpstream live(host_.get(), "192.0.2.3");
  DnsOptions o;
  o.upstreams = {dead.endpoint(), live.endpoint()};
  startServer(o);
  server_->addEndpoint("net1", "net1", "c1", {"c1"}, {"10.0.0.2"});
  UniqueFd ns = sandbox("c1");
  for (int i = 0; i < 5; ++i) {
    // Well under a second each (a sequential resolver would wait seconds).
    Reply r = parseReply(askUdp(ns.get(), makeQuery("q" + std::to_string(i) + ".test", kTypeA,
                                                     static_cast<uint16_t>(i)), 1000));
    EXPECT_EQ(r.addrs, std::vector<std::string>{"192.0.2.3"}) << i;
  }
  // Known dead after the first race: later lookups go to the live one only.
  EXPECT_EQ(dead.udpQueries(), 1);
}

TEST_F(DnsServerTest, RefusedPortFailsOverAtOnce) {
  FakeUpstream live(host_.get(), "192.0.2.4");
  DnsOptions o;
  o.upstreams = {"127.0.0.1:9", live.endpoint()};  // nothing listens on 9: ICMP unreachable
  o.forwarder.raceDelay = Ms(5000);                // so only the refusal can move on
  startServer(o);
  server_->addEndpoint("net1", "net1", "c1", {"c1"}, {"10.0.0.2"});
  UniqueFd ns = sandbox("c1");
  EXPECT_EQ(parseReply(askUdp(ns.get(), makeQuery("r.test", kTypeA), 2000)).addrs,
            std::vector<std::string>{"192.0.2.4"});
}

TEST_F(DnsServerTest, TruncatedUpstreamAnswerIsFetchedOverTcp) {
  FakeUpstream up(host_.get(), "192.0.2.1", /*truncate=*/true, false, "192.0.2.99");
  DnsOptions o;
  o.upstreams = {up.endpoint()};
  startServer(o);
  server_->addEndpoint("net1", "net1", "c1", {"c1"}, {"10.0.0.2"});
  UniqueFd ns = sandbox("c1");
  Reply r = parseReply(askUdp(ns.get(), makeQuery("big.test", kTypeA)));
  EXPECT_FALSE(r.tc);
  EXPECT_EQ(r.addrs, std::vector<std::string>{"192.0.2.99"});
  EXPECT_EQ(up.tcpQueries(), 1);
}

TEST_F(DnsServerTest, InternalNetworksDoNotForward) {
  FakeUpstream up(host_.get(), "192.0.2.1");
  DnsOptions o;
  o.upstreams = {up.endpoint()};
  startServer(o);
  server_->addEndpoint("net1", "net1", "c1", {"c1"}, {"10.0.0.2"});
  UniqueFd ns = sandbox("c1", SandboxDns{{}, true});
  EXPECT_EQ(parseReply(askUdp(ns.get(), makeQuery("example.test", kTypeA))).rcode, kRcodeRefused);
  EXPECT_EQ(up.udpQueries(), 0);
}

TEST_F(DnsServerTest, RateLimitDropsForwardedQueriesBeyondTheBucket) {
  FakeUpstream up(host_.get(), "192.0.2.1");
  DnsOptions o;
  o.upstreams = {up.endpoint()};
  o.ratePerSecond = 10;
  o.burst = 20;
  auto fixed = std::chrono::steady_clock::now();
  o.clock = [fixed] { return fixed; };  // no refill during the test
  startServer(o);
  server_->addEndpoint("net1", "net1", "c1", {"c1"}, {"10.0.0.2"});
  server_->addEndpoint("net1", "net1", "c2", {"c2"}, {"10.0.0.3"});
  UniqueFd ns1 = sandbox("c1");
  UniqueFd ns2 = sandbox("c2");
  int answered = 0;
  for (int i = 0; i < 30; ++i) {
    answered += parseReply(askUdp(ns1.get(), makeQuery("out.test", kTypeA), 300)).received ? 1 : 0;
  }
  EXPECT_EQ(answered, 20);
  // Local names are still answered to the flooding container...
  EXPECT_EQ(parseReply(askUdp(ns1.get(), makeQuery("c2", kTypeA))).addrs,
            std::vector<std::string>{"10.0.0.3"});
  // ...and another container still gets its forwarded answers.
  EXPECT_TRUE(parseReply(askUdp(ns2.get(), makeQuery("out.test", kTypeA), 2000)).received);
}

TEST_F(DnsServerTest, LocalAnswersAreNotRateLimited) {
  DnsOptions o;
  o.ratePerSecond = 10;
  o.burst = 20;
  auto fixed = std::chrono::steady_clock::now();
  o.clock = [fixed] { return fixed; };
  startServer(o);
  server_->addEndpoint("net1", "net1", "c1", {"c1"}, {"10.0.0.2"});
  UniqueFd ns = sandbox("c1");
  int answered = 0;
  for (int i = 0; i < 100; ++i) {
    answered += parseReply(askUdp(ns.get(), makeQuery("c1", kTypeA))).received ? 1 : 0;
  }
  EXPECT_EQ(answered, 100);
}

TEST_F(DnsServerTest, MalformedPacketsGetFormerrOrAreDropped) {
  startServer();
  server_->addEndpoint("net1", "net1", "c1", {"c1"}, {"10.0.0.2"});
  UniqueFd ns = sandbox("c1");
  // Too short for a header: dropped.
  EXPECT_FALSE(parseReply(askUdp(ns.get(), Bytes{1, 2, 3, 4, 5}, 200)).received);
  // A response: dropped (no reflection).
  Bytes resp = makeQuery("c1", kTypeA);
  resp[2] |= 0x80;
  EXPECT_FALSE(parseReply(askUdp(ns.get(), resp, 200)).received);
  // qdcount 1 without a question: FORMERR.
  Bytes noQ = {0, 9, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0};
  EXPECT_EQ(parseReply(askUdp(ns.get(), noQ)).rcode, kRcodeFormErr);
  // A compression pointer to itself in the question: FORMERR.
  Bytes loop = {0, 10, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 0x0c, 0, 1, 0, 1};
  EXPECT_EQ(parseReply(askUdp(ns.get(), loop)).rcode, kRcodeFormErr);
  // Two questions: FORMERR.
  Bytes two = makeQuery("c1", kTypeA);
  two[5] = 2;
  EXPECT_EQ(parseReply(askUdp(ns.get(), two)).rcode, kRcodeFormErr);
  // Another opcode: NOTIMP.
  Bytes notify = makeQuery("c1", kTypeA);
  notify[2] = static_cast<uint8_t>(4 << 3);
  EXPECT_EQ(parseReply(askUdp(ns.get(), notify)).rcode, kRcodeNotImp);
  // Random garbage, then the server still answers.
  std::mt19937 rng(42);
  for (int i = 0; i < 200; ++i) {
    Bytes junk(rng() % 600);
    for (auto& b : junk) {
      b = static_cast<uint8_t>(rng());
    }
    (void)askUdp(ns.get(), junk, 0);
  }
  // Garbage over TCP: a huge length, then a hang-up.
  (void)askTcp(ns.get(), Bytes(3, 0xff));
  EXPECT_EQ(parseReply(askUdp(ns.get(), makeQuery("c1", kTypeA))).addrs,
            std::vector<std::string>{"10.0.0.2"});
}

TEST_F(DnsServerTest, ContainerCanRunItsOwnServerOnPort53) {
  startServer();
  server_->addEndpoint("net1", "net1", "c1", {"c1"}, {"10.0.0.2"});
  UniqueFd ns = sandbox("c1");
  auto bound = runInNetns(ns.get(), []() -> Status {
    UniqueFd u(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    UniqueFd t(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(53);
    if (::bind(u.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
      return systemError("bind udp 0.0.0.0:53", errno);
    }
    if (::bind(t.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 || ::listen(t.get(), 1) != 0) {
      return systemError("bind tcp 0.0.0.0:53", errno);
    }
    return okStatus();
  });
  EXPECT_TRUE(bound.ok()) << (bound.ok() ? "" : bound.error().message());
  EXPECT_EQ(parseReply(askUdp(ns.get(), makeQuery("c1", kTypeA))).addrs,
            std::vector<std::string>{"10.0.0.2"});
}

TEST_F(DnsServerTest, RemovedSandboxStopsAnswering) {
  startServer();
  server_->addEndpoint("net1", "net1", "c1", {"c1"}, {"10.0.0.2"});
  UniqueFd ns = sandbox("c1");
  EXPECT_TRUE(parseReply(askUdp(ns.get(), makeQuery("c1", kTypeA))).received);
  server_->removeSandbox("c1");
  EXPECT_EQ(server_->sandboxCount(), 0U);
  EXPECT_FALSE(parseReply(askUdp(ns.get(), makeQuery("c1", kTypeA), 300)).received);
}

// Not a check: prints queries/s for local names (one client, a window of 32).
TEST_F(DnsServerTest, BenchLocalNames) {
  DnsOptions o;
  o.ratePerSecond = 1e9;
  o.burst = 1e9;
  startServer(o);
  for (int i = 0; i < 100; ++i) {
    server_->addEndpoint("net1", "net1", "c" + std::to_string(i), {"c" + std::to_string(i)},
                         {"10.0.1." + std::to_string(i + 2)});
  }
  UniqueFd ns = sandbox("c0");
  constexpr int kQueries = 20000;
  constexpr int kWindow = 32;
  auto r = runInNetns(ns.get(), [&]() -> double {
    UniqueFd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    sockaddr_in sa = resolverAddr();
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
      return 0.0;
    }
    std::vector<Bytes> qs;
    qs.reserve(100);
    for (int i = 0; i < 100; ++i) {
      qs.push_back(makeQuery("c" + std::to_string(i), kTypeA, static_cast<uint16_t>(i)));
    }
    auto t0 = std::chrono::steady_clock::now();
    int sent = 0;
    int got = 0;
    while (got < kQueries) {
      while (sent < kQueries && sent - got < kWindow) {
        const Bytes& q = qs[static_cast<size_t>(sent % 100)];
        (void)::send(fd.get(), q.data(), q.size(), 0);
        ++sent;
      }
      if (recvWithin(fd.get(), 1000).empty()) {
        break;
      }
      ++got;
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::cout << "[bench] " << got << " local answers in " << secs << " s: " << got / secs
              << " queries/s\n";
    return got / secs;
  });
  EXPECT_TRUE(r.ok());
}

}  // namespace
}  // namespace berth::network::dns
