// The Docker Engine API as the CLI speaks it, without the transport: requests
// and replies, version negotiation, and how a daemon error reads to the user.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cli/daemon_host.h"
#include "common/result.h"

namespace berth::cli {

// The newest API version berth speaks; requests go to /v<min(server, this)>/...
inline constexpr std::string_view kMaxApiVersion = "1.44";
// What docker assumes when /_ping carries no API-Version header.
inline constexpr std::string_view kFallbackApiVersion = "1.24";

// Ordered query parameters; values are percent-encoded on the wire.
using Query = std::vector<std::pair<std::string, std::string>>;
using Headers = std::vector<std::pair<std::string, std::string>>;

struct ApiResponse {
  unsigned status = 0;
  Headers headers;
  std::string body;

  // The first header with this name (case-insensitive), or "".
  std::string header(std::string_view name) const;
  // The body parsed as JSON; invalidArgument-free: a bad body is an internal error.
  Result<nlohmann::json> json() const;
};

struct ApiRequest {
  std::string method = "GET";
  std::string path;  // "/containers/json": without the /v1.xx prefix
  Query query;
  std::optional<std::string> body;
  std::string contentType = "application/json";  // sent only with a body
  Headers headers;                               // extra headers, e.g. X-Registry-Auth
  bool versioned = true;                         // false for /_ping and friends
};

// -1, 0 or 1 as "1.43" compares to "1.44" (numeric per dotted part).
int compareApiVersions(std::string_view a, std::string_view b);

// docker's negotiation: the server's API-Version header capped at kMaxApiVersion;
// kFallbackApiVersion when the header is empty.
std::string negotiateApiVersion(std::string_view serverApiVersion);

// "Cannot connect to the berth daemon at <url>. Is the berth daemon running?"
Error cannotConnect(const DaemonHost& host);

// Turns a non-2xx reply into docker's error: "Error response from daemon: <message>",
// the kind from the status (400 invalidArgument, 404 notFound, 409 conflict, ...).
Error daemonError(unsigned status, std::string_view contentType, std::string_view body,
                  std::string_view target);

// Percent-encodes a query (RFC 3986 unreserved characters stay as they are).
std::string encodeQuery(const Query& query);

}  // namespace berth::cli
