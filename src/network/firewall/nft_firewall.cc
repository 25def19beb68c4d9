#include "network/firewall/nft_firewall.h"

#include "network/firewall/nft_runner.h"

namespace berth {

Status NftFirewall::apply(const FwState& s) {
  BERTH_ASSIGN_OR_RETURN(std::string script, renderRuleset(s));
  Status st = runNftScript(script);
  if (!st.ok()) {
    return Unexpected(std::move(st).error().withContext("apply firewall"));
  }
  return okStatus();
}

Status NftFirewall::removeAll() {
  Status st = runNftScript(renderRemoveAll());
  if (!st.ok()) {
    return Unexpected(std::move(st).error().withContext("remove firewall"));
  }
  return okStatus();
}

}  // namespace berth
