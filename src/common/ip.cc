#include "common/ip.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <limits>

namespace berth {
namespace {

int byteCount(bool v6) { return v6 ? 16 : 4; }

// The mask byte for byte index `i` of a prefix of `length` bits.
uint8_t maskByte(int i, int length) {
  int bits = std::clamp(length - (i * 8), 0, 8);
  return bits == 0 ? 0 : static_cast<uint8_t>(0xFFU << (8 - bits));
}

// Network bits from `net`, host bits from `host`.
IpAddress combine(const IpAddress& net, const IpAddress& host, int length) {
  std::array<uint8_t, 16> out{};
  const auto& n = net.bytes();
  const auto& h = host.bytes();
  for (int i = 0; i < byteCount(net.isV6()); ++i) {
    uint8_t m = maskByte(i, length);
    out[i] = static_cast<uint8_t>((n[i] & m) | (h[i] & static_cast<uint8_t>(~m)));
  }
  if (net.isV6()) {
    return IpAddress::v6(out);
  }
  return IpAddress::v4({out[0], out[1], out[2], out[3]});
}

IpAddress withHostBits(const IpAddress& a, int length, bool ones) {
  std::array<uint8_t, 16> fill{};
  fill.fill(ones ? 0xFF : 0x00);
  IpAddress host =
      a.isV6() ? IpAddress::v6(fill) : IpAddress::v4({fill[0], fill[1], fill[2], fill[3]});
  return combine(a, host, length);
}

Result<IpPrefix> parsePrefix(std::string_view cidr, bool allowHostBits) {
  auto bad = [&](const std::string& why) {
    return invalidArgument("invalid CIDR address " + std::string(cidr) + ": " + why);
  };
  auto slash = cidr.find('/');
  if (slash == std::string_view::npos) {
    return bad("missing prefix length");
  }
  auto addr = IpAddress::parse(cidr.substr(0, slash));
  if (!addr.ok()) {
    return bad("bad address");
  }
  std::string_view lenText = cidr.substr(slash + 1);
  int length = -1;
  auto [ptr, ec] = std::from_chars(lenText.data(), lenText.data() + lenText.size(), length);
  // One leading zero is not a length Go's netip would take either ("/016").
  if (lenText.empty() || ec != std::errc() || ptr != lenText.data() + lenText.size() ||
      (lenText.size() > 1 && lenText.front() == '0')) {
    return bad("bad prefix length");
  }
  if (length < 0 || length > addr->bitCount()) {
    return bad("prefix length out of range");
  }
  IpPrefix p(*addr, length);
  if (!allowHostBits && p.masked() != p) {
    return bad("host bits are set (did you mean " + p.masked().toString() + "?)");
  }
  return p;
}

}  // namespace

Result<IpAddress> IpAddress::parse(std::string_view text) {
  // inet_pton needs a NUL-terminated string; it already refuses zone ids,
  // short IPv4 forms and leading zeros in octets.
  std::string s(text);
  IpAddress out;
  if (s.find(':') != std::string::npos) {
    if (inet_pton(AF_INET6, s.c_str(), out.bytes_.data()) == 1) {
      out.v6_ = true;
      return out;
    }
  } else if (inet_pton(AF_INET, s.c_str(), out.bytes_.data()) == 1) {
    return out;
  }
  return invalidArgument("invalid IP address: \"" + s + "\"");
}

IpAddress IpAddress::v4(const std::array<uint8_t, 4>& b) {
  IpAddress out;
  std::copy(b.begin(), b.end(), out.bytes_.begin());
  return out;
}

IpAddress IpAddress::v6(const std::array<uint8_t, 16>& b) {
  IpAddress out;
  out.v6_ = true;
  out.bytes_ = b;
  return out;
}

std::string IpAddress::toString() const {
  std::array<char, INET6_ADDRSTRLEN> buf{};
  if (inet_ntop(v6_ ? AF_INET6 : AF_INET, bytes_.data(), buf.data(), buf.size()) == nullptr) {
    return "invalid";
  }
  return buf.data();
}

IpAddress IpAddress::plus(uint64_t n) const {
  IpAddress out = *this;
  uint64_t carry = n;
  // Add from the least significant byte; a carry out of the top byte is
  // dropped, which is the wrap within the family.
  for (int i = byteCount(v6_) - 1; i >= 0 && carry != 0; --i) {
    uint64_t sum = out.bytes_[i] + (carry & 0xFFU);
    out.bytes_[i] = static_cast<uint8_t>(sum & 0xFFU);
    carry = (carry >> 8) + (sum >> 8);
  }
  return out;
}

bool IpAddress::bit(int i) const { return ((bytes_[i / 8] >> (7 - (i % 8))) & 1U) != 0; }

IpPrefix::IpPrefix(const IpAddress& address, int length)
    : address_(address), length_(std::clamp(length, 0, address.bitCount())) {}

Result<IpPrefix> IpPrefix::parse(std::string_view cidr) { return parsePrefix(cidr, false); }

Result<IpPrefix> IpPrefix::parseInterface(std::string_view cidr) { return parsePrefix(cidr, true); }

IpPrefix IpPrefix::masked() const { return {first(), length_}; }

bool IpPrefix::contains(const IpAddress& a) const {
  return a.isV6() == isV6() && withHostBits(a, length_, false) == first();
}

bool IpPrefix::contains(const IpPrefix& p) const {
  return p.isV6() == isV6() && p.length_ >= length_ && contains(p.address_);
}

bool IpPrefix::overlaps(const IpPrefix& p) const {
  // Two prefixes overlap exactly when the shorter one contains the other.
  return p.isV6() == isV6() && (contains(p.address_) || p.contains(address_));
}

uint64_t IpPrefix::size() const {
  int hostBits = address_.bitCount() - length_;
  if (hostBits >= 64) {
    return std::numeric_limits<uint64_t>::max();
  }
  return uint64_t{1} << hostBits;
}

IpAddress IpPrefix::first() const { return withHostBits(address_, length_, false); }

IpAddress IpPrefix::last() const { return withHostBits(address_, length_, true); }

IpAddress IpPrefix::nth(uint64_t n) const { return combine(address_, first().plus(n), length_); }

std::string IpPrefix::toString() const {
  return address_.toString() + "/" + std::to_string(length_);
}

}  // namespace berth
