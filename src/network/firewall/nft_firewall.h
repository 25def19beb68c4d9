// NftFirewall: the Firewall on nftables through libnftables. The whole of
// berth's table is rendered from the state and replaced in one transaction.
#pragma once

#include <string>

#include "common/result.h"
#include "network/firewall/firewall.h"

namespace berth {

// The nft script that replaces `table inet berth` with the rules for `s`
// (docs/firewall.md explains it). invalid-argument/conflict for a bad state.
// Equal states render to equal text, whatever the order of their lists.
Result<std::string> renderRuleset(const FwState& s);

// The script that deletes `table inet berth`, present or not.
std::string renderRemoveAll();

class NftFirewall : public Firewall {
 public:
  // Each call builds its own libnftables context in the calling thread: the
  // context opens its netlink socket when it is created, and that socket is
  // what decides the network namespace.
  Status apply(const FwState& s) override;
  Status removeAll() override;
};

}  // namespace berth
