// A synchronous HTTP/1.1 client for the Docker Engine API, as every berth
// command uses it: one keep-alive connection to the daemon (unix socket, TCP or
// TLS), API version negotiation on first use, daemon errors turned into Errors.
// Boost.Beast stays inside api_client.cc.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cli/api_protocol.h"
#include "cli/daemon_host.h"
#include "cli/json_stream.h"
#include "common/result.h"

namespace berth::cli {

// Called with each piece of a streamed body as it arrives (not aligned to lines
// or JSON values); returning false stops reading and drops the connection.
using ChunkCallback = std::function<bool(std::string_view chunk)>;

class ApiClient {
 public:
  struct Options {
    DaemonHost host;
    TlsSettings tls;
    // A fixed API version ("1.41") skips negotiation, like DOCKER_API_VERSION.
    std::string apiVersion;
    std::string userAgent = "berth-cli";
  };

  // Validates the options (TLS files load) without connecting.
  static Result<std::unique_ptr<ApiClient>> create(Options options);
  ~ApiClient();
  ApiClient(const ApiClient&) = delete;
  ApiClient& operator=(const ApiClient&) = delete;

  // One request and its whole reply. Non-2xx replies become errors.
  Result<ApiResponse> send(const ApiRequest& request);
  Result<ApiResponse> call(std::string_view method, std::string_view path, const Query& query = {},
                           const std::optional<nlohmann::json>& body = std::nullopt);

  // A request whose reply body is read piece by piece until the daemon ends it
  // (or `onChunk` returns false). A non-2xx reply becomes an error before any chunk.
  Status stream(const ApiRequest& request, const ChunkCallback& onChunk);
  Status stream(std::string_view method, std::string_view path, const Query& query,
                const std::optional<nlohmann::json>& body, const ChunkCallback& onChunk);

  // The version requests are sent with, negotiating first if needed.
  Result<std::string> apiVersion();
  // The version this client would use without a daemon: fixed or kMaxApiVersion.
  std::string defaultApiVersion() const;

  const DaemonHost& host() const;

 private:
  class Impl;
  explicit ApiClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace berth::cli
