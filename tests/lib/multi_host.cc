// MultiHost: switch and router namespaces joining test hosts into an underlay.
#include <fmt/format.h>

#include <atomic>

#include "tests/lib/test_host.h"

namespace berth::testing {
namespace {

// Subnet numbers are unique per process, so a host joined through two
// MultiHost objects never gets two links on the same subnet.
std::atomic<int> gNextSubnet{1};

Result<int> newSubnet() {
  int n = gNextSubnet++;
  if (n > 254) {
    return unavailable("test hosts ran out of 10.99.<n>.0/24 subnets");
  }
  return n;
}

Status check(const ExecResult& r) {
  if (r.ok()) {
    return okStatus();
  }
  return internal(r.describe());
}

std::string mtu() { return envOr("TH_MTU", "1500"); }

}  // namespace

TestHost* MultiHost::node(const std::string& name) {
  auto it = nodes_.find(name);
  return it == nodes_.end() ? nullptr : it->second.host.get();
}

Result<MultiHost::Switch*> MultiHost::getOrMake(const std::string& name, bool router) {
  auto it = nodes_.find(name);
  if (it != nodes_.end()) {
    if ((it->second.subnet == 0) != router) {
      return conflict(name + " exists as a " + (router ? "switch" : "router"));
    }
    return &it->second;
  }
  BERTH_ASSIGN_OR_RETURN(auto host, TestHost::createBare(name));
  Switch node;
  node.host = std::move(host);
  TestHost& h = *node.host;
  if (router) {
    BERTH_TRY(check(
        h.exec({"sysctl", "-qw", "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1"})));
  } else {
    BERTH_ASSIGN_OR_RETURN(node.subnet, newSubnet());
    BERTH_TRY(
        check(runCommand({"ip", "-n", h.netnsName(), "link", "add", "br0", "type", "bridge"})));
    BERTH_TRY(check(runCommand({"ip", "-n", h.netnsName(), "link", "set", "br0", "up"})));
  }
  auto [pos, inserted] = nodes_.emplace(name, std::move(node));
  return &pos->second;
}

// A veth pair made directly inside the two namespaces, never in the machine's.
Status MultiHost::veth(TestHost& a, const std::string& ifA, TestHost& b, const std::string& ifB) {
  std::string m = mtu();
  return check(runCommand({"ip", "-n", a.netnsName(), "link", "add", ifA, "mtu", m, "type", "veth",
                           "peer", "name", ifB, "mtu", m, "netns", b.netnsName()}));
}

Status MultiHost::addressUp(TestHost& h, const std::string& iface, const std::string& cidr4,
                            const std::string& cidr6) {
  // No duplicate address detection on the underlay: while the link-local
  // address is tentative, first packets (neighbour discovery) are lost.
  BERTH_TRY(check(h.exec({"sysctl", "-qw", "net.ipv6.conf." + iface + ".accept_dad=0"})));
  BERTH_TRY(check(runCommand({"ip", "-n", h.netnsName(), "addr", "add", cidr4, "dev", iface})));
  BERTH_TRY(
      check(runCommand({"ip", "-n", h.netnsName(), "addr", "add", cidr6, "dev", iface, "nodad"})));
  BERTH_TRY(check(runCommand({"ip", "-n", h.netnsName(), "link", "set", iface, "up"})));
  h.addrs_[iface] = cidr4;
  h.addrs6_[iface] = cidr6;
  return okStatus();
}

Status MultiHost::linkSwitch(const std::string& name, const std::vector<TestHost*>& hosts) {
  BERTH_ASSIGN_OR_RETURN(Switch * sw, getOrMake(name, false));
  TestHost& swHost = *sw->host;
  const std::string n = std::to_string(sw->subnet);
  for (TestHost* h : hosts) {
    const std::string i = std::to_string(sw->nextIndex++);
    const std::string port = "port" + i;
    const std::string iface = h->nextInterface();
    BERTH_TRY(veth(swHost, port, *h, iface));
    BERTH_TRY(check(
        runCommand({"ip", "-n", swHost.netnsName(), "link", "set", port, "master", "br0", "up"})));
    BERTH_TRY(addressUp(*h, iface, fmt::format("10.99.{}.{}/24", n, i),
                        fmt::format("fd99:{}::{}/64", n, i)));
  }
  return okStatus();
}

Status MultiHost::linkRouter(const std::string& name, TestHost& a, TestHost& b) {
  BERTH_ASSIGN_OR_RETURN(Switch * rt, getOrMake(name, true));
  TestHost& router = *rt->host;
  BERTH_ASSIGN_OR_RETURN(int na, newSubnet());
  BERTH_ASSIGN_OR_RETURN(int nb, newSubnet());
  const std::string sa = std::to_string(na);
  const std::string sb = std::to_string(nb);
  for (auto [h, s] : {std::pair<TestHost*, std::string>{&a, sa}, {&b, sb}}) {
    const std::string rif = router.nextInterface();
    const std::string hif = h->nextInterface();
    BERTH_TRY(veth(router, rif, *h, hif));
    BERTH_TRY(addressUp(router, rif, "10.99." + s + ".1/24", "fd99:" + s + "::1/64"));
    BERTH_TRY(addressUp(*h, hif, "10.99." + s + ".2/24", "fd99:" + s + "::2/64"));
  }
  auto route = [](TestHost& h, const std::string& family, const std::string& dst,
                  const std::string& via) {
    return check(runCommand({"ip", "-n", h.netnsName(), family, "route", "add", dst, "via", via}));
  };
  BERTH_TRY(route(a, "-4", "10.99." + sb + ".0/24", "10.99." + sa + ".1"));
  BERTH_TRY(route(b, "-4", "10.99." + sa + ".0/24", "10.99." + sb + ".1"));
  BERTH_TRY(route(a, "-6", "fd99:" + sb + "::/64", "fd99:" + sa + "::1"));
  BERTH_TRY(route(b, "-6", "fd99:" + sa + "::/64", "fd99:" + sb + "::1"));
  return okStatus();
}

}  // namespace berth::testing
