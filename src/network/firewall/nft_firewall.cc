#include "network/firewall/nft_firewall.h"

#include "network/firewall/nft_runner.h"

#include <spdlog/spdlog.h>

namespace berth {

NftFirewall::~NftFirewall() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (guard_.joinable()) {
    guard_.join();
  }
}

Status NftFirewall::apply(const FwState& s) {
  BERTH_ASSIGN_OR_RETURN(std::string script, renderRuleset(s));
  std::lock_guard<std::mutex> lock(mu_);  // the guard never restores a stale script
  Status st = runNftScript(script);
  if (!st.ok()) {
    return Unexpected(std::move(st).error().withContext("apply firewall"));
  }
  lastScript_ = std::move(script);
  return okStatus();
}

Status NftFirewall::removeAll() {
  std::lock_guard<std::mutex> lock(mu_);
  Status st = runNftScript(renderRemoveAll());
  if (!st.ok()) {
    return Unexpected(std::move(st).error().withContext("remove firewall"));
  }
  lastScript_.clear();
  return okStatus();
}

void NftFirewall::startGuard(std::chrono::milliseconds period) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!guard_.joinable()) {
    guard_ = std::thread([this, period] { guardLoop(period); });
  }
}

int NftFirewall::restoredCount() const {
  std::lock_guard<std::mutex> lock(mu_);
  return restored_;
}

void NftFirewall::guardLoop(std::chrono::milliseconds period) {
  std::unique_lock<std::mutex> lock(mu_);
  while (!cv_.wait_for(lock, period, [this] { return stop_; })) {
    if (lastScript_.empty() || runNftCommand("list table inet berth").ok()) {
      continue;
    }
    spdlog::warn("nftables table inet berth is gone (ruleset flushed?); restoring it");
    if (Status st = runNftScript(lastScript_); st.ok()) {
      ++restored_;
    } else {
      spdlog::error("could not restore table inet berth: {}", st.error().message());
    }
  }
}

}  // namespace berth
