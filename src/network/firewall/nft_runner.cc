#include "network/firewall/nft_runner.h"

#include <nftables/libnftables.h>

#include <memory>
#include <mutex>
#include <vector>

#include "common/strings.h"

namespace berth {
namespace {

struct NftCtxDeleter {
  void operator()(nft_ctx* ctx) const { nft_ctx_free(ctx); }
};
using NftCtx = std::unique_ptr<nft_ctx, NftCtxDeleter>;

// libnftables keeps process-wide state (symbol tables, its scanner), and
// berth's table is one object per namespace: one batch at a time.
std::mutex& nftMutex() {
  static std::mutex mu;
  return mu;
}

// A marker line under nft's echo of the input: only '^', '~' and spaces.
bool isMarkerLine(std::string_view line) {
  return line.find_first_not_of("^~ \t") == std::string_view::npos;
}

Result<std::string> run(const std::string& script) {
  std::lock_guard<std::mutex> lock(nftMutex());
  // Created here, in the calling thread: nft_ctx_new() opens the netlink
  // socket, and a socket stays in the namespace it was opened in.
  NftCtx ctx(nft_ctx_new(NFT_CTX_DEFAULT));
  if (!ctx) {
    return Unexpected(unavailable("nftables: cannot create a libnftables context"));
  }
  // Buffered: libnftables must not write to the daemon's stdout/stderr.
  if (nft_ctx_buffer_output(ctx.get()) != 0 || nft_ctx_buffer_error(ctx.get()) != 0) {
    return Unexpected(internal("nftables: cannot buffer libnftables output"));
  }
  if (nft_run_cmd_from_buffer(ctx.get(), script.c_str()) != 0) {
    const char* err = nft_ctx_get_error_buffer(ctx.get());
    std::string msg = condenseNftError(err != nullptr ? err : "");
    return Unexpected(internal("nftables: " + (msg.empty() ? std::string("command failed") : msg)));
  }
  const char* out = nft_ctx_get_output_buffer(ctx.get());
  return std::string(out != nullptr ? out : "");
}

}  // namespace

std::string condenseNftError(std::string_view text) {
  std::vector<std::string> errors;
  for (const std::string& raw : split(text, '\n')) {
    std::string_view line = trim(raw);
    if (line.empty() || isMarkerLine(line)) {
      continue;
    }
    if (errors.empty() || line.find("Error:") != std::string_view::npos) {
      errors.emplace_back(line);
    } else {
      // nft's echo of the offending input line.
      errors.back() += " (at: " + std::string(line) + ")";
    }
  }
  return join(errors, "; ");
}

Status runNftScript(const std::string& script) {
  BERTH_TRY(run(script));
  return okStatus();
}

Result<std::string> runNftCommand(const std::string& command) { return run(command + "\n"); }

}  // namespace berth
