#include "network/dns/forwarder.h"

#include <algorithm>
#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

namespace berth::network::dns {

namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;
using SteadyTime = std::chrono::steady_clock::time_point;

std::chrono::steady_clock::time_point UpstreamHealth::now() const {
  return clock_ ? clock_() : std::chrono::steady_clock::now();
}

bool UpstreamHealth::penalised(const udp::endpoint& ep) const {
  auto it = until_.find(ep);
  return it != until_.end() && it->second > now();
}

std::vector<udp::endpoint> UpstreamHealth::order(const std::vector<udp::endpoint>& configured) const {
  std::vector<udp::endpoint> good;
  std::vector<std::pair<SteadyTime, udp::endpoint>> bad;
  const SteadyTime t = now();
  for (const udp::endpoint& ep : configured) {
    auto it = until_.find(ep);
    if (it != until_.end() && it->second > t) {
      bad.emplace_back(it->second, ep);
    } else {
      good.push_back(ep);
    }
  }
  std::stable_sort(bad.begin(), bad.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [until, ep] : bad) {
    good.push_back(ep);
  }
  return good;
}

void UpstreamHealth::failed(const udp::endpoint& ep, std::chrono::milliseconds penalty) {
  until_[ep] = now() + penalty;
}

void UpstreamHealth::answered(const udp::endpoint& ep) { until_.erase(ep); }

struct Forwarder::Exchange : std::enable_shared_from_this<Exchange> {
  struct Attempt {
    udp::endpoint ep;
    std::unique_ptr<udp::socket> sock;
    Bytes buf;
    SteadyTime started;
    bool over = false;
  };

  Exchange(asio::io_context& io, const ForwarderOptions& o, std::shared_ptr<UpstreamHealth> h)
      : io_(io), o_(o), health_(std::move(h)), race_(io), deadline_(io) {}

  void start() {
    auto self = shared_from_this();
    deadline_.expires_after(o_.deadline);
    deadline_.async_wait([self](const boost::system::error_code& ec) {
      if (!ec && !self->done_) {
        for (auto& a : self->attempts_) {
          if (!a->over) {
            self->health_->failed(a->ep, self->o_.penalty);
          }
        }
        self->finish(self->tcpMode_ ? self->truncated_ : self->fallback_);
      }
    });
    sendNext();
  }

  bool outstanding() const {
    return tcpMode_ || std::any_of(attempts_.begin(), attempts_.end(),
                                   [](const auto& a) { return !a->over; });
  }

  void sendNext() {
    if (done_ || tcpMode_) {
      return;
    }
    if (next_ >= order_.size()) {
      if (!outstanding()) {
        finish(fallback_);
      }
      return;
    }
    const size_t idx = attempts_.size();
    auto a = std::make_unique<Attempt>();
    a->ep = order_[next_++];
    a->started = std::chrono::steady_clock::now();
    a->sock = std::make_unique<udp::socket>(io_);
    a->buf.resize(65535);
    boost::system::error_code ec;
    a->sock->open(a->ep.protocol(), ec);
    if (!ec) {
      a->sock->connect(a->ep, ec);  // connected: ICMP port unreachable comes back as an error
    }
    attempts_.push_back(std::move(a));
    if (ec) {
      attemptFailed(idx);
      return;
    }
    auto self = shared_from_this();
    attempts_[idx]->sock->async_send(asio::buffer(query_),
                                     [self, idx](const boost::system::error_code& e, size_t) {
                                       if (e) {
                                         self->attemptFailed(idx);
                                       }
                                     });
    receive(idx);
    race_.expires_after(o_.raceDelay);
    race_.async_wait([self](const boost::system::error_code& e) {
      if (!e) {
        self->sendNext();
      }
    });
  }

  void receive(size_t idx) {
    auto self = shared_from_this();
    Attempt& a = *attempts_[idx];
    a.sock->async_receive(asio::buffer(a.buf), [self, idx](const boost::system::error_code& ec,
                                                           size_t n) {
      if (self->done_ || self->attempts_[idx]->over) {
        return;
      }
      if (ec) {
        self->attemptFailed(idx);
        return;
      }
      self->onReply(idx, n);
    });
  }

  void attemptFailed(size_t idx) {
    if (done_ || attempts_[idx]->over) {
      return;
    }
    attempts_[idx]->over = true;
    health_->failed(attempts_[idx]->ep, o_.penalty);
    sendNext();  // at once: a refused port need not wait for the race timer
  }

  void onReply(size_t idx, size_t n) {
    Attempt& a = *attempts_[idx];
    std::span<const uint8_t> reply(a.buf.data(), n);
    if (!replyMatches(query_, reply)) {
      receive(idx);  // stray or spoofed datagram: keep waiting for the real one
      return;
    }
    const uint8_t rc = rcodeOf(reply);
    if (rc == kRcodeServFail || rc == kRcodeRefused) {
      // Kept in case nobody does better; the next upstream is asked now.
      a.over = true;
      if (fallback_.empty()) {
        fallback_.assign(reply.begin(), reply.end());
      }
      sendNext();
      return;
    }
    health_->answered(a.ep);
    if (isTruncated(reply)) {
      startTcp(a.ep, Bytes(reply.begin(), reply.end()));
      return;
    }
    finish(Bytes(reply.begin(), reply.end()));
  }

  void startTcp(const udp::endpoint& ep, Bytes truncated) {
    tcpMode_ = true;
    truncated_ = std::move(truncated);
    for (auto& a : attempts_) {
      a->over = true;
      boost::system::error_code ignored;
      a->sock->close(ignored);
    }
    auto self = shared_from_this();
    race_.expires_after(o_.tcpTimeout);
    race_.async_wait([self](const boost::system::error_code& e) {
      if (!e) {
        self->finish(self->truncated_);
      }
    });
    tcp_ = std::make_unique<tcp::socket>(io_);
    tcpOut_.resize(2);
    tcpOut_[0] = static_cast<uint8_t>(query_.size() >> 8);
    tcpOut_[1] = static_cast<uint8_t>(query_.size() & 0xff);
    tcpOut_.insert(tcpOut_.end(), query_.begin(), query_.end());
    tcp_->async_connect(tcp::endpoint(ep.address(), ep.port()),
                        [self](const boost::system::error_code& ec) {
                          if (self->done_) {
                            return;
                          }
                          if (ec) {
                            self->finish(self->truncated_);
                            return;
                          }
                          asio::async_write(*self->tcp_, asio::buffer(self->tcpOut_),
                                            [self](const boost::system::error_code& e, size_t) {
                                              if (!self->done_) {
                                                e ? self->finish(self->truncated_)
                                                  : self->readTcpLength();
                                              }
                                            });
                        });
  }

  void readTcpLength() {
    auto self = shared_from_this();
    asio::async_read(*tcp_, asio::buffer(tcpLen_), [self](const boost::system::error_code& ec,
                                                          size_t) {
      if (self->done_) {
        return;
      }
      const size_t len = (static_cast<size_t>(self->tcpLen_[0]) << 8) | self->tcpLen_[1];
      if (ec || len < kHeaderSize) {
        self->finish(self->truncated_);
        return;
      }
      self->tcpIn_.resize(len);
      asio::async_read(*self->tcp_, asio::buffer(self->tcpIn_),
                       [self](const boost::system::error_code& e, size_t) {
                         if (self->done_) {
                           return;
                         }
                         bool good = !e && replyMatches(self->query_, self->tcpIn_);
                         self->finish(good ? self->tcpIn_ : self->truncated_);
                       });
    });
  }

  void finish(Bytes reply) {
    if (done_) {
      return;
    }
    done_ = true;
    if (!reply.empty()) {
      // Someone answered: the upstreams still silent after a race delay are slow or dead.
      const SteadyTime t = std::chrono::steady_clock::now();
      for (auto& a : attempts_) {
        if (!a->over && t - a->started >= o_.raceDelay) {
          health_->failed(a->ep, o_.penalty);
        }
      }
      setId(reply, clientId_);
    }
    Done cb = std::move(done_cb_);
    close();
    if (cb) {
      cb(std::move(reply));
    }
  }

  void close() {
    done_ = true;
    done_cb_ = nullptr;
    boost::system::error_code ignored;
    race_.cancel();
    deadline_.cancel();
    for (auto& a : attempts_) {
      a->sock->close(ignored);
    }
    if (tcp_) {
      tcp_->close(ignored);
    }
  }

  asio::io_context& io_;
  ForwarderOptions o_;
  std::shared_ptr<UpstreamHealth> health_;
  Bytes query_;
  uint16_t clientId_ = 0;
  std::vector<udp::endpoint> order_;
  size_t next_ = 0;
  std::vector<std::unique_ptr<Attempt>> attempts_;
  asio::steady_timer race_, deadline_;
  Bytes fallback_, truncated_;
  bool done_ = false, tcpMode_ = false;
  Done done_cb_;
  std::unique_ptr<tcp::socket> tcp_;
  Bytes tcpOut_, tcpIn_;
  std::array<uint8_t, 2> tcpLen_{};
};

Forwarder::Forwarder(asio::io_context& io, ForwarderOptions options)
    : io_(io),
      o_(std::move(options)),
      health_(std::make_shared<UpstreamHealth>(o_.clock)),
      rng_(std::random_device{}()) {}

Forwarder::~Forwarder() { abortAll(); }

void Forwarder::abortAll() {
  for (auto& w : live_) {
    if (auto x = w.lock()) {
      x->close();
    }
  }
  live_.clear();
}

void Forwarder::forward(const Bytes& query, const std::vector<udp::endpoint>& upstreams, Done done) {
  if (upstreams.empty() || query.size() < kHeaderSize) {
    done({});
    return;
  }
  std::erase_if(live_, [](const std::weak_ptr<Exchange>& w) { return w.expired(); });
  auto x = std::make_shared<Exchange>(io_, o_, health_);
  x->query_ = query;
  x->clientId_ = getId(query);
  // A fresh random id per lookup (the client's own may be predictable).
  setId(x->query_, static_cast<uint16_t>(rng_() & 0xffff));
  x->order_ = health_->order(upstreams);
  x->done_cb_ = std::move(done);
  live_.push_back(x);
  x->start();
}

}  // namespace berth::network::dns
