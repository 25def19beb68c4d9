// The ipvlan driver: the macvlan shape (network/macvlan_driver.h) with ipvlan
// links, which share the parent's MAC. Modes l2 (default), l3 and l3s; in l3
// and l3s the default route goes through the link itself, as dockerd's.
#pragma once

#include <memory>
#include <string>

#include "network/macvlan_driver.h"

namespace berth::network {

class IpvlanDriver : public ParentLinkDriver {
 public:
  explicit IpvlanDriver(std::string sandboxDir = "",
                        std::shared_ptr<ParentRegistry> parents = nullptr);

 protected:
  Status createLink(Netlink& nl, const std::string& name, const std::string& parent,
                    const std::string& mode, int netnsFd) override;
};

}  // namespace berth::network
