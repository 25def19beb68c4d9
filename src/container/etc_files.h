// The /etc/hostname, /etc/hosts and /etc/resolv.conf that berth writes for a
// container (under <data-root>/containers/<id>/) and bind-mounts into it.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace berth::container {

std::string hostnameFileContent(const std::string& hostname);

struct HostsInput {
  std::string hostname;
  std::string domainname;
  std::vector<std::string> addresses;  // the container's own; none: the hostname goes on 127.0.0.1
  std::vector<std::pair<std::string, std::string>> extraHosts;  // --add-host (name, ip)
  bool hostNetwork = false;  // start from the host's hosts file instead of the defaults
  std::string hostHostsContent;
};
// dockerd's etchosts.Build: localhost and the IPv6 names, --add-host lines,
// then "<addr>\t<hostname>" for each address.
std::string hostsFileContent(const HostsInput& in);

struct ResolvInput {
  std::string hostResolvConf;               // the host's /etc/resolv.conf content
  std::vector<std::string> dns;             // --dns: replaces the name servers
  std::vector<std::string> dnsSearch;       // --dns-search ("." = none)
  std::vector<std::string> dnsOptions;      // --dns-option
  std::vector<std::string> sandboxServers;  // an embedded DNS server of the sandbox, if any
  bool hostNetwork = false;                 // keep the host's loopback servers (they are reachable)
};
struct ResolvResult {
  std::string content;
  bool noNameservers = false;  // nothing usable was left: the caller logs a warning
};
// The host's resolv.conf minus loopback name servers (unreachable from a
// container's own namespace), with the --dns* options applied. When nothing is
// left the file has no name server: berth does not fall back to public servers.
ResolvResult resolvConfContent(const ResolvInput& in);

}  // namespace berth::container
