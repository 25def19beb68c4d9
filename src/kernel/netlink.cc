#include "kernel/netlink.h"

#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/ipvlan.h>
#include <netlink/route/link/macvlan.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/link/vlan.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>
#include <netlink/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <utility>

#include "common/error.h"

namespace berth {
namespace {

struct LinkDeleter {
  void operator()(rtnl_link* p) const { rtnl_link_put(p); }
};
struct NlAddrDeleter {
  void operator()(nl_addr* p) const { nl_addr_put(p); }
};
struct RtAddrDeleter {
  void operator()(rtnl_addr* p) const { rtnl_addr_put(p); }
};
struct RouteDeleter {
  void operator()(rtnl_route* p) const { rtnl_route_put(p); }
};
struct CacheDeleter {
  void operator()(nl_cache* p) const { nl_cache_free(p); }
};
using LinkPtr = std::unique_ptr<rtnl_link, LinkDeleter>;
using NlAddrPtr = std::unique_ptr<nl_addr, NlAddrDeleter>;
using RtAddrPtr = std::unique_ptr<rtnl_addr, RtAddrDeleter>;
using RoutePtr = std::unique_ptr<rtnl_route, RouteDeleter>;
using CachePtr = std::unique_ptr<nl_cache, CacheDeleter>;

// A dump that raced with a change ends with NLM_F_DUMP_INTR; it is simply redone.
constexpr int kDumpAttempts = 5;

// libnl objects of a cache are handed out as nl_object*; each cache holds one type.
template <typename T>
T* objectAs(nl_object* obj) {
  return reinterpret_cast<T*>(obj);  // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast)
}

ErrorKind kindOfNlError(int err) {
  switch (err < 0 ? -err : err) {
    case NLE_EXIST:
    case NLE_BUSY:
      return ErrorKind::kConflict;
    case NLE_OBJ_NOTFOUND:
    case NLE_NODEV:
    case NLE_NOADDR:
      return ErrorKind::kNotFound;
    case NLE_INVAL:
    case NLE_RANGE:
    case NLE_AF_MISMATCH:
    case NLE_AF_NOSUPPORT:
      return ErrorKind::kInvalidArgument;
    case NLE_OPNOTSUPP:
      return ErrorKind::kUnavailable;
    case NLE_PERM:
      return ErrorKind::kForbidden;
    default:
      return ErrorKind::kInternal;
  }
}

// "<what>: <libnl's text for the error>", kind from the error.
Error nlError(const std::string& what, int err) {
  return {kindOfNlError(err), what + ": " + nl_geterror(err)};
}

// Errnos libnl folds into NLE_FAILURE ("Unspecific failure").
ErrorKind kindOfUnmappedErrno(int err) {
  switch (err) {
    case ENETUNREACH:  // a route's gateway is not on a connected subnet
    case EHOSTUNREACH:
    case EADDRNOTAVAIL:
      return ErrorKind::kInvalidArgument;
    case ENOSPC:
    case ENFILE:
      return ErrorKind::kUnavailable;
    default:
      return ErrorKind::kInternal;
  }
}

}  // namespace

namespace detail {

// The socket and the errno of the kernel's last NLMSG_ERROR on it, which
// libnl otherwise reduces to its own codes (several to "Unspecific failure").
struct NetlinkConn {
  struct SockDeleter {
    void operator()(nl_sock* s) const { nl_socket_free(s); }
  };
  std::unique_ptr<nl_sock, SockDeleter> sock;
  int kernelErrno = 0;
};

}  // namespace detail

namespace {

using Conn = detail::NetlinkConn;

// Records the errno and then does what libnl does without a handler.
int recordKernelError(sockaddr_nl* /*from*/, nlmsgerr* e, void* arg) {
  static_cast<Conn*>(arg)->kernelErrno = e->error < 0 ? -e->error : e->error;
  return NL_STOP;
}

// nlError for the result `err` of a request on `c`: where libnl could not
// name the kernel's errno, strerror of it is used instead.
Error kernelError(Conn& c, const std::string& what, int err) {
  int kernelErrno = std::exchange(c.kernelErrno, 0);
  if (err != -NLE_FAILURE || kernelErrno == 0 || nl_syserr2nlerr(kernelErrno) != NLE_FAILURE) {
    return nlError(what, err);
  }
  Error e = systemError(what, kernelErrno);
  return {kindOfUnmappedErrno(kernelErrno), e.message()};
}

Error outOfMemory(const std::string& what) { return internal(what + ": out of memory"); }

// Checked here because libnl silently truncates names to IFNAMSIZ - 1.
Status validateLinkName(const std::string& name, const std::string& what) {
  bool bad = name.empty() || name.size() >= IFNAMSIZ || name == "." || name == "..";
  for (char ch : name) {  // what the kernel's dev_valid_name() refuses
    auto c = static_cast<unsigned char>(ch);
    bad = bad || c == '/' || c == ':' || c <= ' ' || c == 0x7f;
  }
  if (bad) {
    return Unexpected(invalidArgument(what + ": invalid link name \"" + name + "\""));
  }
  return okStatus();
}

// An address (and prefix length) parsed from user text.
struct Cidr {
  int family = AF_INET;
  std::array<uint8_t, 16> bytes{};
  int prefix = 32;

  int byteCount() const { return family == AF_INET ? 4 : 16; }
};

Result<Cidr> parseAddress(std::string_view text) {
  Cidr c;
  std::string s(text);
  if (::inet_pton(AF_INET, s.c_str(), c.bytes.data()) == 1) {
    c.family = AF_INET;
    c.prefix = 32;
    return c;
  }
  if (::inet_pton(AF_INET6, s.c_str(), c.bytes.data()) == 1) {
    c.family = AF_INET6;
    c.prefix = 128;
    return c;
  }
  return Unexpected(invalidArgument("invalid IP address \"" + s + "\""));
}

// "10.0.0.1/24", "fd00::/64"; a bare address gets the full prefix length.
Result<Cidr> parseCidr(std::string_view text) {
  size_t slash = text.find('/');
  BERTH_ASSIGN_OR_RETURN(Cidr c, parseAddress(text.substr(0, slash)));
  if (slash == std::string_view::npos) {
    return c;
  }
  std::string_view digits = text.substr(slash + 1);
  int len = -1;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), len);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || len < 0 ||
      len > c.prefix) {
    return Unexpected(invalidArgument("invalid prefix length in \"" + std::string(text) + "\""));
  }
  c.prefix = len;
  return c;
}

NlAddrPtr toNlAddr(const Cidr& c) {
  NlAddrPtr a(nl_addr_build(c.family, c.bytes.data(), c.byteCount()));
  if (a) {
    nl_addr_set_prefixlen(a.get(), c.prefix);
  }
  return a;
}

// "a.b.c.d/len" or "x::y/len" from a kernel address; a missing or empty
// address (the default route's destination) counts as all zeros.
std::string formatCidr(int family, const nl_addr* addr, unsigned prefix) {
  std::array<uint8_t, 16> bytes{};
  if (addr != nullptr) {
    size_t n = std::min<size_t>(nl_addr_get_len(addr), bytes.size());
    const auto* src = static_cast<const uint8_t*>(nl_addr_get_binary_addr(addr));
    std::copy(src, src + n, bytes.begin());
  }
  std::array<char, INET6_ADDRSTRLEN> text{};
  if (::inet_ntop(family, bytes.data(), text.data(), text.size()) == nullptr) {
    return "?";
  }
  return std::string(text.data()) + "/" + std::to_string(prefix);
}

std::string formatMac(const nl_addr* addr) {
  if (addr == nullptr) {
    return "";
  }
  static constexpr std::string_view kHex = "0123456789abcdef";
  const auto* bytes = static_cast<const uint8_t*>(nl_addr_get_binary_addr(addr));
  std::string out;
  for (unsigned i = 0; i < nl_addr_get_len(addr); ++i) {
    if (i > 0) {
      out += ':';
    }
    out += kHex[bytes[i] >> 4U];
    out += kHex[bytes[i] & 0xfU];
  }
  return out;
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

// "02:42:ac:11:00:02" (either case) as an AF_LLC address.
Result<NlAddrPtr> parseMac(const std::string& mac, const std::string& what) {
  std::array<uint8_t, 6> bytes{};
  bool ok = mac.size() == 17;
  for (size_t i = 0; ok && i < bytes.size(); ++i) {
    int hi = hexValue(mac[i * 3]);
    int lo = hexValue(mac[i * 3 + 1]);
    ok = hi >= 0 && lo >= 0 && (i == 5 || mac[i * 3 + 2] == ':');
    bytes.at(i) = static_cast<uint8_t>(hi * 16 + lo);
  }
  if (!ok) {
    return Unexpected(invalidArgument(what + ": invalid MAC address \"" + mac + "\""));
  }
  NlAddrPtr a(nl_addr_build(AF_LLC, bytes.data(), bytes.size()));
  if (!a) {
    return Unexpected(outOfMemory(what));
  }
  return a;
}

LinkInfo toLinkInfo(rtnl_link* l) {
  LinkInfo info;
  info.index = rtnl_link_get_ifindex(l);
  const char* name = rtnl_link_get_name(l);
  info.name = name != nullptr ? name : "";
  const char* kind = rtnl_link_get_type(l);
  info.kind = kind != nullptr ? kind : "";
  info.mtu = static_cast<int>(rtnl_link_get_mtu(l));
  info.mac = formatMac(rtnl_link_get_addr(l));
  info.up = (rtnl_link_get_flags(l) & IFF_UP) != 0U;
  info.masterIndex = rtnl_link_get_master(l);
  return info;
}

// The link called `name`, fetched from the kernel; not-found if absent.
Result<LinkPtr> getLink(Conn& c, const std::string& name, const std::string& what) {
  BERTH_TRY(validateLinkName(name, what));
  rtnl_link* raw = nullptr;
  int err = rtnl_link_get_kernel(c.sock.get(), 0, name.c_str(), &raw);
  LinkPtr link(raw);
  if (err < 0) {
    return Unexpected(kernelError(c, what, err));
  }
  if (!link) {
    return Unexpected(notFound(what + ": no link " + name));
  }
  return link;
}

Result<int> linkIndex(Conn& c, const std::string& name, const std::string& what) {
  BERTH_ASSIGN_OR_RETURN(LinkPtr link, getLink(c, name, what));
  return rtnl_link_get_ifindex(link.get());
}

// Runs a cache dump, redoing it if the kernel reports it interrupted.
Result<CachePtr> dump(Conn& c, const std::string& what,
                      const std::function<int(nl_cache**)>& alloc) {
  int err = 0;
  for (int i = 0; i < kDumpAttempts; ++i) {
    nl_cache* raw = nullptr;
    err = alloc(&raw);
    if (err >= 0) {
      return CachePtr(raw);
    }
    if (err != -NLE_DUMP_INTR) {
      break;
    }
  }
  return Unexpected(kernelError(c, what, err));
}

// Applies `edit` (which sets only what should change) to the link `name`.
Status changeLink(Conn& c, const std::string& name, const std::string& what,
                  const std::function<Status(rtnl_link*)>& edit) {
  BERTH_ASSIGN_OR_RETURN(LinkPtr orig, getLink(c, name, what));
  LinkPtr changes(rtnl_link_alloc());
  if (!changes) {
    return Unexpected(outOfMemory(what));
  }
  BERTH_TRY(edit(changes.get()));
  int err = rtnl_link_change(c.sock.get(), orig.get(), changes.get(), 0);
  if (err < 0) {
    return Unexpected(kernelError(c, what, err));
  }
  return okStatus();
}

// Asks the kernel to create `link` (kind and parameters set). EOPNOTSUPP is
// the kernel's "unknown link kind", given after it tried to load `module`.
Status addLink(Conn& c, rtnl_link* link, const std::string& what, const std::string& module) {
  int err = rtnl_link_add(c.sock.get(), link, NLM_F_CREATE | NLM_F_EXCL);
  if (err == -NLE_OPNOTSUPP) {
    return Unexpected(unavailable(what + ": kernel module " + module + " not available (" +
                                  nl_geterror(err) + ")"));
  }
  if (err < 0) {
    return Unexpected(kernelError(c, what, err));
  }
  return okStatus();
}

// Allocates a link of a kind with `name`, the parent `parent` (looked up here)
// and, if netnsFd >= 0, to be created in that namespace.
Result<LinkPtr> childLink(Conn& c, rtnl_link* allocated, const std::string& name,
                          const std::string& parent, int netnsFd, const std::string& what) {
  LinkPtr link(allocated);
  if (!link) {
    return Unexpected(outOfMemory(what));
  }
  BERTH_TRY(validateLinkName(name, what));
  Result<int> parentIndex = linkIndex(c, parent, what + ": parent " + parent);
  if (!parentIndex.ok()) {
    return Unexpected(std::move(parentIndex).error());
  }
  rtnl_link_set_name(link.get(), name.c_str());
  rtnl_link_set_link(link.get(), *parentIndex);
  if (netnsFd >= 0) {
    rtnl_link_set_ns_fd(link.get(), netnsFd);
  }
  return link;
}

}  // namespace

Netlink::Netlink(std::unique_ptr<detail::NetlinkConn> conn) : conn_(std::move(conn)) {}
Netlink::Netlink(Netlink&&) noexcept = default;
Netlink& Netlink::operator=(Netlink&&) noexcept = default;
Netlink::~Netlink() = default;

nl_sock* Netlink::sock() const { return conn_->sock.get(); }

Result<Netlink> Netlink::open() {
  auto conn = std::make_unique<Conn>();
  conn->sock.reset(nl_socket_alloc());
  if (!conn->sock) {
    return Unexpected(outOfMemory("open rtnetlink socket"));
  }
  // The Conn is heap-allocated, so the callback's pointer survives moves of the Netlink.
  int err = nl_socket_modify_err_cb(conn->sock.get(), NL_CB_CUSTOM, recordKernelError, conn.get());
  if (err >= 0) {
    err = nl_connect(conn->sock.get(), NETLINK_ROUTE);
  }
  if (err < 0) {
    return Unexpected(nlError("open rtnetlink socket", err));
  }
  return Netlink(std::move(conn));
}

Result<LinkInfo> Netlink::link(const std::string& name) {
  BERTH_ASSIGN_OR_RETURN(LinkPtr l, getLink(conn(), name, "look up link " + name));
  return toLinkInfo(l.get());
}

Result<std::vector<LinkInfo>> Netlink::links() {
  BERTH_ASSIGN_OR_RETURN(CachePtr cache, dump(conn(), "list links", [this](nl_cache** out) {
                           return rtnl_link_alloc_cache(sock(), AF_UNSPEC, out);
                         }));
  std::vector<LinkInfo> out;
  for (nl_object* o = nl_cache_get_first(cache.get()); o != nullptr; o = nl_cache_get_next(o)) {
    out.push_back(toLinkInfo(objectAs<rtnl_link>(o)));
  }
  return out;
}

Status Netlink::createBridge(const std::string& name, int mtu, const std::string& mac) {
  std::string what = "create bridge " + name;
  BERTH_TRY(validateLinkName(name, what));
  LinkPtr link(rtnl_link_bridge_alloc());
  if (!link) {
    return Unexpected(outOfMemory(what));
  }
  rtnl_link_set_name(link.get(), name.c_str());
  if (mtu > 0) {
    rtnl_link_set_mtu(link.get(), mtu);
  }
  if (!mac.empty()) {
    BERTH_ASSIGN_OR_RETURN(NlAddrPtr addr, parseMac(mac, what));
    rtnl_link_set_addr(link.get(), addr.get());  // takes its own reference
  }
  return addLink(conn(), link.get(), what, "bridge");
}

Status Netlink::createVeth(const std::string& name, const std::string& peer, int peerNetnsFd,
                           int mtu) {
  std::string what = "create veth " + name + " (peer " + peer + ")";
  BERTH_TRY(validateLinkName(name, what));
  BERTH_TRY(validateLinkName(peer, what));
  LinkPtr link(rtnl_link_veth_alloc());
  if (!link) {
    return Unexpected(outOfMemory(what));
  }
  LinkPtr peerLink(rtnl_link_veth_get_peer(link.get()));  // a new reference
  if (!peerLink) {
    return Unexpected(outOfMemory(what));
  }
  rtnl_link_set_name(link.get(), name.c_str());
  rtnl_link_set_name(peerLink.get(), peer.c_str());
  if (mtu > 0) {
    rtnl_link_set_mtu(link.get(), mtu);
    rtnl_link_set_mtu(peerLink.get(), mtu);
  }
  // IFLA_NET_NS_FD inside VETH_INFO_PEER: the kernel creates the peer there.
  if (peerNetnsFd >= 0) {
    rtnl_link_set_ns_fd(peerLink.get(), peerNetnsFd);
  }
  return addLink(conn(), link.get(), what, "veth");
}

Status Netlink::createMacvlan(const std::string& name, const std::string& parent,
                              const std::string& mode, int netnsFd) {
  std::string what = "create macvlan " + name;
  static constexpr std::array<std::string_view, 4> kModes = {"bridge", "private", "vepa",
                                                             "passthru"};
  std::string m = mode.empty() ? "bridge" : mode;
  if (std::find(kModes.begin(), kModes.end(), m) == kModes.end()) {
    return Unexpected(invalidArgument(what + ": invalid macvlan mode \"" + mode + "\""));
  }
  BERTH_ASSIGN_OR_RETURN(LinkPtr link,
                         childLink(conn(), rtnl_link_macvlan_alloc(), name, parent, netnsFd, what));
  int err = rtnl_link_macvlan_set_mode(link.get(), rtnl_link_macvlan_str2mode(m.c_str()));
  if (err < 0) {
    return Unexpected(nlError(what, err));
  }
  return addLink(conn(), link.get(), what, "macvlan");
}

Status Netlink::createVlan(const std::string& name, const std::string& parent, int vlanId) {
  std::string what = "create vlan " + name;
  if (vlanId < 1 || vlanId > 4094) {
    return Unexpected(
        invalidArgument(what + ": vlan id " + std::to_string(vlanId) + " is not in 1..4094"));
  }
  BERTH_ASSIGN_OR_RETURN(LinkPtr link,
                         childLink(conn(), rtnl_link_vlan_alloc(), name, parent, -1, what));
  int err = rtnl_link_vlan_set_id(link.get(), static_cast<uint16_t>(vlanId));
  if (err < 0) {
    return Unexpected(nlError(what, err));
  }
  return addLink(conn(), link.get(), what, "8021q");
}

Status Netlink::createIpvlan(const std::string& name, const std::string& parent,
                             const std::string& mode, int netnsFd) {
  std::string what = "create ipvlan " + name;
  std::string m = mode.empty() ? "l2" : mode;
  if (m != "l2" && m != "l3" && m != "l3s") {
    return Unexpected(invalidArgument(what + ": invalid ipvlan mode \"" + mode + "\""));
  }
  BERTH_ASSIGN_OR_RETURN(LinkPtr link,
                         childLink(conn(), rtnl_link_ipvlan_alloc(), name, parent, netnsFd, what));
  int err = rtnl_link_ipvlan_set_mode(link.get(),
                                      static_cast<uint16_t>(rtnl_link_ipvlan_str2mode(m.c_str())));
  if (err < 0) {
    return Unexpected(nlError(what, err));
  }
  return addLink(conn(), link.get(), what, "ipvlan");
}

Status Netlink::deleteLink(const std::string& name) {
  std::string what = "delete link " + name;
  BERTH_TRY(validateLinkName(name, what));
  LinkPtr link(rtnl_link_alloc());
  if (!link) {
    return Unexpected(outOfMemory(what));
  }
  rtnl_link_set_name(link.get(), name.c_str());
  int err = rtnl_link_delete(sock(), link.get());
  if (err < 0) {
    return Unexpected(kernelError(conn(), what, err));
  }
  return okStatus();
}

Status Netlink::setUp(const std::string& name, bool up) {
  return changeLink(conn(), name, "set link " + name + (up ? " up" : " down"),
                    [up](rtnl_link* c) -> Status {
                      if (up) {
                        rtnl_link_set_flags(c, IFF_UP);
                      } else {
                        rtnl_link_unset_flags(c, IFF_UP);
                      }
                      return okStatus();
                    });
}

Status Netlink::setMaster(const std::string& name, const std::string& master) {
  std::string what = master.empty() ? "release link " + name + " from its master"
                                    : "set master of link " + name + " to " + master;
  int masterIndex = 0;
  if (!master.empty()) {
    BERTH_ASSIGN_OR_RETURN(masterIndex, linkIndex(conn(), master, what));
  }
  return changeLink(conn(), name, what, [masterIndex](rtnl_link* c) -> Status {
    rtnl_link_set_master(c, masterIndex);  // IFLA_MASTER 0 releases the link
    return okStatus();
  });
}

Status Netlink::setMtu(const std::string& name, int mtu) {
  std::string what = "set mtu of link " + name + " to " + std::to_string(mtu);
  if (mtu <= 0) {
    return Unexpected(invalidArgument(what + ": mtu must be positive"));
  }
  return changeLink(conn(), name, what, [mtu](rtnl_link* c) -> Status {
    rtnl_link_set_mtu(c, static_cast<unsigned>(mtu));
    return okStatus();
  });
}

Status Netlink::setMac(const std::string& name, const std::string& mac) {
  std::string what = "set mac of link " + name + " to " + mac;
  BERTH_ASSIGN_OR_RETURN(NlAddrPtr addr, parseMac(mac, what));
  return changeLink(conn(), name, what, [&addr](rtnl_link* c) -> Status {
    rtnl_link_set_addr(c, addr.get());
    return okStatus();
  });
}

Status Netlink::rename(const std::string& name, const std::string& newName) {
  std::string what = "rename link " + name + " to " + newName;
  BERTH_TRY(validateLinkName(newName, what));
  return changeLink(conn(), name, what, [&newName](rtnl_link* c) -> Status {
    rtnl_link_set_name(c, newName.c_str());
    return okStatus();
  });
}

Status Netlink::moveToNetns(const std::string& name, int netnsFd) {
  std::string what = "move link " + name + " to another network namespace";
  if (netnsFd < 0) {
    return Unexpected(invalidArgument(what + ": no namespace file descriptor"));
  }
  return changeLink(conn(), name, what, [netnsFd](rtnl_link* c) -> Status {
    rtnl_link_set_ns_fd(c, netnsFd);
    return okStatus();
  });
}

namespace {

// An rtnl_addr for `cidr` on link `ifindex`, ready to add or delete.
Result<RtAddrPtr> makeAddr(int ifindex, const Cidr& c, const std::string& what) {
  RtAddrPtr a(rtnl_addr_alloc());
  NlAddrPtr local = toNlAddr(c);
  if (!a || !local) {
    return Unexpected(outOfMemory(what));
  }
  rtnl_addr_set_ifindex(a.get(), ifindex);
  int err = rtnl_addr_set_local(a.get(), local.get());  // takes its own reference
  if (err < 0) {
    return Unexpected(nlError(what, err));
  }
  return a;
}

}  // namespace

Status Netlink::addAddress(const std::string& link, const std::string& cidr) {
  std::string what = "add address " + cidr + " to link " + link;
  Result<Cidr> parsed = parseCidr(cidr);
  if (!parsed.ok()) {
    return Unexpected(std::move(parsed).error().withContext(what));
  }
  BERTH_ASSIGN_OR_RETURN(int ifindex, linkIndex(conn(), link, what));
  BERTH_ASSIGN_OR_RETURN(RtAddrPtr a, makeAddr(ifindex, *parsed, what));
  if (parsed->family == AF_INET && parsed->prefix < 31) {
    // The broadcast address, as `ip addr add ... brd +` and Docker set it.
    Cidr brd = *parsed;
    for (int bit = brd.prefix; bit < 32; ++bit) {
      brd.bytes.at(bit / 8) |= static_cast<uint8_t>(0x80U >> (bit % 8));
    }
    brd.prefix = 32;
    NlAddrPtr b = toNlAddr(brd);
    if (b) {
      rtnl_addr_set_broadcast(a.get(), b.get());
    }
  } else if (parsed->family == AF_INET6) {
    // No duplicate address detection: a container's address is berth's to
    // hand out, and a tentative address could not be used for a second or so.
    rtnl_addr_set_flags(a.get(), IFA_F_NODAD);
  }
  int err = rtnl_addr_add(sock(), a.get(), NLM_F_EXCL);
  if (err < 0) {
    return Unexpected(kernelError(conn(), what, err));
  }
  return okStatus();
}

Status Netlink::deleteAddress(const std::string& link, const std::string& cidr) {
  std::string what = "delete address " + cidr + " from link " + link;
  Result<Cidr> parsed = parseCidr(cidr);
  if (!parsed.ok()) {
    return Unexpected(std::move(parsed).error().withContext(what));
  }
  BERTH_ASSIGN_OR_RETURN(int ifindex, linkIndex(conn(), link, what));
  BERTH_ASSIGN_OR_RETURN(RtAddrPtr a, makeAddr(ifindex, *parsed, what));
  int err = rtnl_addr_delete(sock(), a.get(), 0);
  if (err == -NLE_NOADDR) {  // EADDRNOTAVAIL; libnl's text for it speaks of a family mismatch
    conn().kernelErrno = 0;
    return Unexpected(notFound(what + ": the link has no such address"));
  }
  if (err < 0) {
    return Unexpected(kernelError(conn(), what, err));
  }
  return okStatus();
}

Result<std::vector<std::string>> Netlink::addresses(const std::string& link) {
  std::string what = "list addresses of link " + link;
  BERTH_ASSIGN_OR_RETURN(int ifindex, linkIndex(conn(), link, what));
  BERTH_ASSIGN_OR_RETURN(CachePtr cache, dump(conn(), what, [this](nl_cache** out) {
                           return rtnl_addr_alloc_cache(sock(), out);
                         }));
  std::vector<std::string> out;
  for (nl_object* o = nl_cache_get_first(cache.get()); o != nullptr; o = nl_cache_get_next(o)) {
    auto* a = objectAs<rtnl_addr>(o);
    if (rtnl_addr_get_ifindex(a) != ifindex) {
      continue;
    }
    out.push_back(formatCidr(rtnl_addr_get_family(a), rtnl_addr_get_local(a),
                             static_cast<unsigned>(rtnl_addr_get_prefixlen(a))));
  }
  return out;
}

Status Netlink::addRoute(const std::string& dst, const std::string& gateway,
                         const std::string& dev) {
  std::string what = "add route " + dst;
  what += gateway.empty() ? "" : " via " + gateway;
  what += dev.empty() ? "" : " dev " + dev;
  if (gateway.empty() && dev.empty()) {
    return Unexpected(invalidArgument(what + ": needs a gateway or a device"));
  }
  Result<Cidr> dstCidr = parseCidr(dst);
  if (!dstCidr.ok()) {
    return Unexpected(std::move(dstCidr).error().withContext(what));
  }
  RoutePtr route(rtnl_route_alloc());
  rtnl_nexthop* nh = rtnl_route_nh_alloc();
  NlAddrPtr dstAddr = toNlAddr(*dstCidr);
  if (!route || nh == nullptr || !dstAddr) {
    if (nh != nullptr) {
      rtnl_route_nh_free(nh);
    }
    return Unexpected(outOfMemory(what));
  }
  rtnl_route_add_nexthop(route.get(), nh);  // the route owns nh from here on
  rtnl_route_set_family(route.get(), static_cast<uint8_t>(dstCidr->family));
  rtnl_route_set_table(route.get(), RT_TABLE_MAIN);
  rtnl_route_set_protocol(route.get(), RTPROT_BOOT);
  rtnl_route_set_type(route.get(), RTN_UNICAST);
  // An IPv4 route without a gateway is on-link (as `ip route` sets it); IPv6 ignores scope.
  bool onLink = gateway.empty() && dstCidr->family == AF_INET;
  rtnl_route_set_scope(route.get(), onLink ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE);
  int err = rtnl_route_set_dst(route.get(), dstAddr.get());
  if (err < 0) {
    return Unexpected(nlError(what, err));
  }
  if (!gateway.empty()) {
    Result<Cidr> gw = parseAddress(gateway);
    if (!gw.ok()) {
      return Unexpected(std::move(gw).error().withContext(what));
    }
    if (gw->family != dstCidr->family) {
      return Unexpected(invalidArgument(what + ": gateway and destination differ in family"));
    }
    NlAddrPtr gwAddr = toNlAddr(*gw);
    if (!gwAddr) {
      return Unexpected(outOfMemory(what));
    }
    rtnl_route_nh_set_gateway(nh, gwAddr.get());  // takes its own reference
  }
  if (!dev.empty()) {
    BERTH_ASSIGN_OR_RETURN(int ifindex, linkIndex(conn(), dev, what));
    rtnl_route_nh_set_ifindex(nh, ifindex);
  }
  err = rtnl_route_add(sock(), route.get(), NLM_F_EXCL);
  if (err < 0) {
    return Unexpected(kernelError(conn(), what, err));
  }
  return okStatus();
}

Result<std::vector<std::string>> Netlink::routeDestinations(bool v6) {
  int family = v6 ? AF_INET6 : AF_INET;
  BERTH_ASSIGN_OR_RETURN(
      CachePtr cache,
      dump(conn(), v6 ? "list IPv6 routes" : "list IPv4 routes", [this, family](nl_cache** out) {
        return rtnl_route_alloc_cache(sock(), family, 0, out);
      }));
  std::vector<std::string> out;
  for (nl_object* o = nl_cache_get_first(cache.get()); o != nullptr; o = nl_cache_get_next(o)) {
    auto* r = objectAs<rtnl_route>(o);
    if (rtnl_route_get_table(r) != RT_TABLE_MAIN) {
      continue;
    }
    nl_addr* d = rtnl_route_get_dst(r);
    std::string cidr = formatCidr(family, d, d != nullptr ? nl_addr_get_prefixlen(d) : 0);
    // Routes that differ only in metric or device share a destination.
    if (std::find(out.begin(), out.end(), cidr) == out.end()) {
      out.push_back(std::move(cidr));
    }
  }
  return out;
}

int Netlink::bridgePortCount(const std::string& bridge) {
  Result<LinkInfo> br = link(bridge);
  if (!br.ok()) {
    return -1;
  }
  Result<std::vector<LinkInfo>> all = links();
  if (!all.ok()) {
    return -1;
  }
  return static_cast<int>(std::count_if(
      all->begin(), all->end(), [&br](const LinkInfo& l) { return l.masterIndex == br->index; }));
}

}  // namespace berth
