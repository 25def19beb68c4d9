#include "network/port_mapper.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <charconv>
#include <cstring>

#include "common/ip.h"
#include "kernel/sysctl.h"

namespace berth::network {

namespace {

Result<int> parsePort(std::string_view s, const std::string& what) {
  int n = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size() || n < 0 || n > 65535) {
    return invalidArgument("invalid " + what + " \"" + std::string(s) + "\"");
  }
  return n;
}

// "8080" or "8000-8100" (or "" = ephemeral).
Result<std::pair<int, int>> parseHostPorts(const std::string& s) {
  if (s.empty()) {
    return std::make_pair(0, 0);
  }
  size_t dash = s.find('-');
  BERTH_ASSIGN_OR_RETURN(int lo, parsePort(std::string_view(s).substr(0, dash), "host port"));
  int hi = lo;
  if (dash != std::string::npos) {
    BERTH_ASSIGN_OR_RETURN(hi, parsePort(std::string_view(s).substr(dash + 1), "host port"));
  }
  if (hi < lo || (lo == 0 && hi != 0)) {
    return invalidArgument("invalid host port range \"" + s + "\"");
  }
  return std::make_pair(lo, hi);
}

// "80/tcp" -> (80, "tcp").
Result<std::pair<int, std::string>> parsePortKey(const std::string& key) {
  size_t slash = key.find('/');
  std::string proto = slash == std::string::npos ? "tcp" : key.substr(slash + 1);
  if (proto != "tcp" && proto != "udp" && proto != "sctp") {
    return invalidArgument("invalid protocol \"" + proto + "\" in port " + key);
  }
  BERTH_ASSIGN_OR_RETURN(int port, parsePort(std::string_view(key).substr(0, slash), "port"));
  if (port == 0) {
    return invalidArgument("invalid port " + key);
  }
  return std::make_pair(port, proto);
}

bool ipsOverlap(const std::string& a, const std::string& b) {
  return a.empty() || b.empty() || a == b || a == "0.0.0.0" || b == "0.0.0.0" || a == "::" ||
         b == "::";
}

}  // namespace

Result<std::vector<PortRequest>> parsePortRequests(const nlohmann::json& hostConfig,
                                                   const nlohmann::json& exposedPorts) {
  std::vector<PortRequest> out;
  nlohmann::json bindings = hostConfig.value("PortBindings", nlohmann::json::object());
  if (bindings.is_null()) {
    bindings = nlohmann::json::object();
  }
  if (!bindings.is_object()) {
    return invalidArgument("HostConfig.PortBindings must be an object");
  }
  for (const auto& [key, list] : bindings.items()) {
    BERTH_ASSIGN_OR_RETURN(auto portProto, parsePortKey(key));
    if (list.is_null()) {
      continue;
    }
    if (!list.is_array()) {
      return invalidArgument("port bindings of " + key + " must be a list");
    }
    for (const auto& b : list) {
      PortRequest r;
      r.containerPort = portProto.first;
      r.proto = portProto.second;
      r.hostIp = b.is_object() ? b.value("HostIp", "") : "";
      if (!r.hostIp.empty()) {
        BERTH_TRY(IpAddress::parse(r.hostIp));
      }
      BERTH_ASSIGN_OR_RETURN(auto range,
                             parseHostPorts(b.is_object() ? b.value("HostPort", "") : ""));
      r.hostPortLo = range.first;
      r.hostPortHi = range.second;
      out.push_back(r);
    }
  }
  if (hostConfig.value("PublishAllPorts", false) && exposedPorts.is_object()) {
    for (const auto& [key, _] : exposedPorts.items()) {
      if (bindings.contains(key)) {
        continue;
      }
      BERTH_ASSIGN_OR_RETURN(auto portProto, parsePortKey(key));
      PortRequest r;
      r.containerPort = portProto.first;
      r.proto = portProto.second;
      out.push_back(r);
    }
  }
  return out;
}

bool hostPortFree(const std::string& proto, const std::string& hostIp, int port) {
  bool v6 = hostIp.find(':') != std::string::npos;
  int type = proto == "udp" ? SOCK_DGRAM : SOCK_STREAM;
  int fd = ::socket(v6 ? AF_INET6 : AF_INET, type | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return true;  // cannot probe (sctp unsupported...): berth's own table still guards
  }
  int rc = 0;
  if (v6) {
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(static_cast<uint16_t>(port));
    ::inet_pton(AF_INET6, hostIp.c_str(), &a.sin6_addr);
    rc = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  } else {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    if (!hostIp.empty()) {
      ::inet_pton(AF_INET, hostIp.c_str(), &a.sin_addr);
    }
    rc = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  }
  int err = errno;
  ::close(fd);
  return rc == 0 || err != EADDRINUSE;
}

Result<std::vector<PortMapping>> PortAllocator::allocate(const std::vector<PortRequest>& requests,
                                                         std::vector<PortMapping> taken) const {
  std::vector<PortMapping> out;
  auto usable = [&](const std::string& proto, const std::string& ip, int port) {
    for (const auto& t : taken) {
      if (t.proto == proto && t.hostPort == port && ipsOverlap(t.hostIp, ip)) {
        return false;
      }
    }
    return probe_(proto, ip, port);
  };
  for (const auto& r : requests) {
    int lo = r.hostPortLo == 0 ? ephemeral_.first : r.hostPortLo;
    int hi = r.hostPortLo == 0 ? ephemeral_.second : r.hostPortHi;
    int chosen = 0;
    for (int p = lo; p <= hi && chosen == 0; ++p) {
      if (usable(r.proto, r.hostIp, p)) {
        chosen = p;
      }
    }
    if (chosen == 0) {
      std::string ip = r.hostIp.empty() ? "0.0.0.0" : r.hostIp;
      std::string what = lo == hi ? std::to_string(lo)
                                  : std::to_string(lo) + "-" + std::to_string(hi);
      return conflict("Bind for " + ip + ":" + what + " failed: port is already allocated");
    }
    PortMapping m{r.proto, r.containerPort, r.hostIp, chosen};
    taken.push_back(m);
    out.push_back(m);
  }
  return out;
}

std::pair<int, int> ephemeralPortRange() {
  auto text = readSysctl("net.ipv4.ip_local_port_range");
  if (text.ok()) {
    int lo = 0;
    int hi = 0;
    if (std::sscanf(text->c_str(), "%d %d", &lo, &hi) == 2 && lo > 0 && hi >= lo) {
      return {lo, hi};
    }
  }
  return {49153, 60999};
}

nlohmann::json portsJson(const std::vector<PortMapping>& ports) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& m : ports) {
    std::string key = std::to_string(m.containerPort) + "/" + m.proto;
    if (!out.contains(key)) {
      out[key] = nlohmann::json::array();
    }
    out[key].push_back({{"HostIp", m.hostIp.empty() ? "0.0.0.0" : m.hostIp},
                        {"HostPort", std::to_string(m.hostPort)}});
  }
  return out;
}

}  // namespace berth::network
