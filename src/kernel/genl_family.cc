#include "kernel/genl_family.h"

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "common/error.h"
#include "kernel/unique_fd.h"

namespace berth {
namespace {

constexpr std::uint32_t kSeq = 1;
// A family reply lists all its ops and multicast groups: IPVS's fills a few KiB.
constexpr std::size_t kReplyBuffer = 32 * 1024;

std::vector<char> buildGetFamily(std::string_view name) {
  std::size_t attrLen = NLA_HDRLEN + name.size() + 1;
  std::size_t total = NLMSG_LENGTH(GENL_HDRLEN + NLA_ALIGN(attrLen));
  std::vector<char> buf(total, 0);

  nlmsghdr hdr{};
  hdr.nlmsg_len = static_cast<std::uint32_t>(total);
  hdr.nlmsg_type = GENL_ID_CTRL;
  hdr.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  hdr.nlmsg_seq = kSeq;
  std::memcpy(buf.data(), &hdr, sizeof(hdr));

  genlmsghdr genl{};
  genl.cmd = CTRL_CMD_GETFAMILY;
  genl.version = 1;
  std::memcpy(buf.data() + NLMSG_HDRLEN, &genl, sizeof(genl));

  nlattr attr{};
  attr.nla_len = static_cast<std::uint16_t>(attrLen);
  attr.nla_type = CTRL_ATTR_FAMILY_NAME;
  char* attrStart = buf.data() + NLMSG_HDRLEN + GENL_HDRLEN;
  std::memcpy(attrStart, &attr, sizeof(attr));
  std::memcpy(attrStart + NLA_HDRLEN, name.data(), name.size());  // NUL already there
  return buf;
}

// Finds CTRL_ATTR_FAMILY_ID in the attributes of one controller reply.
Result<std::uint16_t> familyIdFrom(const char* payload, std::size_t len) {
  std::size_t off = GENL_HDRLEN;
  while (off + NLA_HDRLEN <= len) {
    nlattr attr{};
    std::memcpy(&attr, payload + off, sizeof(attr));
    if (attr.nla_len < NLA_HDRLEN || off + attr.nla_len > len) {
      break;
    }
    if ((attr.nla_type & NLA_TYPE_MASK) == CTRL_ATTR_FAMILY_ID &&
        attr.nla_len >= NLA_HDRLEN + sizeof(std::uint16_t)) {
      std::uint16_t id = 0;
      std::memcpy(&id, payload + off + NLA_HDRLEN, sizeof(id));
      return id;
    }
    off += NLA_ALIGN(attr.nla_len);
  }
  return Unexpected(internal("generic netlink: family reply without an id"));
}

}  // namespace

Result<std::uint16_t> resolveGenlFamily(std::string_view name) {
  const std::string what = "resolve generic netlink family " + std::string(name);
  UniqueFd sock(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC));
  if (!sock) {
    return Unexpected(systemError(what + ": socket", errno));
  }
  // The controller answers at once; the timeout only guards against a kernel
  // that never does, so that the daemon's start cannot hang here.
  timeval timeout{1, 0};
  if (::setsockopt(sock.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout)) != 0) {
    return Unexpected(systemError(what + ": setsockopt", errno));
  }
  std::vector<char> request = buildGetFamily(name);
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(sock.get(), request.data(), request.size(), 0, reinterpret_cast<sockaddr*>(&kernel),
               sizeof(kernel)) < 0) {
    return Unexpected(systemError(what + ": send", errno));
  }

  std::vector<char> buf(kReplyBuffer);
  for (;;) {
    ssize_t got = ::recv(sock.get(), buf.data(), buf.size(), 0);
    if (got < 0) {
      if (errno == EINTR) {
        continue;
      }
      return Unexpected(systemError(what + ": receive", errno));
    }
    std::size_t len = static_cast<std::size_t>(got);
    std::size_t off = 0;
    while (off + NLMSG_HDRLEN <= len) {
      nlmsghdr hdr{};
      std::memcpy(&hdr, buf.data() + off, sizeof(hdr));
      if (hdr.nlmsg_len < NLMSG_HDRLEN || off + hdr.nlmsg_len > len) {
        break;
      }
      const char* payload = buf.data() + off + NLMSG_HDRLEN;
      std::size_t payloadLen = hdr.nlmsg_len - NLMSG_HDRLEN;
      if (hdr.nlmsg_seq == kSeq) {
        if (hdr.nlmsg_type == NLMSG_ERROR && payloadLen >= sizeof(nlmsgerr)) {
          nlmsgerr err{};
          std::memcpy(&err, payload, sizeof(err));
          if (err.error == -ENOENT) {
            return Unexpected(
                notFound("generic netlink family " + std::string(name) + " not available"));
          }
          if (err.error != 0) {
            return Unexpected(systemError(what, -err.error));
          }
          // A bare ACK before the reply would be a kernel bug; keep reading.
        } else if (hdr.nlmsg_type == GENL_ID_CTRL && payloadLen >= GENL_HDRLEN) {
          return familyIdFrom(payload, payloadLen);
        }
      }
      off += NLMSG_ALIGN(hdr.nlmsg_len);
    }
  }
}

}  // namespace berth
