#include "kernel/link_probe.h"

#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/ipvlan.h>
#include <netlink/route/link/macvlan.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/link/vlan.h>
#include <netlink/route/link/vxlan.h>
#include <netlink/socket.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <string>
#include <string_view>

#include "common/error.h"

namespace berth {
namespace {

struct SockDeleter {
  void operator()(nl_sock* sock) const { nl_socket_free(sock); }
};
struct LinkDeleter {
  void operator()(rtnl_link* link) const { rtnl_link_put(link); }
};
using SockPtr = std::unique_ptr<nl_sock, SockDeleter>;
using LinkPtr = std::unique_ptr<rtnl_link, LinkDeleter>;

constexpr const char* kVethName = "bprobe-veth0";
constexpr const char* kVethPeerName = "bprobe-veth1";

// Asks the kernel to create `link` (kind and parameters already set) as
// `name`; true if it did. EOPNOTSUPP is the kernel's "unknown link kind",
// given after it tried to autoload rtnl-link-<kind>. The link is not deleted:
// each RTM_DELLINK waits out an RCU grace period (15-60 ms measured here),
// while the namespace's teardown removes all of them in one batch, off our path.
bool tryCreate(nl_sock* sock, LinkPtr link, const char* name, std::string_view kind) {
  if (!link) {
    spdlog::warn("kernel probe: out of memory allocating a {} link", kind);
    return false;
  }
  rtnl_link_set_name(link.get(), name);
  int err = rtnl_link_add(sock, link.get(), NLM_F_CREATE | NLM_F_EXCL);
  if (err < 0) {
    if (err == -NLE_OPNOTSUPP) {
      spdlog::debug("kernel probe: link kind {} not supported", kind);
    } else {
      spdlog::warn("kernel probe: creating a {} link failed: {}", kind, nl_geterror(err));
    }
    return false;
  }
  return true;
}

LinkPtr withParent(rtnl_link* link, int parentIndex) {
  if (link != nullptr) {
    rtnl_link_set_link(link, parentIndex);
  }
  return LinkPtr(link);
}

int linkIndex(nl_sock* sock, const char* name) {
  rtnl_link* raw = nullptr;
  int err = rtnl_link_get_kernel(sock, 0, name, &raw);
  if (err < 0 || raw == nullptr) {
    spdlog::warn("kernel probe: look up {}: {}", name, nl_geterror(err));
    return 0;
  }
  LinkPtr link(raw);
  return rtnl_link_get_ifindex(link.get());
}

}  // namespace

Result<LinkKindSupport> probeLinkKinds() {
  SockPtr sock(nl_socket_alloc());
  if (!sock) {
    return Unexpected(internal("kernel probe: cannot allocate a netlink socket"));
  }
  int err = nl_connect(sock.get(), NETLINK_ROUTE);
  if (err < 0) {
    return Unexpected(
        internal(std::string("kernel probe: connect rtnetlink: ") + nl_geterror(err)));
  }

  LinkKindSupport s;
  s.bridge = tryCreate(sock.get(), LinkPtr(rtnl_link_bridge_alloc()), "bprobe-br", "bridge");

  LinkPtr vxlan(rtnl_link_vxlan_alloc());
  if (vxlan) {
    rtnl_link_vxlan_set_id(vxlan.get(), 42);  // a VXLAN device is defined by its VNI
  }
  s.vxlan = tryCreate(sock.get(), std::move(vxlan), "bprobe-vx", "vxlan");

  // vlan, macvlan and ipvlan need an Ethernet parent; a veth end serves
  // because `dummy` may be missing where veth, which berth needs anyway, is not.
  LinkPtr veth(rtnl_link_veth_alloc());
  if (veth) {
    LinkPtr peer(rtnl_link_veth_get_peer(veth.get()));
    if (peer) {
      rtnl_link_set_name(peer.get(), kVethPeerName);
    }
  }
  s.veth = tryCreate(sock.get(), std::move(veth), kVethName, "veth");
  if (!s.veth) {
    spdlog::warn("kernel probe: no veth parent, so vlan, macvlan and ipvlan are reported absent");
    return s;
  }
  int parent = linkIndex(sock.get(), kVethName);
  if (parent > 0) {
    s.macvlan = tryCreate(sock.get(), withParent(rtnl_link_macvlan_alloc(), parent), "bprobe-mv",
                          "macvlan");
    s.ipvlan =
        tryCreate(sock.get(), withParent(rtnl_link_ipvlan_alloc(), parent), "bprobe-ipv", "ipvlan");
    LinkPtr vlan = withParent(rtnl_link_vlan_alloc(), parent);
    if (vlan) {
      rtnl_link_vlan_set_id(vlan.get(), 42);
    }
    s.vlan8021q = tryCreate(sock.get(), std::move(vlan), "bprobe-vlan", "vlan");
  }
  return s;
}

}  // namespace berth
