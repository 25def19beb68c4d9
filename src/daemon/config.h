// berthd's configuration: dockerd's flag names, the same keys in daemon.json,
// and dockerd's rules for merging them (a key in both places is an error).
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/host_address.h"
#include "common/result.h"

namespace berth::daemon {

struct DaemonConfig {
  std::string dataRoot = "/var/lib/berth";
  std::string execRoot = "/run/berth";
  std::vector<std::string> hosts;  // empty: unix:///run/berth.sock
  std::string configFile = "/etc/berth/daemon.json";
  bool debug = false;
  std::string logLevel = "info";
  std::string pidfile = "/run/berth.pid";
  std::string group = "berth";  // owner group of unix sockets, when it exists
  bool tls = false;
  bool tlsVerify = false;
  std::string tlsCaCert;
  std::string tlsCert;
  std::string tlsKey;
  // Lets a tcp:// host start without TLS: anyone who reaches the port is root.
  bool insecurePlainTcp = false;

  // Containers: the defaults a container gets when its request names none.
  std::string logDriver = "json-file";
  std::map<std::string, std::string> logOpts;  // log-opts / --log-opt k=v
  std::string cgroupParent = "/berth";          // cgroup-parent: <parent>/<id>
  // OCI runtimes: "runc" is built in (found in PATH); runtimes adds others by
  // name ({"name": {"path": "/usr/bin/crun"}}), default-runtime picks one.
  std::string defaultRuntime = "runc";
  std::map<std::string, std::string> runtimes;  // name -> path

  // Networks: daemon.json "default-address-pools" (null = dockerd's), and
  // "bip" (the default bridge's gateway/subnet; "" = first free pool).
  nlohmann::json defaultAddressPools;
  std::string bip;
  // daemon.json "dns": upstreams of the embedded resolver when a container
  // has no --dns (then the host's resolv.conf servers).
  std::vector<std::string> dns;
  // daemon.json "iptables" (dockerd's key): false leaves the firewall alone
  // (no nftables table at all; published ports and isolation are then the
  // administrator's).
  bool iptables = true;

  // The effective listen addresses, parsed and checked.
  Result<std::vector<HostAddress>> listenAddresses() const;
};

// What main() gets: either a config to run with, or a request to print
// something (help, version) and exit with `exitCode`.
struct ParsedCommandLine {
  DaemonConfig config;
  bool exitNow = false;
  int exitCode = 0;
  std::string output;  // printed to stdout when exitNow
};

// Parses argv and then the config file (its path from --config-file), merging
// per dockerd's rules. Errors are one readable line.
Result<ParsedCommandLine> parseCommandLine(int argc, const char* const* argv);

// Applies a daemon.json document onto `config`; `flagsSet` names the flags
// given on the command line (by their JSON key) so duplicates can be refused.
Status applyConfigFile(const nlohmann::json& doc, const std::vector<std::string>& flagsSet,
                       DaemonConfig& config);

// Checks combinations: TLS files present when needed, tcp:// without TLS refused.
Status validate(const DaemonConfig& config);

}  // namespace berth::daemon
