// libFuzzer target: any bytes as a DNS query from a container (and as an
// upstream's reply). Inspection, local answers, error replies, reply checks
// and UDP trimming must never crash, hang or read out of bounds.
#include <cstddef>
#include <cstdint>
#include <span>

#include "network/dns/dns_message.h"
#include "network/dns/records.h"

using namespace berth::network::dns;  // NOLINT(google-build-using-namespace)

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> wire(data, size);
  Inspection ins = inspectQuery(wire);
  if (ins.query) {
    const Query& q = *ins.query;
    (void)reverseNameToAddress(q.name());
    (void)lowerName(q.name());
    std::vector<Bytes> v4 = {{10, 0, 0, 2}, {10, 0, 0, 3}};
    (void)buildAnswer(q, kTypeA, v4, 600, q.maxUdpReply());
    (void)buildAnswer(q, kTypeAaaa, {Bytes(16, 0xfd)}, 600, 512);
    if (auto name = nameRdata(q.name().empty() ? "x" : q.name())) {
      (void)buildAnswer(q, kTypePtr, {*name}, 600, 512);
    }
    (void)buildRcode(q, kRcodeNxDomain);
    // The same bytes as an upstream's reply to this query.
    (void)replyMatches(q.wire(), wire);
  }
  Bytes asQuery(wire.begin(), wire.end());
  (void)replyMatches(asQuery, wire);
  (void)fitForUdp(wire, 512);
  (void)isTruncated(wire);
  (void)rcodeOf(wire);
  return 0;
}
