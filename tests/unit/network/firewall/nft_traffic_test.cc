// Real traffic through berth's table: a "host" namespace with a bridge, a
// "container" namespace on it and a "remote" namespace on a veth link, all
// throwaway namespaces of this test. The topology is built with `ip`, run
// from the namespace thread: a forked child starts in the forking thread's
// network namespace.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <thread>

#include "kernel/netns.h"
#include "network/firewall/nft_firewall.h"
#include "network/firewall/nft_runner.h"

namespace berth {
namespace {

bool sh(const std::string& cmd) {
  std::string quiet = cmd + " >/dev/null 2>&1";
  return std::system(quiet.c_str()) == 0;  // NOLINT(concurrency-mt-unsafe): test only
}

std::string nsPath(const UniqueFd& fd) {
  return "/proc/" + std::to_string(::getpid()) + "/fd/" + std::to_string(fd.get());
}

// Serves `count` connections on port 80, telling each peer its source address.
void serve(int listenFd, int count) {
  for (int i = 0; i < count; ++i) {
    pollfd p{listenFd, POLLIN, 0};
    if (::poll(&p, 1, 5000) != 1) {
      return;
    }
    sockaddr_in peer{};
    socklen_t len = sizeof(peer);
    int c = ::accept(listenFd, reinterpret_cast<sockaddr*>(&peer), &len);
    if (c < 0) {
      return;
    }
    char text[INET_ADDRSTRLEN] = {};
    ::inet_ntop(AF_INET, &peer.sin_addr, text, sizeof(text));
    std::string reply = std::string(text) + "\n";
    (void)!::write(c, reply.data(), reply.size());
    ::close(c);
  }
}

// Connects to addr:port and returns the server's line ("" if unreachable).
std::string ask(const std::string& addr, int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  timeval tv{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, addr.c_str(), &sa.sin_addr);
  std::string out;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) == 0) {
    char buf[64] = {};
    ssize_t n = ::read(fd, buf, sizeof(buf) - 1);
    if (n > 0) {
      out.assign(buf, static_cast<std::size_t>(n));
      if (!out.empty() && out.back() == '\n') {
        out.pop_back();
      }
    }
  }
  ::close(fd);
  return out;
}

FwState publishedState() {
  FwState s;
  FwNetwork n;
  n.id = "t";
  n.bridge = "br-t";
  n.subnets = {"172.30.0.0/24"};
  s.networks.push_back(n);
  n.id = "o";
  n.bridge = "br-o";
  n.subnets = {"172.31.0.0/24"};
  s.networks.push_back(n);
  FwPortMap p;
  p.networkId = "t";
  p.proto = "tcp";
  p.hostPort = 8080;
  p.containerPort = 80;
  p.containerIp = "172.30.0.2";
  s.ports.push_back(p);
  return s;
}

TEST(NftFirewallTraffic, PublishedPortIsolationAndHairpin) {
  if (::geteuid() != 0 || !sh("command -v ip && command -v nsenter && command -v sysctl")) {
    GTEST_SKIP() << "needs root, iproute2, nsenter and sysctl";
  }
  Status st = runInNewNetns([]() -> Status {
    if (!runNftScript("add table inet berth_probe\n").ok()) {
      return Unexpected(unavailable("no nftables"));
    }
    // Namespaces kept open by fd: the container, a container of another network, a remote host.
    BERTH_ASSIGN_OR_RETURN(UniqueFd c, runInNewNetns([] { return openCurrentNetns(); }));
    BERTH_ASSIGN_OR_RETURN(UniqueFd d, runInNewNetns([] { return openCurrentNetns(); }));
    BERTH_ASSIGN_OR_RETURN(UniqueFd x, runInNewNetns([] { return openCurrentNetns(); }));
    std::string in = "nsenter --net=";
    const char* steps[] = {
        "ip link set lo up",
        "sysctl -qw net.ipv4.ip_forward=1",
        "ip link add br-t type bridge",
        "ip addr add 172.30.0.1/24 dev br-t",
        "ip link set br-t up",
        "sysctl -qw net.ipv4.conf.br-t.route_localnet=1",
        "ip link add br-o type bridge",
        "ip addr add 172.31.0.1/24 dev br-o",
        "ip link set br-o up",
        "ip link add vx type veth peer name x0",
        "ip addr add 10.99.0.1/24 dev vx",
        "ip link set vx up",
        "ip link add vc type veth peer name c0",
        "ip link set vc master br-t up",
        // With br_netfilter, a hairpin DNAT is bridged back out of the port it came in.
        "ip link set vc type bridge_slave hairpin on",
        "ip link add vd type veth peer name d0",
        "ip link set vd master br-o up",
    };
    for (const char* step : steps) {
      if (!sh(step)) {
        return Unexpected(internal(std::string("setup failed: ") + step));
      }
    }
    struct Peer {
      const UniqueFd& ns;
      const char* dev;
      const char* cidr;
      const char* gw;
    };
    for (const Peer& p :
         {Peer{c, "c0", "172.30.0.2/24", "172.30.0.1"},
          Peer{d, "d0", "172.31.0.2/24", "172.31.0.1"}, Peer{x, "x0", "10.99.0.2/24", ""}}) {
      std::string enter = in + nsPath(p.ns) + " ";
      bool ok = sh("ip link set " + std::string(p.dev) + " netns " + nsPath(p.ns)) &&
                sh(enter + "ip link set lo up") &&
                sh(enter + "ip addr add " + p.cidr + " dev " + p.dev) &&
                sh(enter + "ip link set " + p.dev + " up") &&
                (*p.gw == '\0' || sh(enter + "ip route add default via " + p.gw));
      if (!ok) {
        return Unexpected(internal(std::string("setup of ") + p.dev + " failed"));
      }
    }
    NftFirewall fw;
    BERTH_TRY(fw.apply(publishedState()));

    // The container's server, listening before any client asks.
    BERTH_ASSIGN_OR_RETURN(int lfd, runInNetns(c.get(), []() -> Result<int> {
                             int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
                             int one = 1;
                             ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
                             sockaddr_in sa{};
                             sa.sin_family = AF_INET;
                             sa.sin_port = htons(80);
                             if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0 ||
                                 ::listen(fd, 8) != 0) {
                               ::close(fd);
                               return Unexpected(internal("listen failed"));
                             }
                             return fd;
                           }));
    std::thread server(serve, lfd, 5);

    auto askIn = [](const UniqueFd& ns, const std::string& addr, int port) {
      Result<std::string> r = runInNetns(ns.get(), [&] { return ask(addr, port); });
      return r.ok() ? *r : std::string("error");
    };
    // From another host: DNAT, the client's address is kept.
    EXPECT_EQ(askIn(x, "10.99.0.1", 8080), "10.99.0.2");
    // From the host itself on 127.0.0.1: DNAT in output, masqueraded to the bridge address.
    EXPECT_EQ(ask("127.0.0.1", 8080), "172.30.0.1");
    // Hairpin: the container reaches its own published port through the host's address.
    EXPECT_EQ(askIn(c, "10.99.0.1", 8080), "172.30.0.1");
    // Another network reaches the published port, never the container directly.
    EXPECT_EQ(askIn(d, "10.99.0.1", 8080), "172.30.0.1");
    EXPECT_EQ(askIn(d, "172.30.0.2", 80), "");
    // A remote host routing to the container's address directly is refused.
    EXPECT_TRUE(sh(in + nsPath(x) + " ip route add 172.30.0.0/24 via 10.99.0.1"));
    EXPECT_EQ(askIn(x, "172.30.0.2", 80), "");
    // After removeAll nothing is published any more.
    BERTH_TRY(fw.removeAll());
    EXPECT_EQ(askIn(x, "10.99.0.1", 8080), "");
    ::shutdown(lfd, SHUT_RDWR);
    server.join();
    ::close(lfd);
    return okStatus();
  });
  if (!st.ok() && st.error().kind() == ErrorKind::kUnavailable) {
    GTEST_SKIP() << st.error().message();
  }
  ASSERT_TRUE(st.ok()) << st.error().message();
}

}  // namespace
}  // namespace berth
