// DNS messages for the embedded resolver, through libknot: inspecting a
// container's query, building local answers and error replies, checking and
// trimming upstream replies. Pure functions over bytes (the fuzz target's
// surface): any input yields a reply, or "drop", never a crash.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

struct knot_pkt;

namespace berth::network::dns {

struct Inspection;

using Bytes = std::vector<uint8_t>;

inline constexpr uint16_t kTypeA = 1;
inline constexpr uint16_t kTypePtr = 12;
inline constexpr uint16_t kTypeAaaa = 28;
inline constexpr uint16_t kClassIn = 1;
inline constexpr uint8_t kRcodeNoError = 0;
inline constexpr uint8_t kRcodeFormErr = 1;
inline constexpr uint8_t kRcodeServFail = 2;
inline constexpr uint8_t kRcodeNxDomain = 3;
inline constexpr uint8_t kRcodeNotImp = 4;
inline constexpr uint8_t kRcodeRefused = 5;
inline constexpr size_t kHeaderSize = 12;
// What we announce in our own OPT records (the DNS flag day 2020 value).
inline constexpr uint16_t kOurEdnsPayload = 1232;

struct KnotPktDeleter {
  void operator()(knot_pkt* p) const;
};

// A parsed query with exactly one question. Keeps the wire it was parsed from.
class Query {
 public:
  uint16_t id() const;
  const std::string& name() const { return name_; }  // lowercased, no trailing dot; "" = root
  uint16_t type() const { return type_; }
  uint16_t qclass() const { return class_; }
  bool hasEdns() const { return edns_; }
  // The largest UDP reply the client accepts: 512, or its EDNS payload size.
  size_t maxUdpReply() const { return maxUdp_; }
  const Bytes& wire() const { return wire_; }
  knot_pkt* pkt() const { return pkt_.get(); }

 private:
  friend struct Inspection;
  friend Inspection inspectQuery(std::span<const uint8_t> wire);
  Bytes wire_;
  std::unique_ptr<knot_pkt, KnotPktDeleter> pkt_;
  std::string name_;
  uint16_t type_ = 0, class_ = 0;
  bool edns_ = false;
  size_t maxUdp_ = 512;
};

// What to do with bytes that arrived on 127.0.0.11:53: answer `query`, or
// send `reply` (FORMERR, NOTIMP), or drop when both are empty (too short to
// carry an id, or not a query at all, e.g. a reflected response).
struct Inspection {
  std::optional<Query> query;
  Bytes reply;
};
Inspection inspectQuery(std::span<const uint8_t> wire);

// A local answer: `rdatas` are A (4 bytes), AAAA (16) or PTR target names
// ("c1" — written as a domain name), in the given order. Sets TC when the
// records do not fit in `maxSize`. EDNS is echoed when the query had it.
Bytes buildAnswer(const Query& q, uint16_t rrType, const std::vector<Bytes>& rdatas,
                  uint32_t ttl, size_t maxSize);
// A reply without records: NOERROR (no data), NXDOMAIN, SERVFAIL, REFUSED.
Bytes buildRcode(const Query& q, uint8_t rcode);

// An A/AAAA rdata from a textual address; nullopt if it is not an address.
std::optional<Bytes> addressRdata(const std::string& address, bool* isV6);
// The wire form of a domain name ("c1" -> \x02c1\x00); nullopt when invalid.
std::optional<Bytes> nameRdata(const std::string& name);
// "10.0.0.2" for "2.0.0.10.in-addr.arpa" (and the ip6.arpa form); nullopt otherwise.
std::optional<std::string> reverseNameToAddress(const std::string& name);

// True when `reply` is the answer to `query` (same id, QR set, same question).
bool replyMatches(const Bytes& query, std::span<const uint8_t> reply);
// Rewrites the id of a message in place (no-op when shorter than a header).
void setId(Bytes& msg, uint16_t id);
uint16_t getId(std::span<const uint8_t> msg);
bool isTruncated(std::span<const uint8_t> msg);
uint8_t rcodeOf(std::span<const uint8_t> msg);
// A reply too large for the client's UDP limit becomes header + question with TC set.
Bytes fitForUdp(std::span<const uint8_t> reply, size_t maxSize);

}  // namespace berth::network::dns
