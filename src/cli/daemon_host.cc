#include "cli/daemon_host.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <cstdlib>

#include "common/strings.h"

namespace berth::cli {

namespace {

std::string envOr(const char* name) {
  // NOLINTNEXTLINE(concurrency-mt-unsafe): the CLI reads its environment on one thread
  const char* v = std::getenv(name);
  return v == nullptr ? std::string() : std::string(v);
}

bool fileExists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

Result<uint16_t> parsePort(std::string_view text, std::string_view spec) {
  if (text.empty() || text.size() > 5) {
    return invalidArgument(
        fmt::format("invalid bind address ({}): invalid port \"{}\"", spec, text));
  }
  unsigned value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') {
      return invalidArgument(
          fmt::format("invalid bind address ({}): invalid port \"{}\"", spec, text));
    }
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value == 0 || value > 65535) {
    return invalidArgument(
        fmt::format("invalid bind address ({}): invalid port \"{}\"", spec, text));
  }
  return static_cast<uint16_t>(value);
}

// "host:port", "[v6]:port", ":port", "host" (after "tcp://").
Result<DaemonHost> parseTcp(std::string_view addr, std::string_view spec, bool tls) {
  DaemonHost h;
  h.scheme = DaemonHost::Scheme::kTcp;
  if (size_t slash = addr.find('/'); slash != std::string_view::npos) {
    if (addr.substr(slash) != "/") {
      return invalidArgument(fmt::format(
          "invalid bind address ({}): a path after the address is not supported", spec));
    }
    addr = addr.substr(0, slash);
  }
  std::string_view port;
  if (!addr.empty() && addr.front() == '[') {
    size_t close = addr.find(']');
    if (close == std::string_view::npos) {
      return invalidArgument(
          fmt::format("invalid bind address ({}): missing ']' in address", spec));
    }
    h.host = std::string(addr.substr(1, close - 1));
    std::string_view rest = addr.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        return invalidArgument(fmt::format("invalid bind address format: {}", spec));
      }
      port = rest.substr(1);
    }
  } else {
    size_t colon = addr.rfind(':');
    if (colon != std::string_view::npos && addr.find(':') != colon) {
      return invalidArgument(
          fmt::format("invalid bind address ({}): too many colons in address", spec));
    }
    h.host = std::string(addr.substr(0, colon));
    if (colon != std::string_view::npos) {
      port = addr.substr(colon + 1);
    }
  }
  if (h.host.empty()) {
    h.host = "localhost";
  }
  if (port.empty()) {
    h.port = tls ? kDefaultTlsPort : kDefaultTcpPort;
  } else {
    BERTH_ASSIGN_OR_RETURN(h.port, parsePort(port, spec));
  }
  return h;
}

}  // namespace

std::string DaemonHost::url() const {
  if (scheme == Scheme::kUnix) {
    return "unix://" + path;
  }
  if (host.find(':') != std::string::npos) {
    return fmt::format("tcp://[{}]:{}", host, port);
  }
  return fmt::format("tcp://{}:{}", host, port);
}

Result<DaemonHost> parseDaemonHost(std::string_view spec, bool tls) {
  std::string_view trimmed = trim(spec);
  if (trimmed.empty()) {
    trimmed = kDefaultHost;
  }
  size_t sep = trimmed.find("://");
  if (sep == std::string_view::npos) {
    return parseTcp(trimmed, trimmed, tls);  // a bare "host:port" means tcp, as in docker
  }
  std::string_view proto = trimmed.substr(0, sep);
  std::string_view addr = trimmed.substr(sep + 3);
  if (proto == "unix") {
    DaemonHost h;
    h.path = addr.empty() ? std::string(kDefaultHost.substr(7)) : std::string(addr);
    return h;
  }
  if (proto == "tcp") {
    return parseTcp(addr, trimmed, tls);
  }
  return invalidArgument(fmt::format("invalid bind address format: {}", trimmed));
}

std::string chooseHostSpec(std::string_view flagValue) {
  if (!flagValue.empty()) {
    return std::string(flagValue);
  }
  for (const char* name : {"BERTH_HOST", "DOCKER_HOST"}) {
    std::string v = envOr(name);
    if (!v.empty()) {
      return v;
    }
  }
  return std::string(kDefaultHost);
}

std::string defaultCertDir() {
  for (const char* name : {"BERTH_CERT_PATH", "DOCKER_CERT_PATH"}) {
    std::string v = envOr(name);
    if (!v.empty()) {
      return v;
    }
  }
  std::string home = envOr("HOME");
  return (home.empty() ? std::string(".") : home) + "/.docker";
}

TlsSettings resolveTlsSettings(bool tls, bool tlsVerify, std::string_view caFlag,
                               std::string_view certFlag, std::string_view keyFlag) {
  TlsSettings s;
  s.verify = tlsVerify || !envOr("DOCKER_TLS_VERIFY").empty();
  s.enabled = tls || s.verify;
  if (!s.enabled) {
    return s;
  }
  std::string dir = defaultCertDir();
  auto pick = [&](std::string_view flag, const char* file) {
    if (!flag.empty()) {
      return std::string(flag);
    }
    std::string path = dir + "/" + file;
    return fileExists(path) ? path : std::string();
  };
  s.caFile = pick(caFlag, "ca.pem");
  s.certFile = pick(certFlag, "cert.pem");
  s.keyFile = pick(keyFlag, "key.pem");
  return s;
}

}  // namespace berth::cli
