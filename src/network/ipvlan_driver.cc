#include "network/ipvlan_driver.h"

#include <utility>

#include "kernel/netlink.h"

namespace berth::network {

IpvlanDriver::IpvlanDriver(std::string sandboxDir, std::shared_ptr<ParentRegistry> parents)
    : ParentLinkDriver(SubLinkKind{"ipvlan", kOptIpvlanMode, {"l2", "l3", "l3s"}, false,
                                   {"l3", "l3s"}},
                       std::move(sandboxDir), std::move(parents)) {}

Status IpvlanDriver::createLink(Netlink& nl, const std::string& name, const std::string& parent,
                                const std::string& mode, int netnsFd) {
  return nl.createIpvlan(name, parent, mode, netnsFd);
}

}  // namespace berth::network
