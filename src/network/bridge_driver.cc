#include "network/bridge_driver.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cctype>
#include <charconv>
#include <cstdio>

#include "common/ids.h"
#include "common/ip.h"
#include "kernel/netlink.h"
#include "kernel/netns.h"
#include "kernel/sysctl.h"

namespace berth::network {

namespace {

int mtuOf(const NetworkRecord& n) {
  auto it = n.options.find(kOptMtu);
  int mtu = 0;
  if (it != n.options.end()) {
    std::from_chars(it->second.data(), it->second.data() + it->second.size(), mtu);
  }
  return mtu;
}

// Gateway addresses with the subnet's prefix length: "172.18.0.1/16".
std::vector<std::string> gatewayCidrs(const NetworkRecord& n) {
  std::vector<std::string> out;
  for (const auto& c : n.ipam) {
    if (c.gateway.empty()) {
      continue;
    }
    size_t slash = c.subnet.find('/');
    out.push_back(c.gateway + c.subnet.substr(slash));
  }
  return out;
}

bool iccDisabled(const NetworkRecord& n) { return !boolOption(n.options, kOptEnableIcc, true); }

bool kernelBridgeNetfilter() {
  return readSysctl("net.bridge.bridge-nf-call-iptables").ok();
}

bool hasV6(const NetworkRecord& n) {
  for (const auto& c : n.ipam) {
    if (c.subnet.find(':') != std::string::npos) {
      return true;
    }
  }
  return false;
}

// The bridge with its gateway addresses, up; forwarding on. Existing
// addresses are fine (restore).
Status configureBridge(Netlink& nl, const NetworkRecord& n) {
  if (hasV6(n)) {
    // The gateway's IPv6 address would stay "tentative" (unusable) for the
    // seconds of duplicate address detection; nothing else owns this link.
    (void)writeSysctl({"net", "ipv6", "conf", n.bridge, "accept_dad"}, "0");
  }
  BERTH_ASSIGN_OR_RETURN(std::vector<std::string> have, nl.addresses(n.bridge));
  for (const auto& cidr : gatewayCidrs(n)) {
    if (std::find(have.begin(), have.end(), cidr) == have.end()) {
      BERTH_TRY(nl.addAddress(n.bridge, cidr));
    }
  }
  BERTH_TRY(nl.setUp(n.bridge, true));
  BERTH_TRY(writeSysctl("net.ipv4.ip_forward", "1"));
  // Published ports on 127.0.0.1 are DNATed to the bridge: the kernel must
  // accept routing loopback sources there (the firewall masquerades them).
  BERTH_TRY(writeSysctl({"net", "ipv4", "conf", n.bridge, "route_localnet"}, "1"));
  if (hasV6(n)) {
    (void)writeSysctl("net.ipv6.conf.all.forwarding", "1");
  }
  if (iccDisabled(n)) {
    // Bridged frames must pass the firewall's forward chain for icc=false
    // to hold (docs/firewall.md); createNetwork checked br_netfilter is there.
    BERTH_TRY(writeSysctl("net.bridge.bridge-nf-call-iptables", "1"));
    if (hasV6(n)) {
      BERTH_TRY(writeSysctl("net.bridge.bridge-nf-call-ip6tables", "1"));
    }
  }
  return okStatus();
}

Status makeBridge(Netlink& nl, const NetworkRecord& n) {
  BERTH_TRY(nl.createBridge(n.bridge, mtuOf(n), ""));
  Status st = configureBridge(nl, n);
  if (!st.ok()) {
    (void)nl.deleteLink(n.bridge);
  }
  return st;
}

// sysfs attributes take one plain write (no temp file and rename).
Status writeSysfs(const std::string& path, const std::string& value) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    return systemError("open " + path, errno);
  }
  ssize_t n = ::write(fd, value.data(), value.size());
  int err = errno;
  ::close(fd);
  if (n != static_cast<ssize_t>(value.size())) {
    return systemError("write " + path, err);
  }
  return okStatus();
}

bool validIfName(const std::string& s) {
  if (s.empty() || s.size() > 15) {
    return false;
  }
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == '.';
  });
}

}  // namespace

bool boolOption(const std::map<std::string, std::string>& options, const std::string& key,
                bool fallback) {
  auto it = options.find(key);
  if (it == options.end()) {
    return fallback;
  }
  return it->second == "true" || it->second == "1";
}

Status validateBridgeOptions(const std::map<std::string, std::string>& options) {
  for (const auto& [k, v] : options) {
    if (k == kOptBridgeName) {
      if (!validIfName(v)) {
        return invalidArgument("invalid bridge name \"" + v +
                               "\": at most 15 characters of [A-Za-z0-9_.-]");
      }
    } else if (k == kOptEnableIcc || k == kOptMasquerade || k == kOptDefaultBridge) {
      if (v != "true" && v != "false" && v != "1" && v != "0") {
        return invalidArgument(
            fmt::format("invalid value \"{}\" for {}: true or false expected", v, k));
      }
    } else if (k == kOptMtu) {
      int mtu = 0;
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), mtu);
      if (ec != std::errc() || p != v.data() + v.size() || mtu < 68 || mtu > 65535) {
        return invalidArgument("invalid MTU \"" + v + "\": a number from 68 to 65535 expected");
      }
    } else if (k == kOptHostBinding) {
      auto ip = IpAddress::parse(v);
      if (!ip.ok() || !ip->isV4()) {
        return invalidArgument(fmt::format("invalid {} \"{}\": an IPv4 address expected", k, v));
      }
    }
    // Other keys are kept and shown by inspect, as dockerd does.
  }
  return okStatus();
}

std::string macForIpv4(const std::string& cidr) {
  auto p = IpPrefix::parseInterface(cidr);
  if (!p.ok() || !p->isV4()) {
    return "";
  }
  const IpAddress addr = p->address();
  const auto& b = addr.bytes();
  char buf[18];
  (void)std::snprintf(buf, sizeof(buf), "02:42:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3]);
  return buf;
}

Status checkBridgeRoom(const std::string& network, const std::string& bridge, int ports) {
  if (ports >= kMaxBridgePorts) {
    return unavailable("network " + network + " is full: its bridge " + bridge + " has " +
                       std::to_string(ports) + " ports, the most a Linux bridge can hold (" +
                       std::to_string(kMaxBridgePorts) + "); use another network");
  }
  return okStatus();
}

Status checkIccSupported(const std::map<std::string, std::string>& options,
                         bool bridgeNetfilter) {
  if (boolOption(options, kOptEnableIcc, true) || bridgeNetfilter) {
    return okStatus();
  }
  return unavailable(std::string(kOptEnableIcc) +
                     "=false needs the kernel's bridge netfilter (module br_netfilter, "
                     "/proc/sys/net/bridge/bridge-nf-call-iptables), which this host does not "
                     "have: without it containers of the network would still reach each other");
}

BridgeDriver::BridgeDriver(BridgeKernelProbes probes) : probes_(std::move(probes)) {
  if (!probes_.bridgeNetfilter) {
    probes_.bridgeNetfilter = kernelBridgeNetfilter;
  }
}

Status BridgeDriver::createNetwork(NetworkRecord& n) {
  BERTH_TRY(validateBridgeOptions(n.options));
  BERTH_TRY(checkIccSupported(n.options, probes_.bridgeNetfilter()));
  auto named = n.options.find(kOptBridgeName);
  n.bridge = named != n.options.end() ? named->second : "br-" + n.id.substr(0, 12);
  BERTH_ASSIGN_OR_RETURN(Netlink nl, Netlink::open());
  if (nl.link(n.bridge).ok()) {
    return conflict("bridge " + n.bridge + " exists already on this host");
  }
  return makeBridge(nl, n);
}

Status BridgeDriver::deleteNetwork(const NetworkRecord& n) {
  if (n.bridge.empty()) {
    return okStatus();
  }
  BERTH_ASSIGN_OR_RETURN(Netlink nl, Netlink::open());
  Status st = nl.deleteLink(n.bridge);
  if (!st.ok() && st.error().kind() == ErrorKind::kNotFound) {
    return okStatus();
  }
  return st;
}

Status BridgeDriver::restoreNetwork(const NetworkRecord& n) {
  BERTH_ASSIGN_OR_RETURN(Netlink nl, Netlink::open());
  auto link = nl.link(n.bridge);
  if (!link.ok()) {
    if (link.error().kind() != ErrorKind::kNotFound) {
      return Unexpected(std::move(link).error());
    }
    return makeBridge(nl, n);
  }
  if (link->kind != "bridge") {
    return conflict("link " + n.bridge + " of network " + n.name + " is a " + link->kind +
                    ", not a bridge");
  }
  return configureBridge(nl, n);
}

Status BridgeDriver::join(const NetworkRecord& n, EndpointRecord& ep, int sandboxFd,
                          bool defaultGateway) {
  BERTH_ASSIGN_OR_RETURN(Netlink nl, Netlink::open());
  int ports = probes_.portCount ? probes_.portCount(n.bridge) : nl.bridgePortCount(n.bridge);
  BERTH_TRY(checkBridgeRoom(n.name, n.bridge, ports));
  int mtu = mtuOf(n);
  if (mtu == 0) {
    if (auto br = nl.link(n.bridge); br.ok()) {
      mtu = br->mtu;
    }
  }
  ep.hostIfName = "veth" + generateId().substr(0, 7);
  if (ep.mac.empty()) {
    ep.mac = macForIpv4(ep.ipv4);
  }
  // The peer is born inside the sandbox under its final name (eth0...).
  BERTH_TRY(nl.createVeth(ep.hostIfName, ep.ifName, sandboxFd, mtu));
  auto undo = [&] { (void)nl.deleteLink(ep.hostIfName); };
  Status inside = runInNetns(sandboxFd, [&]() -> Status {
    BERTH_ASSIGN_OR_RETURN(Netlink in, Netlink::open());
    if (!ep.ipv6.empty()) {
      // Usable at once, not after seconds of duplicate address detection:
      // the IPAM already guarantees the address is unique on the network.
      (void)writeSysctl({"net", "ipv6", "conf", ep.ifName, "accept_dad"}, "0");
    }
    if (!ep.mac.empty()) {
      BERTH_TRY(in.setMac(ep.ifName, ep.mac));
    }
    for (const std::string* cidr : {&ep.ipv4, &ep.ipv6}) {
      if (!cidr->empty()) {
        BERTH_TRY(in.addAddress(ep.ifName, *cidr));
      }
    }
    BERTH_TRY(in.setUp(ep.ifName, true));
    if (defaultGateway && !n.internal) {
      for (const auto& c : n.ipam) {
        if (c.gateway.empty()) {
          continue;
        }
        bool v6 = c.subnet.find(':') != std::string::npos;
        if ((v6 ? ep.ipv6 : ep.ipv4).empty()) {
          continue;
        }
        BERTH_TRY(in.addRoute(v6 ? "::/0" : "0.0.0.0/0", c.gateway, ep.ifName));
      }
    }
    return okStatus();
  });
  if (!inside.ok()) {
    undo();
    return inside;
  }
  if (auto info = runInNetns(sandboxFd, [&]() -> Result<std::string> {
        BERTH_ASSIGN_OR_RETURN(Netlink in, Netlink::open());
        BERTH_ASSIGN_OR_RETURN(LinkInfo li, in.link(ep.ifName));
        return li.mac;
      });
      info.ok() && ep.mac.empty()) {
    ep.mac = *info;
  }
  Status host = [&]() -> Status {
    BERTH_TRY(nl.setMaster(ep.hostIfName, n.bridge));
    // Hairpin: a container reaching its own published port through the host
    // address comes back out of the port it went in (docs/firewall.md).
    BERTH_TRY(writeSysfs("/sys/class/net/" + ep.hostIfName + "/brport/hairpin_mode", "1"));
    return nl.setUp(ep.hostIfName, true);
  }();
  if (!host.ok()) {
    undo();
  }
  return host;
}

Status BridgeDriver::leave(const NetworkRecord& /*n*/, const EndpointRecord& ep) {
  if (ep.hostIfName.empty()) {
    return okStatus();
  }
  BERTH_ASSIGN_OR_RETURN(Netlink nl, Netlink::open());
  Status st = nl.deleteLink(ep.hostIfName);
  if (!st.ok() && st.error().kind() == ErrorKind::kNotFound) {
    return okStatus();  // the sandbox went first and took the pair with it
  }
  return st;
}

}  // namespace berth::network
