// NftFirewall: the Firewall on nftables through libnftables. The whole of
// berth's table is rendered from the state and replaced in one transaction.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

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
  NftFirewall() = default;
  ~NftFirewall() override;
  NftFirewall(const NftFirewall&) = delete;
  NftFirewall& operator=(const NftFirewall&) = delete;

  // Each call builds its own libnftables context in the calling thread: the
  // context opens its netlink socket when it is created, and that socket is
  // what decides the network namespace.
  Status apply(const FwState& s) override;
  Status removeAll() override;

  // Watches, every `period`, that berth's table is still there, and puts the
  // last applied one back (logging it) when something removed it: `nft flush
  // ruleset`, a firewall service reload. The watcher is a thread of the
  // calling thread's network namespace. Stopped by the destructor.
  void startGuard(std::chrono::milliseconds period);
  // How many times the guard restored the table (for tests and logs).
  int restoredCount() const;

 private:
  void guardLoop(std::chrono::milliseconds period);

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::string lastScript_;  // "" = nothing to keep
  bool stop_ = false;
  int restored_ = 0;
  std::thread guard_;
};

}  // namespace berth
