// Forwarding to upstream servers from berthd's own network namespace. The
// best-known upstream is asked first; if it has not answered after
// `raceDelay`, the next one is asked too (and so on), and the first good
// answer wins. An upstream that stayed silent, refused the port or failed is
// deprioritised for `penalty`, so a dead server costs nothing once known.
// Truncated UDP answers are fetched again over TCP from the same upstream.
// Runs on the io_context's thread only.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <vector>

#include "network/dns/dns_message.h"

namespace berth::network::dns {

using Clock = std::function<std::chrono::steady_clock::time_point()>;

struct ForwarderOptions {
  std::chrono::milliseconds raceDelay{150};
  std::chrono::milliseconds deadline{3000};     // whole lookup, all upstreams
  std::chrono::milliseconds tcpTimeout{2000};   // TCP retry after truncation
  std::chrono::milliseconds penalty{30000};     // how long a failed upstream stays last
  Clock clock;                                  // null = steady_clock
};

// What the forwarder knows of each upstream; shared with in-flight lookups.
class UpstreamHealth {
 public:
  explicit UpstreamHealth(Clock clock) : clock_(std::move(clock)) {}
  // Healthy upstreams first (in configured order), then penalised ones, the
  // soonest to recover first.
  std::vector<boost::asio::ip::udp::endpoint> order(
      const std::vector<boost::asio::ip::udp::endpoint>& configured) const;
  void failed(const boost::asio::ip::udp::endpoint& ep, std::chrono::milliseconds penalty);
  void answered(const boost::asio::ip::udp::endpoint& ep);
  bool penalised(const boost::asio::ip::udp::endpoint& ep) const;

 private:
  std::chrono::steady_clock::time_point now() const;
  Clock clock_;
  std::map<boost::asio::ip::udp::endpoint, std::chrono::steady_clock::time_point> until_;
};

class Forwarder {
 public:
  // Gets the upstream's answer with the client's id restored, or an empty
  // vector when no upstream answered in time.
  using Done = std::function<void(Bytes)>;

  Forwarder(boost::asio::io_context& io, ForwarderOptions options);
  ~Forwarder();
  Forwarder(const Forwarder&) = delete;
  Forwarder& operator=(const Forwarder&) = delete;

  void forward(const Bytes& query, const std::vector<boost::asio::ip::udp::endpoint>& upstreams,
               Done done);
  UpstreamHealth& health() { return *health_; }
  // Ends every lookup in flight without calling its Done (shutdown).
  void abortAll();

 private:
  struct Exchange;
  boost::asio::io_context& io_;
  ForwarderOptions o_;
  std::shared_ptr<UpstreamHealth> health_;
  std::mt19937 rng_;
  std::vector<std::weak_ptr<Exchange>> live_;
};

}  // namespace berth::network::dns
