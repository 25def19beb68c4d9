// Datagrams in and out by the batch: one recvmmsg takes up to kUdpBatch
// queries from a sandbox's socket, one sendmmsg sends the answers queued
// meanwhile. Under load that is two system calls per batch instead of two
// per query (docs/dns.md). One instance serves every sandbox socket of the
// DNS server's loop thread, so the buffers are not per sandbox.
#pragma once

#include <sys/socket.h>

#include <array>
#include <boost/asio/ip/udp.hpp>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "network/dns/dns_message.h"

namespace berth::network::dns {

inline constexpr size_t kUdpBatch = 32;

class UdpBatch {
 public:
  UdpBatch();

  // Reads what `fd` holds, at most kUdpBatch datagrams, without blocking.
  // Returns how many (0 when none, -1 on an error other than "nothing there").
  int receive(int fd);
  std::span<const uint8_t> datagram(int i) const;
  bool truncated(int i) const;  // longer than kMaxDatagram: its tail is gone
  boost::asio::ip::udp::endpoint peer(int i) const;

  // Queues an answer; flush() sends all queued ones from `fd` and clears
  // the queue (a full socket buffer drops the rest, as UDP may).
  void queue(const boost::asio::ip::udp::endpoint& to, const Bytes& reply);
  void flush(int fd);

  static constexpr size_t kMaxDatagram = 65535;

 private:
  std::unique_ptr<uint8_t[]> buf_;  // kUdpBatch * kMaxDatagram, touched as used
  std::array<mmsghdr, kUdpBatch> in_{};
  std::array<iovec, kUdpBatch> inIov_{};
  std::array<sockaddr_storage, kUdpBatch> from_{};
  struct Out {
    boost::asio::ip::udp::endpoint to;
    Bytes reply;
  };
  std::vector<Out> out_;
};

}  // namespace berth::network::dns
