#include "network/macvlan_driver.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <utility>

#include "kernel/netlink.h"
#include "kernel/netns.h"
#include "network/bridge_driver.h"

namespace berth::network {

namespace {

constexpr const char* kInternalParentPrefix = "dm-";  // dockerd's dummy parent name
constexpr const char* kInternalPeerPrefix = "dp-";    // its veth peer (no dummy module here)
constexpr size_t kMaxIfName = 15;                      // IFNAMSIZ - 1

bool hasParentOption(const NetworkRecord& n) {
  auto it = n.options.find(kOptParent);
  return it != n.options.end() && !it->second.empty();
}

std::string internalPeerOf(const NetworkRecord& n) {
  return kInternalPeerPrefix + n.id.substr(0, 12);
}

bool isNotFound(const Status& st) {
  return !st.ok() && st.error().kind() == ErrorKind::kNotFound;
}

Status withNetwork(Status st, const NetworkRecord& n) {
  if (st.ok()) {
    return st;
  }
  return Unexpected(Error(st.error()).withContext("network " + n.name));
}

bool isV6Cidr(const std::string& cidr) { return cidr.find(':') != std::string::npos; }

// Addresses, link up and the default routes, inside the sandbox.
Status configureInside(const NetworkRecord& n, const EndpointRecord& ep, bool ownMac,
                       bool defaultGateway, bool routeViaDevice) {
  BERTH_ASSIGN_OR_RETURN(Netlink in, Netlink::open());
  if (ownMac && !ep.mac.empty()) {
    BERTH_TRY(in.setMac(ep.ifName, ep.mac));
  }
  for (const std::string* cidr : {&ep.ipv4, &ep.ipv6}) {
    if (!cidr->empty()) {
      BERTH_TRY(in.addAddress(ep.ifName, *cidr));
    }
  }
  BERTH_TRY(in.setUp(ep.ifName, true));
  if (!defaultGateway || n.internal) {
    return okStatus();
  }
  for (bool v6 : {false, true}) {
    if ((v6 ? ep.ipv6 : ep.ipv4).empty()) {
      continue;
    }
    const std::string dst = v6 ? "::/0" : "0.0.0.0/0";
    if (routeViaDevice) {
      // ipvlan l3/l3s: the parent routes; there is no gateway on the segment.
      BERTH_TRY(in.addRoute(dst, "", ep.ifName));
      continue;
    }
    for (const auto& c : n.ipam) {
      if (!c.gateway.empty() && isV6Cidr(c.subnet) == v6) {
        BERTH_TRY(in.addRoute(dst, c.gateway, ep.ifName));
        break;
      }
    }
  }
  return okStatus();
}

}  // namespace

// --- ParentRegistry ------------------------------------------------------------

Status ParentRegistry::claim(const std::string& parent, const std::string& networkId,
                             const std::string& networkName) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = byParent_.find(parent);
  if (it != byParent_.end() && it->second.id != networkId) {
    return conflict("network " + it->second.name + " is already using parent interface " +
                    parent);
  }
  byParent_[parent] = Holder{networkId, networkName};
  return okStatus();
}

void ParentRegistry::release(const std::string& networkId) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = byParent_.begin(); it != byParent_.end();) {
    it = it->second.id == networkId ? byParent_.erase(it) : std::next(it);
  }
}

bool ParentRegistry::held(const std::string& parent) const {
  std::lock_guard<std::mutex> lock(mu_);
  return byParent_.count(parent) != 0;
}

// --- parent names ------------------------------------------------------------------

Result<ParentSpec> parseParent(const std::string& text) {
  bool printable = std::all_of(text.begin(), text.end(), [](char c) {
    return std::isgraph(static_cast<unsigned char>(c)) != 0 && c != '/' && c != ':';
  });
  if (text.empty() || text.size() > kMaxIfName || !printable || text == "." || text == "..") {
    return invalidArgument("invalid -o parent \"" + text +
                           "\": a link name of at most 15 characters, without '/', ':' or "
                           "spaces, expected");
  }
  ParentSpec spec;
  spec.name = text;
  size_t dot = text.rfind('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == text.size()) {
    return spec;
  }
  int id = 0;
  const char* first = text.data() + dot + 1;
  const char* last = text.data() + text.size();
  auto [p, ec] = std::from_chars(first, last, id);
  if (ec == std::errc() && p == last && id >= 1 && id <= 4094) {
    spec.base = text.substr(0, dot);
    spec.vlanId = id;
  }
  return spec;
}

std::string hostAccessNote(const std::string& driver, const std::string& parent, bool internal) {
  if (internal) {
    return "internal-only " + driver + " network (no -o parent): its containers reach each "
           "other through the berth-made link " + parent + " and nothing else";
  }
  return "the host cannot reach this network's containers through " + parent +
         ", nor they the host's addresses on it: the kernel hands a " + driver +
         " link's frames to its sibling links and to the wire, never up " + parent +
         "'s own stack. Other systems on the segment reach them. For host access, give the "
         "host its own link: ip link add NAME link " + parent + " type " + driver +
         (driver == "macvlan" ? " mode bridge" : " mode l2") +
         ", with an address of the subnet and a route to the containers through it";
}

// --- ParentLinkDriver ----------------------------------------------------------------

ParentLinkDriver::ParentLinkDriver(SubLinkKind kind, std::string sandboxDir,
                                   std::shared_ptr<ParentRegistry> parents)
    : kind_(std::move(kind)),
      sandboxDir_(std::move(sandboxDir)),
      parents_(parents ? std::move(parents) : std::make_shared<ParentRegistry>()) {}

std::string ParentLinkDriver::parentOf(const NetworkRecord& n) {
  if (hasParentOption(n)) {
    return n.options.at(kOptParent);
  }
  return kInternalParentPrefix + n.id.substr(0, 12);
}

std::string ParentLinkDriver::modeOf(const NetworkRecord& n) const {
  auto it = n.options.find(kind_.modeOption);
  if (it == n.options.end() || it->second.empty()) {
    return kind_.modes.front();
  }
  return it->second;
}

Status ParentLinkDriver::validate(const NetworkRecord& n) const {
  for (const char* owned : {kOptCreatedParent, kOptHostAccess}) {
    if (n.options.count(owned) != 0) {
      return invalidArgument("option " + std::string(owned) + " is set by berth, not by users");
    }
  }
  const std::string mode = modeOf(n);
  if (std::find(kind_.modes.begin(), kind_.modes.end(), mode) == kind_.modes.end()) {
    std::string all;
    for (const auto& m : kind_.modes) {
      all += (all.empty() ? "" : "|") + m;
    }
    return invalidArgument("invalid -o " + kind_.modeOption + " \"" + mode + "\": " + all +
                           " expected");
  }
  if (hasParentOption(n)) {
    BERTH_TRY(parseParent(n.options.at(kOptParent)));
  }
  return okStatus();
}

// The kernel may lack the link kind (a module not built): find out in a
// throwaway namespace before anything is made, so a network is never created
// that no container could join.
Status ParentLinkDriver::probeKind(const std::string& mode) {
  Status st = runInNewNetns([&]() -> Status {
    BERTH_ASSIGN_OR_RETURN(Netlink nl, Netlink::open());
    BERTH_TRY(nl.createVeth("probe0", "probe1", -1, 0));
    return createLink(nl, "probe2", "probe0", mode, -1);
  });
  if (!st.ok() && st.error().kind() == ErrorKind::kUnavailable) {
    // Without the probe's link names, which mean nothing to the user.
    const std::string& msg = st.error().message();
    size_t reason = msg.find("kernel module");
    return unavailable("cannot create " + kind_.driver + " links: " +
                       (reason == std::string::npos ? msg : msg.substr(reason)));
  }
  return okStatus();  // other failures show up, with their reason, where they matter
}

// Makes the parent link of `n` if it is one berth makes (an internal-only
// parent, or a missing IFACE.VLANID sub-interface); `created` says whether it did.
Status ParentLinkDriver::makeParent(Netlink& nl, const NetworkRecord& n, bool* created) {
  *created = false;
  const std::string parent = parentOf(n);
  auto have = nl.link(parent);
  if (have.ok()) {
    return okStatus();
  }
  if (have.error().kind() != ErrorKind::kNotFound) {
    return Unexpected(std::move(have).error());
  }
  if (!hasParentOption(n)) {
    // dockerd makes a dummy link; a veth pair works the same for siblings in
    // bridge mode and needs no dummy module. Both ends up, so it has carrier.
    const std::string peer = internalPeerOf(n);
    BERTH_TRY(nl.createVeth(parent, peer, -1, 0));
    Status up = nl.setUp(peer, true);
    if (up.ok()) {
      up = nl.setUp(parent, true);
    }
    if (!up.ok()) {
      (void)nl.deleteLink(parent);
      return up;
    }
    *created = true;
    return okStatus();
  }
  BERTH_ASSIGN_OR_RETURN(ParentSpec spec, parseParent(parent));
  if (spec.base.empty()) {
    return notFound("-o parent interface was not found on the host: " + parent);
  }
  if (auto base = nl.link(spec.base); !base.ok()) {
    if (base.error().kind() != ErrorKind::kNotFound) {
      return Unexpected(std::move(base).error());
    }
    return notFound("-o parent interface was not found on the host: " + spec.base +
                    " (the link of VLAN sub-interface " + parent + ")");
  }
  BERTH_TRY(nl.createVlan(parent, spec.base, spec.vlanId));
  if (Status up = nl.setUp(parent, true); !up.ok()) {
    (void)nl.deleteLink(parent);
    return up;
  }
  *created = true;
  return okStatus();
}

Status ParentLinkDriver::removeParent(const NetworkRecord& n) {
  auto flag = n.options.find(kOptCreatedParent);
  bool berthMade = !hasParentOption(n) || (flag != n.options.end() && flag->second == "true");
  if (!berthMade) {
    return okStatus();  // the user's link: never ours to remove
  }
  BERTH_ASSIGN_OR_RETURN(Netlink nl, Netlink::open());
  Status st = nl.deleteLink(parentOf(n));  // a veth parent takes its peer along
  return isNotFound(st) ? okStatus() : st;
}

Status ParentLinkDriver::createNetwork(NetworkRecord& n) {
  BERTH_TRY(validate(n));
  const std::string parent = parentOf(n);
  if (!hasParentOption(n)) {
    n.internal = true;  // as dockerd: no parent, no way out
  }
  BERTH_TRY(parents_->claim(parent, n.id, n.name));
  Status st = [&]() -> Status {
    BERTH_TRY(probeKind(modeOf(n)));
    BERTH_ASSIGN_OR_RETURN(Netlink nl, Netlink::open());
    bool created = false;
    BERTH_TRY(makeParent(nl, n, &created));
    if (created) {
      n.options[kOptCreatedParent] = "true";
    }
    n.options[kOptHostAccess] = hostAccessNote(kind_.driver, parent, !hasParentOption(n));
    return okStatus();
  }();
  if (!st.ok()) {
    parents_->release(n.id);
  }
  return st;
}

Status ParentLinkDriver::deleteNetwork(const NetworkRecord& n) {
  Status st = removeParent(n);
  if (st.ok()) {
    parents_->release(n.id);
  }
  return st;
}

Status ParentLinkDriver::restoreNetwork(const NetworkRecord& n) {
  BERTH_TRY(parents_->claim(parentOf(n), n.id, n.name));
  BERTH_ASSIGN_OR_RETURN(Netlink nl, Netlink::open());
  auto flag = n.options.find(kOptCreatedParent);
  bool berthMade = !hasParentOption(n) || (flag != n.options.end() && flag->second == "true");
  if (!berthMade) {
    if (auto have = nl.link(parentOf(n)); !have.ok()) {
      return Unexpected(Error(have.error())
                            .withContext("parent interface " + parentOf(n) +
                                         " is missing; containers cannot join until it is back"));
    }
    return okStatus();
  }
  bool created = false;
  return makeParent(nl, n, &created);  // after a reboot berth's parent is gone
}

Status ParentLinkDriver::join(const NetworkRecord& n, EndpointRecord& ep, int sandboxFd,
                              bool defaultGateway) {
  const std::string parent = parentOf(n);
  const std::string mode = modeOf(n);
  BERTH_ASSIGN_OR_RETURN(Netlink nl, Netlink::open());
  if (kind_.ownMac && ep.mac.empty()) {
    ep.mac = macForIpv4(ep.ipv4);
  }
  if (!kind_.ownMac) {
    ep.mac.clear();  // ipvlan links carry the parent's MAC
  }
  ep.hostIfName.clear();  // nothing of the endpoint lives in the host's namespace
  // Born inside the sandbox under its final name: it never shows up on the host.
  BERTH_TRY(withNetwork(createLink(nl, ep.ifName, parent, mode, sandboxFd), n));
  bool viaDevice = std::find(kind_.deviceRouteModes.begin(), kind_.deviceRouteModes.end(),
                             mode) != kind_.deviceRouteModes.end();
  Result<std::string> mac = runInNetns(sandboxFd, [&]() -> Result<std::string> {
    BERTH_TRY(configureInside(n, ep, kind_.ownMac, defaultGateway, viaDevice));
    BERTH_ASSIGN_OR_RETURN(Netlink in, Netlink::open());
    BERTH_ASSIGN_OR_RETURN(LinkInfo li, in.link(ep.ifName));
    return li.mac;
  });
  if (!mac.ok()) {
    (void)runInNetns(sandboxFd, [&]() -> Status {
      BERTH_ASSIGN_OR_RETURN(Netlink in, Netlink::open());
      return in.deleteLink(ep.ifName);
    });
    return withNetwork(Status(std::move(mac).error()), n);
  }
  ep.mac = *mac;
  return okStatus();
}

Status ParentLinkDriver::leave(const NetworkRecord& /*n*/, const EndpointRecord& ep) {
  if (sandboxDir_.empty() || ep.containerId.empty() || ep.ifName.empty()) {
    return okStatus();  // the link goes with its sandbox
  }
  auto fd = openNetns(sandboxDir_ + "/" + ep.containerId);
  if (!fd.ok()) {
    return okStatus();  // the sandbox is gone, and the link with it
  }
  return runInNetns(fd->get(), [&]() -> Status {
    BERTH_ASSIGN_OR_RETURN(Netlink in, Netlink::open());
    auto li = in.link(ep.ifName);
    if (!li.ok() || li->kind != kind_.driver) {
      return okStatus();  // already gone (or not ours: never delete another's link)
    }
    Status st = in.deleteLink(ep.ifName);
    return isNotFound(st) ? okStatus() : st;
  });
}

// --- macvlan ---------------------------------------------------------------------

MacvlanDriver::MacvlanDriver(std::string sandboxDir, std::shared_ptr<ParentRegistry> parents)
    : ParentLinkDriver(SubLinkKind{"macvlan", kOptMacvlanMode,
                                   {"bridge", "private", "vepa", "passthru"}, true, {}},
                       std::move(sandboxDir), std::move(parents)) {}

Status MacvlanDriver::createLink(Netlink& nl, const std::string& name, const std::string& parent,
                                 const std::string& mode, int netnsFd) {
  return nl.createMacvlan(name, parent, mode, netnsFd);
}

}  // namespace berth::network
