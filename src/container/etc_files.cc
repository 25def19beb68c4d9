#include "container/etc_files.h"

#include <algorithm>
#include <sstream>

#include "common/strings.h"

namespace berth::container {
namespace {

bool isLoopbackServer(std::string_view ip) { return startsWith(ip, "127.") || ip == "::1"; }

std::vector<std::string> words(std::string_view line) {
  std::vector<std::string> out;
  std::istringstream in{std::string(line)};
  for (std::string w; in >> w;) {
    out.push_back(w);
  }
  return out;
}

}  // namespace

std::string hostnameFileContent(const std::string& hostname) { return hostname + "\n"; }

std::string hostsFileContent(const HostsInput& in) {
  std::string out;
  if (in.hostNetwork) {
    out = in.hostHostsContent;
    if (!out.empty() && out.back() != '\n') {
      out.push_back('\n');
    }
  } else {
    out =
        "127.0.0.1\tlocalhost\n"
        "::1\tlocalhost ip6-localhost ip6-loopback\n"
        "fe00::0\tip6-localnet\n"
        "ff00::0\tip6-mcastprefix\n"
        "ff02::1\tip6-allnodes\n"
        "ff02::2\tip6-allrouters\n";
  }
  for (const auto& [name, ip] : in.extraHosts) {
    out.append(ip).append("\t").append(name).append("\n");
  }
  if (in.hostNetwork) {
    return out;
  }
  std::string names =
      in.domainname.empty() ? in.hostname : in.hostname + "." + in.domainname + " " + in.hostname;
  std::vector<std::string> addrs = in.addresses;
  if (addrs.empty()) {
    // No address of its own (--network none): the name still resolves, to loopback.
    addrs.push_back("127.0.0.1");
  }
  for (const std::string& a : addrs) {
    out.append(a).append("\t").append(names).append("\n");
  }
  return out;
}

ResolvResult resolvConfContent(const ResolvInput& in) {
  std::vector<std::string> servers;
  std::vector<std::string> search;
  std::vector<std::string> options;
  std::vector<std::string> other;  // comments and lines we do not interpret
  std::istringstream lines(in.hostResolvConf);
  for (std::string line; std::getline(lines, line);) {
    std::vector<std::string> w = words(line);
    if (w.empty()) {
      continue;
    }
    if (w[0] == "nameserver" && w.size() >= 2) {
      if (in.hostNetwork || !isLoopbackServer(w[1])) {
        servers.push_back(w[1]);
      }
    } else if ((w[0] == "search" || w[0] == "domain") && w.size() >= 2) {
      search.assign(w.begin() + 1, w.end());  // the last one wins, as in glibc
    } else if (w[0] == "options") {
      options.insert(options.end(), w.begin() + 1, w.end());
    } else if (w[0][0] == '#' || w[0][0] == ';') {
      other.push_back(line);
    }
  }
  if (!in.dns.empty()) {
    servers = in.dns;
  }
  // An embedded resolver (user networks) is the only server the container
  // sees: --dns servers become its upstreams instead (docs/dns.md).
  if (!in.sandboxServers.empty()) {
    servers = in.sandboxServers;
  }
  if (!in.dnsSearch.empty()) {
    search = in.dnsSearch;
    if (search.size() == 1 && search[0] == ".") {
      search.clear();
    }
  }
  if (!in.dnsOptions.empty()) {
    options = in.dnsOptions;
  }
  // dockerd's ndots:0 with its resolver, unless the user chose one.
  if (!in.sandboxServers.empty() &&
      std::none_of(options.begin(), options.end(),
                   [](const std::string& o) { return o.rfind("ndots:", 0) == 0; })) {
    options.insert(options.begin(), "ndots:0");
  }
  ResolvResult r;
  for (const std::string& c : other) {
    r.content += c + "\n";
  }
  for (const std::string& s : servers) {
    r.content += "nameserver " + s + "\n";
  }
  if (!search.empty()) {
    r.content += "search " + join(search, " ") + "\n";
  }
  if (!options.empty()) {
    r.content += "options " + join(options, " ") + "\n";
  }
  r.noNameservers = servers.empty();
  return r;
}

}  // namespace berth::container
