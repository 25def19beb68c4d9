#include "network/dns/dns_message.h"

#include <arpa/inet.h>
#include "network/dns/knot.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>

namespace berth::network::dns {

void KnotPktDeleter::operator()(knot_pkt* p) const { knot_pkt_free(p); }

namespace {

using PktPtr = std::unique_ptr<knot_pkt, KnotPktDeleter>;

// Header-only reply for a query we cannot (or will not) parse further.
Bytes headerReply(std::span<const uint8_t> query, uint8_t rcode) {
  Bytes out(kHeaderSize, 0);
  std::memcpy(out.data(), query.data(), 2);  // id
  const uint8_t opcodeAndRd = query[2] & 0x79;  // opcode (bits 3-6) and RD (bit 0)
  out[2] = static_cast<uint8_t>(0x80 | opcodeAndRd);
  out[3] = static_cast<uint8_t>(0x80 | (rcode & 0x0f));  // RA
  return out;
}

std::string dnameToString(const knot_dname_t* name) {
  std::array<char, KNOT_DNAME_TXT_MAXLEN + 1> buf{};
  if (knot_dname_to_str(buf.data(), name, buf.size()) == nullptr) {
    return {};
  }
  std::string s(buf.data());
  if (!s.empty() && s.back() == '.') {
    s.pop_back();
  }
  return s;
}

// Starts a reply to `q`: header and question copied, QR and RA set.
PktPtr startReply(const Query& q, size_t maxSize) {
  PktPtr resp(knot_pkt_new(nullptr, static_cast<uint16_t>(std::min<size_t>(maxSize, 65535)),
                           nullptr));
  if (resp == nullptr || knot_pkt_init_response(resp.get(), q.pkt()) != KNOT_EOK) {
    return nullptr;
  }
  knot_wire_set_ra(resp->wire);
  return resp;
}

// Reserves room for our OPT record when the query had one, so answers cannot
// crowd it out; finishOpt() writes it.
bool reserveOpt(const Query& q, knot_pkt_t* resp, knot_rrset_t* opt) {
  knot_rrset_init_empty(opt);
  if (!q.hasEdns()) {
    return true;
  }
  if (knot_edns_init(opt, kOurEdnsPayload, 0, 0, nullptr) != KNOT_EOK) {
    return false;
  }
  return knot_pkt_reserve(resp, static_cast<uint16_t>(knot_edns_wire_size(opt))) == KNOT_EOK;
}

void finishOpt(const Query& q, knot_pkt_t* resp, knot_rrset_t* opt) {
  if (!q.hasEdns()) {
    return;
  }
  (void)knot_pkt_reclaim(resp, static_cast<uint16_t>(knot_edns_wire_size(opt)));
  if (knot_pkt_begin(resp, KNOT_ADDITIONAL) == KNOT_EOK) {
    (void)knot_pkt_put(resp, KNOT_COMPR_HINT_NONE, opt, 0);
  }
}

Bytes wireOf(const knot_pkt_t* p) { return Bytes(p->wire, p->wire + p->size); }

}  // namespace

uint16_t Query::id() const { return getId(wire_); }

Inspection inspectQuery(std::span<const uint8_t> wire) {
  Inspection out;
  if (wire.size() < kHeaderSize || wire.size() > 65535) {
    return out;  // no id to answer to
  }
  if ((wire[2] & 0x80) != 0) {
    return out;  // a response: never answer one (no reflection loops)
  }
  if (((wire[2] >> 3) & 0x0f) != KNOT_OPCODE_QUERY) {
    out.reply = headerReply(wire, kRcodeNotImp);
    return out;
  }
  Query q;
  q.wire_.assign(wire.begin(), wire.end());
  q.pkt_.reset(knot_pkt_new(q.wire_.data(), static_cast<uint16_t>(q.wire_.size()), nullptr));
  if (q.pkt_ == nullptr) {
    out.reply = headerReply(wire, kRcodeServFail);
    return out;
  }
  const int rc = knot_pkt_parse(q.pkt_.get(), 0);
  if ((rc != KNOT_EOK && rc != KNOT_ETRAIL) || knot_wire_get_qdcount(q.wire_.data()) != 1 ||
      q.pkt_->qname_size == 0) {
    out.reply = headerReply(wire, kRcodeFormErr);
    return out;
  }
  q.name_ = dnameToString(q.pkt_->lower_qname);
  q.type_ = knot_pkt_qtype(q.pkt_.get());
  q.class_ = knot_pkt_qclass(q.pkt_.get());
  q.edns_ = knot_pkt_has_edns(q.pkt_.get());
  if (q.edns_) {
    q.maxUdp_ = std::max<size_t>(512, knot_edns_get_payload(q.pkt_->opt_rr));
  }
  out.query = std::move(q);
  return out;
}

Bytes buildAnswer(const Query& q, uint16_t rrType, const std::vector<Bytes>& rdatas,
                  uint32_t ttl, size_t maxSize) {
  PktPtr resp = startReply(q, maxSize);
  if (resp == nullptr) {
    return headerReply(q.wire(), kRcodeServFail);
  }
  knot_rrset_t opt;
  if (!reserveOpt(q, resp.get(), &opt)) {
    return headerReply(q.wire(), kRcodeServFail);
  }
  // One RRset per record: libknot keeps an RRset's records sorted, and the
  // order we were given (shuffled for shared aliases) must survive.
  std::vector<knot_rrset_t> rrs(rdatas.size());
  bool built = knot_pkt_begin(resp.get(), KNOT_ANSWER) == KNOT_EOK;
  for (size_t i = 0; i < rdatas.size(); ++i) {
    knot_rrset_t& rr = rrs[i];
    knot_rrset_init(&rr, knot_dname_copy(knot_pkt_qname(q.pkt()), nullptr), rrType,
                    KNOT_CLASS_IN, ttl);
    const Bytes& d = rdatas[i];
    if (!built || rr.owner == nullptr || d.size() > 65535 ||
        knot_rrset_add_rdata(&rr, d.data(), static_cast<uint16_t>(d.size()), nullptr) !=
            KNOT_EOK) {
      built = false;
      break;
    }
    if (knot_pkt_put(resp.get(), KNOT_COMPR_HINT_QNAME, &rr, 0) == KNOT_ESPACE) {
      knot_wire_set_tc(resp->wire);  // the client retries over TCP
      break;
    }
  }
  if (!built) {
    knot_wire_set_rcode(resp->wire, kRcodeServFail);
  }
  finishOpt(q, resp.get(), &opt);
  Bytes out = wireOf(resp.get());
  resp.reset();  // the packet's RR table points into rrs and opt
  for (knot_rrset_t& rr : rrs) {
    knot_rrset_clear(&rr, nullptr);
  }
  knot_rrset_clear(&opt, nullptr);
  return out;
}

Bytes buildRcode(const Query& q, uint8_t rcode) {
  PktPtr resp = startReply(q, 65535);
  if (resp == nullptr) {
    return headerReply(q.wire(), rcode);
  }
  knot_wire_set_rcode(resp->wire, rcode);
  knot_rrset_t opt;
  if (reserveOpt(q, resp.get(), &opt)) {
    finishOpt(q, resp.get(), &opt);
  }
  Bytes out = wireOf(resp.get());
  resp.reset();
  knot_rrset_clear(&opt, nullptr);
  return out;
}

std::optional<Bytes> addressRdata(const std::string& address, bool* isV6) {
  std::array<uint8_t, 16> buf{};
  if (inet_pton(AF_INET, address.c_str(), buf.data()) == 1) {
    *isV6 = false;
    return Bytes(buf.begin(), buf.begin() + 4);
  }
  if (inet_pton(AF_INET6, address.c_str(), buf.data()) == 1) {
    *isV6 = true;
    return Bytes(buf.begin(), buf.end());
  }
  return std::nullopt;
}

std::optional<Bytes> nameRdata(const std::string& name) {
  std::array<uint8_t, KNOT_DNAME_MAXLEN> buf{};
  if (knot_dname_from_str(buf.data(), name.c_str(), buf.size()) == nullptr) {
    return std::nullopt;
  }
  return Bytes(buf.begin(), buf.begin() + static_cast<long>(knot_dname_size(buf.data())));
}

namespace {

std::vector<std::string> splitLabels(const std::string& name) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= name.size()) {
    size_t dot = name.find('.', start);
    if (dot == std::string::npos) {
      dot = name.size();
    }
    out.push_back(name.substr(start, dot - start));
    start = dot + 1;
  }
  return out;
}

std::optional<std::string> canonical(int family, const std::string& text) {
  std::array<uint8_t, 16> buf{};
  std::array<char, INET6_ADDRSTRLEN> str{};
  if (inet_pton(family, text.c_str(), buf.data()) != 1 ||
      inet_ntop(family, buf.data(), str.data(), str.size()) == nullptr) {
    return std::nullopt;
  }
  return std::string(str.data());
}

}  // namespace

std::optional<std::string> reverseNameToAddress(const std::string& name) {
  std::vector<std::string> labels = splitLabels(name);
  auto endsWith = [&](const char* a, const char* b) {
    return labels.size() > 2 && labels[labels.size() - 2] == a && labels.back() == b;
  };
  if (endsWith("in-addr", "arpa") && labels.size() == 6) {
    std::string text;
    for (int i = 3; i >= 0; --i) {
      const std::string& l = labels[static_cast<size_t>(i)];
      if (l.empty() || l.size() > 3 ||
          !std::all_of(l.begin(), l.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; })) {
        return std::nullopt;
      }
      text += l + (i > 0 ? "." : "");
    }
    return canonical(AF_INET, text);
  }
  if (endsWith("ip6", "arpa") && labels.size() == 34) {
    std::string text;
    for (int i = 31; i >= 0; --i) {
      const std::string& l = labels[static_cast<size_t>(i)];
      if (l.size() != 1 || std::isxdigit(static_cast<unsigned char>(l[0])) == 0) {
        return std::nullopt;
      }
      text += l;
      if (i % 4 == 0 && i > 0) {
        text += ':';
      }
    }
    return canonical(AF_INET6, text);
  }
  return std::nullopt;
}

uint16_t getId(std::span<const uint8_t> msg) {
  return msg.size() < 2 ? 0 : static_cast<uint16_t>((msg[0] << 8) | msg[1]);
}

void setId(Bytes& msg, uint16_t id) {
  if (msg.size() >= kHeaderSize) {
    msg[0] = static_cast<uint8_t>(id >> 8);
    msg[1] = static_cast<uint8_t>(id & 0xff);
  }
}

bool isTruncated(std::span<const uint8_t> msg) {
  return msg.size() >= kHeaderSize && (msg[2] & 0x02) != 0;
}

uint8_t rcodeOf(std::span<const uint8_t> msg) {
  return msg.size() >= kHeaderSize ? static_cast<uint8_t>(msg[3] & 0x0f) : kRcodeServFail;
}

namespace {

// Parses header and question of `msg` (a copy: libknot wants writable wire).
struct QuestionView {
  Bytes wire;
  PktPtr pkt;
};
std::optional<QuestionView> parseQuestion(std::span<const uint8_t> msg) {
  if (msg.size() < kHeaderSize || msg.size() > 65535) {
    return std::nullopt;
  }
  QuestionView v{Bytes(msg.begin(), msg.end()), nullptr};
  v.pkt.reset(knot_pkt_new(v.wire.data(), static_cast<uint16_t>(v.wire.size()), nullptr));
  if (v.pkt == nullptr || knot_pkt_parse_question(v.pkt.get()) != KNOT_EOK ||
      v.pkt->qname_size == 0) {
    return std::nullopt;
  }
  return v;
}

}  // namespace

bool replyMatches(const Bytes& query, std::span<const uint8_t> reply) {
  if (reply.size() < kHeaderSize || getId(query) != getId(reply) || (reply[2] & 0x80) == 0) {
    return false;
  }
  if (knot_wire_get_qdcount(reply.data()) == 0) {
    return rcodeOf(reply) != kRcodeNoError;  // an error without question (FORMERR etc.)
  }
  auto q = parseQuestion(query);
  auto r = parseQuestion(reply);
  return q && r && knot_dname_is_equal(q->pkt->lower_qname, r->pkt->lower_qname) &&
         knot_pkt_qtype(q->pkt.get()) == knot_pkt_qtype(r->pkt.get()) &&
         knot_pkt_qclass(q->pkt.get()) == knot_pkt_qclass(r->pkt.get());
}

Bytes fitForUdp(std::span<const uint8_t> reply, size_t maxSize) {
  if (reply.size() <= maxSize) {
    return Bytes(reply.begin(), reply.end());
  }
  size_t keep = kHeaderSize;
  if (auto v = parseQuestion(reply)) {
    keep = v->pkt->parsed;  // header + question
  }
  Bytes out(reply.begin(), reply.begin() + static_cast<long>(keep));
  knot_wire_set_qdcount(out.data(), keep > kHeaderSize ? 1 : 0);
  knot_wire_set_ancount(out.data(), 0);
  knot_wire_set_nscount(out.data(), 0);
  knot_wire_set_arcount(out.data(), 0);
  knot_wire_set_tc(out.data());
  return out;
}

}  // namespace berth::network::dns
