// Daemon addresses as dockerd and the docker CLI write them: unix:///path,
// tcp://host:port (also host:port, :port, tcp://[v6]:port).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace berth {

struct HostAddress {
  enum class Kind { kUnix, kTcp };
  Kind kind = Kind::kUnix;
  std::string path;  // unix
  std::string host;  // tcp, without brackets
  uint16_t port = 0;

  std::string toString() const;
};

inline constexpr std::string_view kDefaultUnixSocket = "/run/berth.sock";

// `defaultTcpPort` is 2375, or 2376 when TLS is on (dockerd's rule).
Result<HostAddress> parseHostAddress(std::string_view s, uint16_t defaultTcpPort = 2375);

}  // namespace berth
