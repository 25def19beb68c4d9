#include "network/dns/sandbox_sockets.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <cerrno>
#include <string>

#include "kernel/netlink.h"
#include "kernel/netns.h"
#include "network/firewall/nft_runner.h"

namespace berth::network::dns {

namespace {

constexpr const char* kResolverAddress = "127.0.0.11";

Result<UniqueFd> bindSocket(int type, uint16_t port) {
  UniqueFd fd(::socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) {
    return systemError("dns: socket", errno);
  }
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  inet_pton(AF_INET, kResolverAddress, &sa.sin_addr);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    return systemError("dns: bind " + std::string(kResolverAddress) + ":" + std::to_string(port),
                       errno);
  }
  if (type == SOCK_STREAM && ::listen(fd.get(), 128) != 0) {
    return systemError("dns: listen", errno);
  }
  return fd;
}

Result<uint16_t> portOf(int fd) {
  sockaddr_in sa{};
  socklen_t len = sizeof sa;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) != 0) {
    return systemError("dns: getsockname", errno);
  }
  return ntohs(sa.sin_port);
}

// Replaces the table as a whole (one transaction): a sandbox that berthd
// serves again after a restart must not keep the old ports.
std::string dnatScript(uint16_t udpPort, uint16_t tcpPort) {
  const std::string a = kResolverAddress;
  return "table ip berth_dns\n"
         "delete table ip berth_dns\n"
         "table ip berth_dns {\n"
         "  chain output {\n"
         "    type nat hook output priority -100; policy accept;\n"
         "    ip daddr " + a + " udp dport 53 dnat to " + a + ":" + std::to_string(udpPort) + "\n"
         "    ip daddr " + a + " tcp dport 53 dnat to " + a + ":" + std::to_string(tcpPort) + "\n"
         "  }\n"
         "}\n";
}

Status ensureLoopbackUp() {
  BERTH_ASSIGN_OR_RETURN(Netlink nl, Netlink::open());
  BERTH_ASSIGN_OR_RETURN(LinkInfo lo, nl.link("lo"));
  if (!lo.up) {
    BERTH_TRY(nl.setUp("lo", true));
  }
  return okStatus();
}

Result<SandboxSockets> openHere() {
  BERTH_TRY(ensureLoopbackUp());
  SandboxSockets s;
  BERTH_ASSIGN_OR_RETURN(s.udp, bindSocket(SOCK_DGRAM, 0));
  BERTH_ASSIGN_OR_RETURN(s.tcp, bindSocket(SOCK_STREAM, 0));
  BERTH_ASSIGN_OR_RETURN(uint16_t udpPort, portOf(s.udp.get()));
  BERTH_ASSIGN_OR_RETURN(uint16_t tcpPort, portOf(s.tcp.get()));
  Status nat = runNftScript(dnatScript(udpPort, tcpPort));
  if (nat.ok()) {
    s.natted = true;
    return s;
  }
  // No NAT in this kernel: serve port 53 itself (a container's own server on
  // 0.0.0.0:53 then cannot bind, as with any other resolver on the address).
  spdlog::warn("dns: no nftables NAT in the sandbox ({}); binding {}:53 directly",
               nat.error().message(), kResolverAddress);
  SandboxSockets direct;
  BERTH_ASSIGN_OR_RETURN(direct.udp, bindSocket(SOCK_DGRAM, 53));
  BERTH_ASSIGN_OR_RETURN(direct.tcp, bindSocket(SOCK_STREAM, 53));
  return direct;
}

}  // namespace

Result<SandboxSockets> openSandboxSockets(int netnsFd) {
  return runInNetns(netnsFd, [] { return openHere(); });
}

}  // namespace berth::network::dns
