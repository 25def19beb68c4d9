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
// Called once with the reply's status when its header has arrived, before any chunk.
using HeadCallback = std::function<void(unsigned status)>;

// The raw byte stream of a hijacked connection (attach, exec start): what the
// daemon sends after its `101 UPGRADED` (or `200`) header, and what we send it.
// One thread may read while another writes. It must not outlive its ApiClient.
class HijackedConn {
 public:
  virtual ~HijackedConn() = default;
  // Blocks until some bytes arrive; 0 means the daemon ended the stream.
  virtual Result<size_t> read(char* buf, size_t size) = 0;
  // Writes all of `data`.
  virtual Status write(std::string_view data) = 0;
  // Ends our direction (the container's stdin sees EOF); reading goes on.
  virtual void closeWrite() = 0;
  // Ends both directions; wakes a reader blocked on another thread.
  virtual void close() = 0;
};

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

  // One request and its whole reply. Replies outside 200-399 become errors (docker's
  // rule: a 304 from start or stop is success).
  Result<ApiResponse> send(const ApiRequest& request);
  Result<ApiResponse> call(std::string_view method, std::string_view path, const Query& query = {},
                           const std::optional<nlohmann::json>& body = std::nullopt);

  // A request whose reply body is read piece by piece until the daemon ends it
  // (or `onChunk` returns false). A reply outside 200-399 becomes an error before any chunk.
  Status stream(const ApiRequest& request, const ChunkCallback& onChunk);
  Status stream(std::string_view method, std::string_view path, const Query& query,
                const std::optional<nlohmann::json>& body, const ChunkCallback& onChunk);

  // The same, also telling `onHead` the reply's status as soon as its header is in
  // (docker's ContainerWait returns then and reads the body later).
  Status stream(const ApiRequest& request, const HeadCallback& onHead,
                const ChunkCallback& onChunk);

  // Sends `request` asking to upgrade the connection (`Connection: Upgrade`,
  // `Upgrade: tcp`) and hands over the connection once the daemon replied `101`
  // or `200`; bytes already read past the header come first from read(). Any other
  // reply becomes an error. The client opens a new connection for later requests.
  Result<std::unique_ptr<HijackedConn>> hijack(const ApiRequest& request);
  Result<std::unique_ptr<HijackedConn>> hijack(std::string_view method, std::string_view path,
                                               const Query& query = {},
                                               const std::optional<nlohmann::json>& body =
                                                   std::nullopt);

  // Shuts down the current connection, so that a request blocked on another thread
  // (a parked wait) returns with an error. Safe to call from any thread.
  void interrupt();

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
