// IPv4/IPv6 addresses and prefixes as typed values, so that nothing below the
// API edge handles a raw address string (docs/network-design.md, common/ip.h).
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace berth {

// An IPv4 or IPv6 address, network byte order inside. A default-constructed
// address is 0.0.0.0.
class IpAddress {
 public:
  IpAddress() = default;

  // "10.0.0.1", "fd00::1". Zone ids ("fe80::1%eth0"), leading zeros in IPv4
  // octets and short IPv4 forms ("10.1") are refused. "::ffff:1.2.3.4" stays IPv6.
  static Result<IpAddress> parse(std::string_view text);
  // The IPv4 address whose bytes are `b` (network order).
  static IpAddress v4(const std::array<uint8_t, 4>& b);
  // The IPv6 address whose bytes are `b` (network order).
  static IpAddress v6(const std::array<uint8_t, 16>& b);

  bool isV4() const { return !v6_; }
  bool isV6() const { return v6_; }
  // 32 or 128.
  int bitCount() const { return v6_ ? 128 : 32; }
  // Canonical text (inet_ntop): "10.0.0.1", "fd00::1".
  std::string toString() const;
  // v4 uses the first 4 bytes; the rest are 0.
  const std::array<uint8_t, 16>& bytes() const { return bytes_; }
  // This address + n, wrapping within the family (255.255.255.255 + 1 = 0.0.0.0).
  IpAddress plus(uint64_t n) const;
  // Bit `i` counted from the most significant one (0 = top bit of the first byte).
  bool bit(int i) const;

  // v4 sorts before v6 (v6_ is compared first), then by numeric value.
  // (clang-tidy sees the synthesized `<=> 0` of the defaulted operator as a null pointer.)
  auto operator<=>(const IpAddress&) const = default;  // NOLINT(modernize-use-nullptr)

 private:
  bool v6_ = false;
  std::array<uint8_t, 16> bytes_{};
};

// A prefix: an address and a length ("172.18.0.0/16"). parse() refuses host
// bits; parseInterface() keeps them (an interface address such as "172.18.0.5/16").
class IpPrefix {
 public:
  IpPrefix() = default;
  // `length` is clamped to the family's bit count; host bits are kept.
  IpPrefix(const IpAddress& address, int length);

  // "172.18.0.0/16", "fd00::/64". Host bits must be 0.
  static Result<IpPrefix> parse(std::string_view cidr);
  // "172.18.0.5/16": host bits allowed and kept (see masked()).
  static Result<IpPrefix> parseInterface(std::string_view cidr);

  IpAddress address() const { return address_; }
  int length() const { return length_; }
  bool isV4() const { return address_.isV4(); }
  bool isV6() const { return address_.isV6(); }

  // The same prefix with the host bits cleared.
  IpPrefix masked() const;
  // Same family and inside this prefix (host bits of this prefix ignored).
  bool contains(const IpAddress& a) const;
  // `p` lies wholly inside this prefix (same family, not shorter).
  bool contains(const IpPrefix& p) const;
  // The two prefixes share at least one address.
  bool overlaps(const IpPrefix& p) const;
  // Number of addresses, saturating at UINT64_MAX (a v6 /64 or bigger).
  uint64_t size() const;
  // The network address (host bits 0).
  IpAddress first() const;
  // The last address (host bits 1): the broadcast address for v4.
  IpAddress last() const;
  // first() + n, wrapping inside the prefix (only the host bits change).
  IpAddress nth(uint64_t n) const;
  // "172.18.0.0/16" (the address as stored: host bits shown for interface prefixes).
  std::string toString() const;

  auto operator<=>(const IpPrefix&) const = default;  // NOLINT(modernize-use-nullptr)

 private:
  IpAddress address_;
  int length_ = 0;
};

}  // namespace berth
