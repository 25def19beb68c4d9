#include "network/dns/udp_batch.h"

#include <cerrno>
#include <cstring>

namespace berth::network::dns {

UdpBatch::UdpBatch() : buf_(std::make_unique_for_overwrite<uint8_t[]>(kUdpBatch * kMaxDatagram)) {
  for (size_t i = 0; i < kUdpBatch; ++i) {
    inIov_[i].iov_base = buf_.get() + i * kMaxDatagram;
    inIov_[i].iov_len = kMaxDatagram;
  }
  out_.reserve(kUdpBatch);
}

int UdpBatch::receive(int fd) {
  for (size_t i = 0; i < kUdpBatch; ++i) {
    in_[i].msg_hdr = msghdr{};
    in_[i].msg_hdr.msg_name = &from_[i];
    in_[i].msg_hdr.msg_namelen = sizeof(from_[i]);
    in_[i].msg_hdr.msg_iov = &inIov_[i];
    in_[i].msg_hdr.msg_iovlen = 1;
    in_[i].msg_len = 0;
  }
  int n = ::recvmmsg(fd, in_.data(), kUdpBatch, MSG_DONTWAIT, nullptr);
  if (n < 0) {
    return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
  }
  return n;
}

std::span<const uint8_t> UdpBatch::datagram(int i) const {
  const auto k = static_cast<size_t>(i);
  return {buf_.get() + k * kMaxDatagram, std::min<size_t>(in_[k].msg_len, kMaxDatagram)};
}

bool UdpBatch::truncated(int i) const {
  return (in_[static_cast<size_t>(i)].msg_hdr.msg_flags & MSG_TRUNC) != 0;
}

boost::asio::ip::udp::endpoint UdpBatch::peer(int i) const {
  const auto k = static_cast<size_t>(i);
  boost::asio::ip::udp::endpoint ep;
  const size_t len = std::min<size_t>(in_[k].msg_hdr.msg_namelen, ep.capacity());
  std::memcpy(ep.data(), &from_[k], len);
  ep.resize(len);
  return ep;
}

void UdpBatch::queue(const boost::asio::ip::udp::endpoint& to, const Bytes& reply) {
  out_.push_back({to, reply});
}

void UdpBatch::flush(int fd) {
  size_t sent = 0;
  while (sent < out_.size()) {
    std::array<mmsghdr, kUdpBatch> msgs{};
    std::array<iovec, kUdpBatch> iov{};
    const size_t count = std::min(kUdpBatch, out_.size() - sent);
    for (size_t i = 0; i < count; ++i) {
      Out& o = out_[sent + i];
      iov[i].iov_base = o.reply.data();
      iov[i].iov_len = o.reply.size();
      msgs[i].msg_hdr.msg_name = o.to.data();
      msgs[i].msg_hdr.msg_namelen = static_cast<socklen_t>(o.to.size());
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    int n = ::sendmmsg(fd, msgs.data(), static_cast<unsigned>(count), MSG_DONTWAIT);
    if (n <= 0) {
      break;  // EAGAIN: the client's buffer is full; drop, as UDP may
    }
    sent += static_cast<size_t>(n);
  }
  out_.clear();
}

}  // namespace berth::network::dns
