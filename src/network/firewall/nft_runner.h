// libnftables, serialized and with its messages captured: one call is one
// nft batch (one kernel transaction) in the calling thread's network namespace.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace berth {

// Runs `script`; on failure nothing of it is applied, and the error (internal;
// unavailable if nftables cannot be used at all) carries nft's message on one line.
Status runNftScript(const std::string& script);

// Runs `command` (e.g. "list table inet berth") and returns what nft printed.
Result<std::string> runNftCommand(const std::string& command);

// nft's multi-line error report ("<loc>: Error: ...", the input line, "^^^")
// as one line: "<loc>: Error: ... (at: <input line>); <next error>".
std::string condenseNftError(std::string_view text);

}  // namespace berth
