// Where the CLI finds the daemon: the -H/--host value (or BERTH_HOST, DOCKER_HOST)
// parsed the way the docker CLI parses it, plus the TLS settings for tcp://.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace berth::cli {

inline constexpr std::string_view kDefaultHost = "unix:///run/berth.sock";
inline constexpr uint16_t kDefaultTcpPort = 2375;
inline constexpr uint16_t kDefaultTlsPort = 2376;

struct DaemonHost {
  enum class Scheme { kUnix, kTcp };
  Scheme scheme = Scheme::kUnix;
  std::string path;  // socket path, for unix://
  std::string host;  // name or address (IPv6 without brackets), for tcp://
  uint16_t port = 0;

  // The canonical spelling used in messages: "unix:///run/berth.sock", "tcp://[::1]:2375".
  std::string url() const;
};

// Parses "unix:///path", "unix://" (default socket), "tcp://host:port", "tcp://:port",
// "host:port". The default port is 2376 when `tls`, else 2375. An empty spec is
// the default host. Errors use docker's wording ("invalid bind address format: x").
Result<DaemonHost> parseDaemonHost(std::string_view spec, bool tls);

// The host the CLI uses: the flag if given, else $BERTH_HOST, else $DOCKER_HOST,
// else the default socket.
std::string chooseHostSpec(std::string_view flagValue);

struct TlsSettings {
  bool enabled = false;  // --tls, implied by --tlsverify
  bool verify = false;   // --tlsverify: check the daemon's certificate against caFile
  std::string caFile;    // empty: no CA file
  std::string certFile;  // client certificate, empty for none
  std::string keyFile;
};

// Fills TLS file defaults the way docker does: the flags' values when given, else
// <dir>/ca.pem, cert.pem, key.pem where <dir> is $BERTH_CERT_PATH, $DOCKER_CERT_PATH
// or ~/.docker; $DOCKER_TLS_VERIFY (non-empty) turns verification on. Files that
// do not exist are dropped unless named explicitly.
TlsSettings resolveTlsSettings(bool tls, bool tlsVerify, std::string_view caFlag,
                               std::string_view certFlag, std::string_view keyFlag);

// The directory docker's TLS defaults come from (see resolveTlsSettings).
std::string defaultCertDir();

}  // namespace berth::cli
