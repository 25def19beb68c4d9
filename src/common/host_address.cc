#include "common/host_address.h"

#include <charconv>

namespace berth {

std::string HostAddress::toString() const {
  if (kind == Kind::kUnix) {
    return "unix://" + path;
  }
  bool v6 = host.find(':') != std::string::npos;
  return "tcp://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<HostAddress> parseHostAddress(std::string_view s, uint16_t defaultTcpPort) {
  auto bad = [&](const std::string& why) {
    return invalidArgument("invalid host address '" + std::string(s) + "': " + why);
  };
  HostAddress out;
  if (s.empty()) {
    out.path = std::string(kDefaultUnixSocket);
    return out;
  }
  if (s.substr(0, 7) == "unix://") {
    out.path = std::string(s.substr(7));
    if (out.path.empty()) {
      out.path = std::string(kDefaultUnixSocket);
    }
    if (out.path.front() != '/') {
      return bad("the socket path must be absolute");
    }
    return out;
  }
  std::string_view rest = s;
  if (rest.substr(0, 6) == "tcp://") {
    rest.remove_prefix(6);
  } else if (rest.find("://") != std::string_view::npos) {
    return bad("unsupported protocol (use unix:// or tcp://)");
  }
  if (auto slash = rest.find('/'); slash != std::string_view::npos) {
    if (rest.substr(slash) != "/") {
      return bad("a path is not allowed after the port");
    }
    rest = rest.substr(0, slash);
  }
  out.kind = HostAddress::Kind::kTcp;
  std::string_view portPart;
  if (!rest.empty() && rest.front() == '[') {
    auto close = rest.find(']');
    if (close == std::string_view::npos) {
      return bad("unclosed '[' in IPv6 address");
    }
    out.host = std::string(rest.substr(1, close - 1));
    rest.remove_prefix(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        return bad("expected ':' after ']'");
      }
      portPart = rest.substr(1);
    }
  } else {
    auto colon = rest.rfind(':');
    out.host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) {
      portPart = rest.substr(colon + 1);
    }
  }
  if (out.host.empty()) {
    out.host = "127.0.0.1";  // dockerd's default for "tcp://:2375"
  }
  out.port = defaultTcpPort;
  if (!portPart.empty()) {
    unsigned port = 0;
    auto [p, ec] = std::from_chars(portPart.data(), portPart.data() + portPart.size(), port);
    if (ec != std::errc() || p != portPart.data() + portPart.size() || port == 0 || port > 65535) {
      return bad("invalid port");
    }
    out.port = static_cast<uint16_t>(port);
  }
  return out;
}

}  // namespace berth
