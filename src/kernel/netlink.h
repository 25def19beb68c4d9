// Links, addresses and routes over rtnetlink (libnl-route-3). A Netlink acts
// in the network namespace in which open() was called: a netlink socket stays
// bound to the namespace it was created in. Use runInNetns for another one.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/result.h"

struct nl_sock;

namespace berth {

namespace detail {
struct NetlinkConn;
}  // namespace detail

struct LinkInfo {
  int index = 0;
  std::string name;
  std::string kind;  // "bridge", "veth", "macvlan", ...; "" for lo and hardware
  int mtu = 0;
  std::string mac;      // "02:42:ac:11:00:02", lowercase; "" if the link has none
  bool up = false;      // administratively up (IFF_UP)
  int masterIndex = 0;  // 0 = no master
};

// Errors are one line naming the operation, the object and the kernel's
// reason: "create bridge br-x: Object exists". Kinds: not-found for a missing
// link or address, conflict for an existing name or a busy object,
// invalid-argument for a bad CIDR, MAC, mode or id, unavailable for a link
// kind this kernel cannot create. Not thread-safe: one Netlink per thread.
class Netlink {
 public:
  // Opens a NETLINK_ROUTE socket in the calling thread's network namespace.
  static Result<Netlink> open();

  Netlink(Netlink&&) noexcept;
  Netlink& operator=(Netlink&&) noexcept;
  Netlink(const Netlink&) = delete;
  Netlink& operator=(const Netlink&) = delete;
  ~Netlink();

  Result<LinkInfo> link(const std::string& name);  // not-found if absent
  Result<std::vector<LinkInfo>> links();

  // A bridge, left down. mtu 0 = kernel default; mac "" = kernel-chosen.
  Status createBridge(const std::string& name, int mtu, const std::string& mac);
  // A veth pair: `name` here, `peer` created directly in the namespace
  // `peerNetnsFd` (-1 = here), so the peer never shows up in this namespace
  // under its (possibly clashing) name. mtu 0 = kernel default. Both ends down.
  Status createVeth(const std::string& name, const std::string& peer, int peerNetnsFd, int mtu);
  // mode: bridge|private|vepa|passthru ("" = bridge). The parent is looked up
  // here; the new link is created in `netnsFd` (-1 = here).
  Status createMacvlan(const std::string& name, const std::string& parent, const std::string& mode,
                       int netnsFd);
  // An 802.1q sub-interface, vlanId 1..4094. Unavailable without the 8021q module.
  Status createVlan(const std::string& name, const std::string& parent, int vlanId);
  // mode: l2|l3|l3s ("" = l2). Unavailable without the ipvlan module.
  Status createIpvlan(const std::string& name, const std::string& parent, const std::string& mode,
                      int netnsFd);
  Status deleteLink(const std::string& name);  // not-found if absent

  Status setUp(const std::string& name, bool up);
  Status setMaster(const std::string& name, const std::string& master /* "" = none */);
  Status setMtu(const std::string& name, int mtu);
  Status setMac(const std::string& name, const std::string& mac);
  // Older kernels refuse to rename a link that is up (conflict: EBUSY).
  Status rename(const std::string& name, const std::string& newName);
  Status moveToNetns(const std::string& name, int netnsFd);

  // cidr: "172.18.0.2/16", "fd00::2/64" (a bare address means a host prefix).
  // IPv4 gets its broadcast address; IPv6 skips duplicate address detection
  // (IFA_F_NODAD, as Docker does), so the address is usable at once.
  Status addAddress(const std::string& link, const std::string& cidr);
  Status deleteAddress(const std::string& link, const std::string& cidr);  // not-found if absent
  // All addresses of the link as CIDRs, IPv6 link-local ones included.
  Result<std::vector<std::string>> addresses(const std::string& link);

  // A route in the main table: dst "10.1.0.0/16", "0.0.0.0/0" or "::/0";
  // gateway "" = none (on-link); dev "" = any. At least one of gateway and dev.
  Status addRoute(const std::string& dst, const std::string& gateway, const std::string& dev);
  // Destinations (CIDRs) of the main table's IPv4 or IPv6 routes.
  Result<std::vector<std::string>> routeDestinations(bool v6);

  // Number of links whose master is `bridge`; -1 if the bridge is missing or
  // the links cannot be listed (so "== 0" never wrongly means "unused").
  int bridgePortCount(const std::string& bridge);

 private:
  explicit Netlink(std::unique_ptr<detail::NetlinkConn> conn);

  nl_sock* sock() const;
  detail::NetlinkConn& conn() { return *conn_; }

  std::unique_ptr<detail::NetlinkConn> conn_;
};

}  // namespace berth
