// berthd's embedded DNS server: 127.0.0.11:53 (UDP and TCP) inside every
// sandbox on a user-defined network. Container names, aliases, short ids and
// hostnames (plain or as "<name>.<network>") are answered from the records of
// the networks the asking container is on (A, AAAA, PTR); everything else is
// forwarded from berthd's own namespace (forwarder.h). See docs/dns.md.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "common/result.h"
#include "network/dns/forwarder.h"
#include "network/dns/records.h"
#include "network/dns/udp_batch.h"

namespace berth::network::dns {

struct DnsOptions {
  std::vector<std::string> upstreams;  // daemon.json "dns"; "" entries ignored
  std::string hostResolvConf = "/etc/resolv.conf";  // read at each addSandbox
  double ratePerSecond = 200;  // forwarded queries per sandbox; beyond the bucket: dropped
  double burst = 400;
  size_t maxForwardsPerSandbox = 256;  // more in flight get SERVFAIL
  uint32_t ttl = 600;                  // of local answers (dockerd's value)
  ForwarderOptions forwarder;
  Clock clock;  // null = steady_clock (rate limits, upstream health)
};

// What one sandbox's resolver does with names it does not know.
struct SandboxDns {
  std::vector<std::string> servers;  // HostConfig.Dns; empty = daemon's, then the host's
  bool internalOnly = false;         // only --internal networks: no forwarding (REFUSED)
};

// Upstream list entries: "1.2.3.4", "1.2.3.4:5353", "fd00::1", "[fd00::1]:5353".
Result<boost::asio::ip::udp::endpoint> parseUpstream(const std::string& text);
// The nameserver lines of a resolv.conf file (loopback ones included: we
// forward from the host's namespace); empty when the file is unreadable.
std::vector<std::string> resolvConfNameservers(const std::string& path);

class DnsServer {
 public:
  DnsServer(boost::asio::io_context& io, DnsOptions options);
  // Destroy after the io_context has stopped running (or on its thread).
  ~DnsServer();
  DnsServer(const DnsServer&) = delete;
  DnsServer& operator=(const DnsServer&) = delete;

  // A sandbox appeared: serve 127.0.0.11:53 inside `netnsFd` (kept by the
  // caller) for `containerId`. Blocks for one namespace thread; any thread.
  // Adding a sandbox that is served already replaces it.
  Status addSandbox(const std::string& containerId, int netnsFd, SandboxDns cfg);
  // Stops serving it (its sockets close on the event loop). Any thread; idempotent.
  void removeSandbox(const std::string& containerId);
  // Shutdown: stops serving every sandbox and ends the lookups in flight, so
  // the event loop runs out of work. Any thread.
  void stop();

  // Name records, any thread, effective for the next query; adding again
  // replaces (a rename). `names`: container name, aliases, short id, hostname,
  // each also answered as "<name>.<networkName>"; `addresses`:
  // "172.18.0.2[/16]", "fd00::2".
  void addEndpoint(const std::string& networkId, const std::string& networkName,
                   const std::string& containerId, const std::vector<std::string>& names,
                   const std::vector<std::string>& addresses);
  void removeEndpoint(const std::string& networkId, const std::string& containerId);

  const RecordTable& records() const { return records_; }
  size_t sandboxCount() const;

 private:
  class Sandbox;
  friend class Sandbox;

  // Builds the reply to a query from `containerId`; empty = drop. May finish
  // later through `reply` when the query is forwarded (event loop only).
  void handle(const std::shared_ptr<Sandbox>& sb, std::span<const uint8_t> wire, bool overTcp,
              std::function<void(Bytes)> reply);
  bool answerLocally(const Sandbox& sb, const Query& q, size_t maxSize, Bytes* out);
  std::vector<boost::asio::ip::udp::endpoint> upstreamsFor(const SandboxDns& cfg) const;
  std::chrono::steady_clock::time_point now() const;
  UdpBatch& udpBatch() { return *udpBatch_; }  // event loop only

  boost::asio::io_context& io_;
  DnsOptions o_;
  RecordTable records_;
  Forwarder forwarder_;  // event loop only
  std::minstd_rand shuffle_;  // event loop only
  std::unique_ptr<UdpBatch> udpBatch_;  // event loop only
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<Sandbox>> sandboxes_;
};

}  // namespace berth::network::dns
