// Throwaway "test hosts" for gtest integration tests: a named network
// namespace + private mount namespace + temp dirs, optionally running a real
// berthd, and MultiHost to wire hosts through switch and router namespaces.
// The C++ twin of tests/lib/testhost.sh; docs/testing.md shows both.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "tests/lib/subprocess.h"

namespace berth::testing {

// Paths of the binaries under test: $BERTHD / $BERTH_CLI / $DOCKER_CLI when
// set, else the build tree's (compiled in) and /usr/local/bin/docker.
std::string berthdPath();
std::string berthCliPath();
std::string dockerCliPath();

struct TestHostOptions {
  bool startDaemon = true;
  std::string berthdPath;                    // empty: berthdPath()
  std::vector<std::string> extraDaemonArgs;  // appended to berthd's command line
  std::chrono::milliseconds readyTimeout{std::chrono::seconds(10)};
  std::chrono::milliseconds stopTimeout{std::chrono::seconds(10)};  // SIGTERM, then SIGKILL
};

struct HttpResponse {
  int status = 0;
  std::string headers;  // raw header block, without the status line
  std::string body;     // de-chunked
};

class TestHost {
 public:
  // Makes the netns (lo up) and dirs and, unless options.startDaemon is false,
  // starts berthd and waits until /_ping answers OK. On failure everything made
  // is removed and the error carries berthd's log.
  static Result<std::unique_ptr<TestHost>> create(std::string name, TestHostOptions options = {});
  // A host without a daemon (for switches, routers, or plain network tests).
  static Result<std::unique_ptr<TestHost>> createBare(std::string name);

  // Tears down (see destroy()); reports errors, and berthd's log if the current
  // gtest test has failed, on stderr.
  ~TestHost();
  TestHost(const TestHost&) = delete;
  TestHost& operator=(const TestHost&) = delete;

  const std::string& name() const { return name_; }
  const std::string& netnsName() const { return id_; }  // as listed by `ip netns`
  std::string netnsPath() const { return "/run/netns/" + id_; }
  const std::string& dir() const { return dir_; }
  std::string dataRoot() const { return dir_ + "/data"; }
  std::string execRoot() const { return dir_ + "/exec"; }
  std::string socketPath() const { return dir_ + "/berth.sock"; }
  std::string dockerHost() const { return "unix://" + socketPath(); }
  // DOCKER_HOST, BERTH_HOST and a private DOCKER_CONFIG, as "NAME=value".
  std::vector<std::string> clientEnv() const;
  bool daemonRunning() const { return daemonPid_ > 0; }
  pid_t daemonPid() const { return daemonPid_; }
  // berthd's stdout+stderr so far (across restarts).
  std::string log() const;

  // Runs argv inside the host's netns (or outside, if inNetns is false) in the
  // machine's mount namespace: /sys/class/net there is the machine's, not the host's.
  ExecResult exec(const std::vector<std::string>& argv, bool inNetns = true) const;
  // Runs a client binary (argv[0]) outside the netns with clientEnv() set.
  ExecResult runCli(const std::vector<std::string>& argv) const;
  ExecResult berth(const std::vector<std::string>& args) const;   // the berth CLI
  ExecResult docker(const std::vector<std::string>& args) const;  // the docker CLI
  // One HTTP/1.1 request to berthd over its socket.
  Result<HttpResponse> http(const std::string& method, const std::string& target,
                            const std::string& body = "") const;

  // Starts berthd again in this host (same data root); for restart tests.
  Status startDaemon();
  // SIGTERM, wait, SIGKILL after stopTimeout; an error unless berthd exited 0 by itself.
  Status stopDaemon();
  // Stops berthd, kills every process left in the host's namespaces (shims and
  // their children too), deletes the netns (so its links) and the dirs.
  // Idempotent; keeps going past failures and reports all of them.
  Status destroy();

  // The IPv4 / IPv6 address MultiHost gave iface ("" if none), without prefix.
  std::string address(const std::string& iface = "eth0") const;
  std::string address6(const std::string& iface = "eth0") const;

 private:
  friend class MultiHost;
  TestHost(std::string name, TestHostOptions options);
  Status makeNetns();
  Status waitReady(std::chrono::milliseconds timeout);
  std::string nextInterface();

  std::string name_;
  TestHostOptions options_;
  std::string id_;   // berth-th-<random>: netns name and dir name
  std::string dir_;  // $BERTH_TH_TMP (default /tmp) + "/" + id_
  bool netnsMade_ = false;
  bool destroyed_ = false;
  pid_t daemonPid_ = -1;
  std::string daemonMntNs_;  // "mnt:[N]" of berthd, to find what it left behind
  int interfaces_ = 0;
  std::map<std::string, std::string> addrs_;   // iface -> IPv4 CIDR
  std::map<std::string, std::string> addrs6_;  // iface -> IPv6 CIDR
};

// Wires test hosts into an underlay. Switches and routers are bare TestHosts
// owned here (destroyed with the MultiHost); the hosts joined are the caller's.
class MultiHost {
 public:
  MultiHost() = default;
  MultiHost(const MultiHost&) = delete;
  MultiHost& operator=(const MultiHost&) = delete;

  // Joins hosts to the switch `name` (a netns with bridge br0, made on first
  // use). The i-th host joined (from 1) gets a veth ethN (its first free) with
  // 10.99.<n>.<i>/24 and fd99:<n>::<i>/64, n being the switch's subnet number.
  Status linkSwitch(const std::string& name, const std::vector<TestHost*>& hosts);
  // Puts router `name` (made on first use, forwarding on) between a and b on two
  // new subnets: router .1 / ::1, host .2 / ::2, each host routed to the other.
  Status linkRouter(const std::string& name, TestHost& a, TestHost& b);
  // A switch or router made here, or nullptr.
  TestHost* node(const std::string& name);

 private:
  struct Switch {
    std::unique_ptr<TestHost> host;
    int subnet = 0;  // 0: a router, no subnet of its own
    int nextIndex = 1;
  };
  Result<Switch*> getOrMake(const std::string& name, bool router);
  Status veth(TestHost& a, const std::string& ifA, TestHost& b, const std::string& ifB);
  Status addressUp(TestHost& h, const std::string& iface, const std::string& cidr4,
                   const std::string& cidr6);

  std::map<std::string, Switch> nodes_;
};

}  // namespace berth::testing
