#include "network/dns/dns_server.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <fstream>
#include <sstream>

#include "network/dns/sandbox_sockets.h"

namespace berth::network::dns {

namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;

namespace {

constexpr size_t kMaxTcpConnsPerSandbox = 16;
constexpr std::chrono::seconds kTcpIdle{10};

}  // namespace

Result<udp::endpoint> parseUpstream(const std::string& text) {
  std::string host = text;
  uint16_t port = 53;
  auto parsePort = [&](const std::string& p) -> bool {
    if (p.empty() || p.size() > 5 || !std::all_of(p.begin(), p.end(), ::isdigit)) {
      return false;
    }
    int v = std::stoi(p);
    port = static_cast<uint16_t>(v);
    return v > 0 && v < 65536;
  };
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string::npos ||
        (close + 1 < text.size() && (text[close + 1] != ':' || !parsePort(text.substr(close + 2))))) {
      return invalidArgument("invalid DNS server " + text);
    }
    host = text.substr(1, close - 1);
  } else if (std::count(text.begin(), text.end(), ':') == 1) {
    size_t colon = text.find(':');
    if (!parsePort(text.substr(colon + 1))) {
      return invalidArgument("invalid DNS server " + text);
    }
    host = text.substr(0, colon);
  }
  boost::system::error_code ec;
  asio::ip::address addr = asio::ip::make_address(host, ec);
  if (ec) {
    return invalidArgument("invalid DNS server " + text);
  }
  return udp::endpoint(addr, port);
}

std::vector<std::string> resolvConfNameservers(const std::string& path) {
  std::vector<std::string> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string key;
    std::string value;
    if (words >> key >> value && key == "nameserver") {
      // Zone ids (fe80::1%eth0) cannot be reached from another namespace anyway.
      out.push_back(value.substr(0, value.find('%')));
    }
  }
  return out;
}

// One sandbox's listening sockets and its share of the resolver. Lives on
// the event loop; removeSandbox() closes it there.
class DnsServer::Sandbox : public std::enable_shared_from_this<Sandbox> {
 public:
  Sandbox(DnsServer& server, std::string id, SandboxDns cfg, std::vector<udp::endpoint> upstreams)
      : server_(server),
        id_(std::move(id)),
        cfg_(std::move(cfg)),
        upstreams_(std::move(upstreams)),
        udp_(server.io_),
        acceptor_(server.io_) {}

  Status adopt(SandboxSockets socks) {
    boost::system::error_code ec;
    udp_.assign(udp::v4(), socks.udp.get(), ec);
    if (ec) {
      return internal("dns: adopt udp socket: " + ec.message());
    }
    (void)socks.udp.release();
    acceptor_.assign(tcp::v4(), socks.tcp.get(), ec);
    if (ec) {
      return internal("dns: adopt tcp socket: " + ec.message());
    }
    (void)socks.tcp.release();
    return okStatus();
  }

  void start() {
    receive();
    accept();
  }

  void close() {
    closed_ = true;
    boost::system::error_code ignored;
    udp_.close(ignored);
    acceptor_.close(ignored);
    for (auto& w : conns_) {
      if (auto c = w.lock()) {
        c->close(ignored);
      }
    }
  }

  // The token bucket: false = over the limit, drop the query.
  bool admit() {
    auto t = server_.now();
    if (!bucketStarted_) {
      tokens_ = server_.o_.burst;
      last_ = t;
      bucketStarted_ = true;
    }
    const double elapsed = std::chrono::duration<double>(t - last_).count();
    last_ = t;
    tokens_ = std::min(server_.o_.burst, tokens_ + elapsed * server_.o_.ratePerSecond);
    if (tokens_ < 1) {
      return false;
    }
    tokens_ -= 1;
    return true;
  }

  const std::string& id() const { return id_; }
  const SandboxDns& cfg() const { return cfg_; }
  const std::vector<udp::endpoint>& upstreams() const { return upstreams_; }
  bool closed() const { return closed_; }
  size_t inflight = 0;

 private:
  // UDP: wait until readable, then take up to kUdpBatch datagrams with one
  // recvmmsg and send the answers known at once with one sendmmsg. A sandbox
  // gets one such turn per loop pass (fair under floods); the buffers are
  // the server's, shared by all sandboxes, as the loop has one thread.
  void receive() {
    auto self = shared_from_this();
    udp_.async_wait(udp::socket::wait_read, [self](const boost::system::error_code& ec) {
      if (self->closed_ || ec == asio::error::operation_aborted) {
        return;
      }
      if (!ec) {
        self->drain();
      }
      self->receive();
    });
  }

  void drain() {
    UdpBatch& b = server_.udpBatch();
    const int n = b.receive(udp_.native_handle());
    if (n <= 0) {
      return;
    }
    auto self = shared_from_this();
    batching_ = true;
    for (int i = 0; i < n; ++i) {
      if (b.truncated(i)) {
        continue;  // bigger than any query has reason to be
      }
      udp::endpoint peer = b.peer(i);
      server_.handle(self, b.datagram(i), false,
                     [self, peer](const Bytes& reply) { self->sendReply(peer, reply); });
    }
    batching_ = false;
    b.flush(udp_.native_handle());
  }

  void sendReply(const udp::endpoint& peer, const Bytes& reply) {
    if (reply.empty() || closed_) {
      return;
    }
    if (batching_) {
      server_.udpBatch().queue(peer, reply);
      return;
    }
    boost::system::error_code ignored;
    // Non-blocking: a full socket buffer drops the reply, as UDP may.
    udp_.send_to(asio::buffer(reply), peer, 0, ignored);
  }

  void accept() {
    auto self = shared_from_this();
    acceptor_.async_accept([self](const boost::system::error_code& ec, tcp::socket sock) {
      if (self->closed_ || ec == asio::error::operation_aborted) {
        return;
      }
      if (!ec) {
        std::erase_if(self->conns_, [](const auto& w) { return w.expired(); });
        if (self->conns_.size() < kMaxTcpConnsPerSandbox) {
          auto conn = std::make_shared<tcp::socket>(std::move(sock));
          self->conns_.push_back(conn);
          self->readLength(conn, std::make_shared<asio::steady_timer>(self->server_.io_));
        }
      }
      self->accept();
    });
  }

  // One query at a time per connection: 2-byte length, message, reply.
  void readLength(const std::shared_ptr<tcp::socket>& conn,
                  const std::shared_ptr<asio::steady_timer>& idle) {
    auto self = shared_from_this();
    idle->expires_after(kTcpIdle);
    idle->async_wait([conn](const boost::system::error_code& ec) {
      if (!ec) {
        boost::system::error_code ignored;
        conn->close(ignored);
      }
    });
    auto len = std::make_shared<std::array<uint8_t, 2>>();
    asio::async_read(*conn, asio::buffer(*len), [self, conn, idle, len](
                                                    const boost::system::error_code& ec, size_t) {
      if (ec || self->closed_) {
        idle->cancel();
        return;
      }
      auto msg = std::make_shared<Bytes>((static_cast<size_t>((*len)[0]) << 8) | (*len)[1]);
      asio::async_read(*conn, asio::buffer(*msg), [self, conn, idle, msg](
                                                      const boost::system::error_code& e, size_t) {
        if (e || self->closed_) {
          idle->cancel();
          return;
        }
        self->server_.handle(self, *msg, true, [self, conn, idle](const Bytes& reply) {
          if (self->closed_) {
            return;
          }
          if (reply.empty()) {
            self->readLength(conn, idle);
            return;
          }
          // The two-byte length, then the message (RFC 1035 4.2.2); kept
          // apart, not spliced into one vector, which gcc -O2 misreads
          // (-Warray-bounds on the insert).
          auto out = std::make_shared<std::pair<std::array<uint8_t, 2>, Bytes>>(
              std::array<uint8_t, 2>{static_cast<uint8_t>(reply.size() >> 8),
                                     static_cast<uint8_t>(reply.size() & 0xff)},
              reply);
          std::array<asio::const_buffer, 2> frame{asio::buffer(out->first),
                                                  asio::buffer(out->second)};
          asio::async_write(*conn, frame,
                            [self, conn, idle, out](const boost::system::error_code& we, size_t) {
                              if (!we && !self->closed_) {
                                self->readLength(conn, idle);
                              } else {
                                idle->cancel();
                              }
                            });
        });
      });
    });
  }

  DnsServer& server_;
  std::string id_;
  SandboxDns cfg_;
  std::vector<udp::endpoint> upstreams_;
  udp::socket udp_;
  tcp::acceptor acceptor_;
  bool batching_ = false;  // in drain(): answers go to the batch
  std::vector<std::weak_ptr<tcp::socket>> conns_;
  bool closed_ = false;
  bool bucketStarted_ = false;
  double tokens_ = 0;
  std::chrono::steady_clock::time_point last_;
};

DnsServer::DnsServer(asio::io_context& io, DnsOptions options)
    : io_(io),
      o_(std::move(options)),
      forwarder_(io, [&] {
        ForwarderOptions f = o_.forwarder;
        if (!f.clock) {
          f.clock = o_.clock;
        }
        return f;
      }()),
      shuffle_(std::random_device{}()),
      udpBatch_(std::make_unique<UdpBatch>()) {}

DnsServer::~DnsServer() {
  forwarder_.abortAll();
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [id, sb] : sandboxes_) {
    sb->close();
  }
}

std::chrono::steady_clock::time_point DnsServer::now() const {
  return o_.clock ? o_.clock() : std::chrono::steady_clock::now();
}

std::vector<udp::endpoint> DnsServer::upstreamsFor(const SandboxDns& cfg) const {
  std::vector<std::string> texts = cfg.servers;
  if (texts.empty()) {
    texts = o_.upstreams;
  }
  if (texts.empty()) {
    texts = resolvConfNameservers(o_.hostResolvConf);
  }
  std::vector<udp::endpoint> out;
  for (const std::string& t : texts) {
    auto ep = parseUpstream(t);
    if (!ep.ok()) {
      spdlog::warn("dns: ignoring upstream: {}", ep.error().message());
      continue;
    }
    // 127.0.0.11 is ourselves only inside a sandbox; from here it would loop.
    if (ep->address().to_string() != "127.0.0.11" &&
        std::find(out.begin(), out.end(), *ep) == out.end()) {
      out.push_back(*ep);
    }
  }
  return out;
}

Status DnsServer::addSandbox(const std::string& containerId, int netnsFd, SandboxDns cfg) {
  BERTH_ASSIGN_OR_RETURN(SandboxSockets socks, openSandboxSockets(netnsFd));
  auto upstreams = upstreamsFor(cfg);
  auto sb = std::make_shared<Sandbox>(*this, containerId, std::move(cfg), std::move(upstreams));
  BERTH_TRY(sb->adopt(std::move(socks)));
  std::shared_ptr<Sandbox> old;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto& slot = sandboxes_[containerId];
    old = std::move(slot);
    slot = sb;
  }
  asio::post(io_, [sb, old] {
    if (old) {
      old->close();
    }
    sb->start();
  });
  return okStatus();
}

void DnsServer::removeSandbox(const std::string& containerId) {
  std::shared_ptr<Sandbox> sb;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = sandboxes_.find(containerId);
    if (it == sandboxes_.end()) {
      return;
    }
    sb = std::move(it->second);
    sandboxes_.erase(it);
  }
  asio::post(io_, [sb] { sb->close(); });
}

void DnsServer::stop() {
  std::map<std::string, std::shared_ptr<Sandbox>> all;
  {
    std::lock_guard<std::mutex> lock(mu_);
    all.swap(sandboxes_);
  }
  asio::post(io_, [this, all = std::move(all)] {
    for (const auto& [id, sb] : all) {
      sb->close();
    }
    forwarder_.abortAll();
  });
}

size_t DnsServer::sandboxCount() const {
  std::lock_guard<std::mutex> lock(mu_);
  return sandboxes_.size();
}

void DnsServer::addEndpoint(const std::string& networkId, const std::string& networkName,
                            const std::string& containerId, const std::vector<std::string>& names,
                            const std::vector<std::string>& addresses) {
  records_.addEndpoint(networkId, networkName, containerId, names, addresses);
}

void DnsServer::removeEndpoint(const std::string& networkId, const std::string& containerId) {
  records_.removeEndpoint(networkId, containerId);
}

bool DnsServer::answerLocally(const Sandbox& sb, const Query& q, size_t maxSize, Bytes* out) {
  if (q.qclass() != kClassIn) {
    return false;
  }
  if (q.type() == kTypePtr) {
    auto addr = reverseNameToAddress(q.name());
    std::optional<std::string> name;
    std::optional<Bytes> target;
    if (addr && (name = records_.reverse(sb.id(), *addr)) && (target = nameRdata(*name))) {
      *out = buildAnswer(q, kTypePtr, {*target}, o_.ttl, maxSize);
      return true;
    }
    return false;
  }
  NameLookup found = records_.lookup(sb.id(), q.name());
  if (!found.known) {
    return false;
  }
  std::vector<Bytes> rdatas;
  if (q.type() == kTypeA) {
    rdatas = std::move(found.v4);
  } else if (q.type() == kTypeAaaa) {
    rdatas = std::move(found.v6);
  }
  if (rdatas.empty()) {
    *out = buildRcode(q, kRcodeNoError);  // the name exists, without this type
    return true;
  }
  std::shuffle(rdatas.begin(), rdatas.end(), shuffle_);
  *out = buildAnswer(q, q.type(), rdatas, o_.ttl, maxSize);
  return true;
}

void DnsServer::handle(const std::shared_ptr<Sandbox>& sb, std::span<const uint8_t> wire,
                       bool overTcp, std::function<void(Bytes)> reply) {
  Inspection ins = inspectQuery(wire);
  if (!ins.query) {
    reply(std::move(ins.reply));
    return;
  }
  const Query& q = *ins.query;
  const size_t maxSize = overTcp ? 65535 : q.maxUdpReply();
  Bytes out;
  if (answerLocally(*sb, q, maxSize, &out)) {
    reply(std::move(out));
    return;
  }
  if (sb->cfg().internalOnly) {
    reply(buildRcode(q, kRcodeRefused));  // dockerd: internal networks do not forward
    return;
  }
  // Only forwarding is rate-limited: it costs upstreams and sockets. Local
  // answers cost microseconds and every sandbox's socket gets one turn per
  // loop pass, so a flood of them cannot starve the others (docs/dns.md).
  if (!sb->admit()) {
    reply({});
    return;
  }
  if (sb->upstreams().empty() || sb->inflight >= o_.maxForwardsPerSandbox) {
    reply(buildRcode(q, kRcodeServFail));
    return;
  }
  ++sb->inflight;
  std::weak_ptr<Sandbox> weak = sb;
  forwarder_.forward(q.wire(), sb->upstreams(),
                     [weak, servfail = buildRcode(q, kRcodeServFail), overTcp,
                      maxUdp = q.maxUdpReply(), reply = std::move(reply)](Bytes answer) {
                       auto s = weak.lock();
                       if (!s || s->closed()) {
                         return;
                       }
                       --s->inflight;
                       if (answer.empty()) {
                         answer = servfail;
                       }
                       reply(overTcp ? std::move(answer) : fitForUdp(answer, maxUdp));
                     });
}

}  // namespace berth::network::dns
