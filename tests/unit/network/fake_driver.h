// A bridge-named network driver that touches no kernel, for the controller's
// unit tests: records what it was asked (networks made, deleted, restored;
// joins and leaves), can refuse a create, and gives endpoints the interface
// name and MAC the bridge driver would.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "network/bridge_driver.h"
#include "network/driver.h"

namespace berth::network::fakes {

class FakeDriver : public Driver {
 public:
  std::string name() const override { return "bridge"; }
  Status createNetwork(NetworkRecord& n) override {
    if (failCreate) {
      return internal("driver refused");
    }
    n.bridge = "br-" + n.id.substr(0, 12);
    made.push_back(n.bridge);
    return okStatus();
  }
  Status deleteNetwork(const NetworkRecord& n) override {
    deleted.push_back(n.bridge);
    return okStatus();
  }
  Status restoreNetwork(const NetworkRecord& n) override {
    restored.push_back(n.name);
    return okStatus();
  }
  Status join(const NetworkRecord&, EndpointRecord& ep, int, bool) override {
    ep.hostIfName = "veth" + ep.id.substr(0, 7);
    ep.mac = macForIpv4(ep.ipv4);
    std::lock_guard<std::mutex> lock(mu);
    ++joins;
    return okStatus();
  }
  Status leave(const NetworkRecord&, const EndpointRecord&) override {
    std::lock_guard<std::mutex> lock(mu);
    ++leaves;
    return okStatus();
  }
  bool natted() const override { return true; }

  bool failCreate = false;
  std::vector<std::string> made, deleted, restored;
  std::mutex mu;  // joins and leaves come from several threads in the concurrency tests
  int joins = 0, leaves = 0;
};

}  // namespace berth::network::fakes
