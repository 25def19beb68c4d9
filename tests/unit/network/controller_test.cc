// The controller's network bookkeeping with a fake driver and firewall: what
// it stores, what it refuses, what it rolls back. Sandboxes and the bridge
// driver need the kernel and are covered by tests/integration/network_test.sh.
#include "network/controller.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>

#include "fake_driver.h"
#include "network/ipam/default_ipam.h"
#include "store/collection.h"
#include "store/sqlite_store.h"

namespace berth::network {
namespace {

using nlohmann::json;

using fakes::FakeDriver;

class FakeFirewall : public Firewall {
 public:
  Status apply(const FwState& s) override {
    last = s;
    ++applied;
    return okStatus();
  }
  Status removeAll() override { return okStatus(); }
  FwState last;
  int applied = 0;
};

class ControllerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/berth-network-test-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
    auto st = store::SqliteStore::open(dir_ + "/berth.db");
    ASSERT_TRUE(st.ok());
    store_ = std::move(st).value();
    start();
  }
  void TearDown() override {
    ctl_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  // A (re)started controller over the same store, as after a berthd restart.
  void start() {
    ctl_.reset();
    ipam_ = std::make_unique<DefaultIpam>();
    auto driver = std::make_unique<FakeDriver>();
    driver_ = driver.get();
    ControllerOptions o;
    o.execRoot = dir_ + "/exec";
    o.hostRoutes = [] { return std::vector<std::string>{"172.17.0.0/16"}; };
    o.portProbe = [](const std::string&, const std::string&, int) { return true; };
    ctl_ = std::make_unique<Controller>(*store_, bus_, *ipam_, fw_, o);
    ctl_->addDriver(std::move(driver));
    ASSERT_TRUE(ctl_->init().ok());
  }
  // The NetworkService create (the controller has a SandboxProvider one too).
  Result<json> mk(const json& body) { return static_cast<NetworkService&>(*ctl_).create(body); }
  json names() {
    json out = json::array();
    auto all = ctl_->list(Filters());
    for (const auto& n : *all) {
      out.push_back(n["Name"]);
    }
    return out;
  }

  std::string dir_;
  std::unique_ptr<store::Store> store_;
  events::EventBus bus_;
  FakeFirewall fw_;
  std::unique_ptr<DefaultIpam> ipam_;
  FakeDriver* driver_ = nullptr;
  std::unique_ptr<Controller> ctl_;
};

TEST_F(ControllerTest, PredefinedNetworksOnFirstStartOnly) {
  EXPECT_EQ(names(), json({"none", "host", "bridge"}));
  auto bridge = ctl_->inspect("bridge", false);
  ASSERT_TRUE(bridge.ok());
  // 172.17/16 is a host route here: the default bridge takes the next pool.
  EXPECT_EQ((*bridge)["IPAM"]["Config"][0]["Subnet"], "172.18.0.0/16");
  EXPECT_EQ((*bridge)["IPAM"]["Config"][0]["Gateway"], "172.18.0.1");
  EXPECT_EQ((*bridge)["Options"]["com.docker.network.bridge.name"], "berth0");
  start();
  EXPECT_EQ(names(), json({"none", "host", "bridge"}));
  EXPECT_EQ(driver_->restored, std::vector<std::string>{"bridge"});
}

TEST_F(ControllerTest, CreateInspectListRemove) {
  auto made = mk({{"Name", "localnet"}, {"Labels", {{"team", "net"}}}});
  ASSERT_TRUE(made.ok()) << made.error().message();
  std::string id = (*made)["Id"];
  auto n = ctl_->inspect("localnet", false);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ((*n)["Id"], id);
  EXPECT_EQ((*n)["Driver"], "bridge");
  EXPECT_EQ((*n)["Scope"], "local");
  EXPECT_EQ((*n)["IPAM"]["Config"][0]["Subnet"], "172.19.0.0/16");
  EXPECT_TRUE(ctl_->inspect(id.substr(0, 6), false).ok());
  EXPECT_EQ(fw_.last.networks.size(), 2U);  // berth0 and localnet

  Filters custom;
  custom.add("type", "custom");
  EXPECT_EQ(ctl_->list(custom)->size(), 1U);
  Filters label;
  label.add("label", "team=net");
  EXPECT_EQ((*ctl_->list(label))[0]["Name"], "localnet");

  ASSERT_TRUE(ctl_->remove("localnet").ok());
  EXPECT_EQ(ctl_->inspect("localnet", false).error().message(), "network localnet not found");
  EXPECT_EQ(driver_->deleted.size(), 1U);
  // Its subnet is free again.
  auto again = mk({{"Name", "again"}, {"IPAM", {{"Config", {{{"Subnet", "172.19.0.0/16"}}}}}}});
  EXPECT_TRUE(again.ok()) << again.error().message();
}

TEST_F(ControllerTest, BadInputChangesNothing) {
  ASSERT_TRUE(mk({{"Name", "a"}, {"IPAM", {{"Config", {{{"Subnet", "10.1.0.0/16"}}}}}}}).ok());
  size_t made = driver_->made.size();
  int applied = fw_.applied;
  EXPECT_EQ(mk({{"Name", "a"}}).error().kind(), ErrorKind::kConflict);
  EXPECT_EQ(mk({{"Name", "b"}, {"IPAM", {{"Config", {{{"Subnet", "10.1.128.0/17"}}}}}}})
                .error()
                .message(),
            "Pool overlaps with other one on this address space");
  EXPECT_FALSE(mk({{"Name", "c"}, {"IPAM", {{"Config", {{{"Subnet", "10.300.0.0/16"}}}}}}}).ok());
  EXPECT_FALSE(mk({{"Name", "bad name!"}}).ok());
  EXPECT_EQ(mk({{"Name", "d"}, {"Driver", "nosuch"}}).error().kind(), ErrorKind::kNotFound);
  EXPECT_EQ(mk({{"Name", "e"}, {"Driver", "host"}}).error().kind(), ErrorKind::kForbidden);
  EXPECT_EQ(ctl_->remove("bridge").error().kind(), ErrorKind::kForbidden);
  EXPECT_EQ(driver_->made.size(), made);
  EXPECT_EQ(fw_.applied, applied);
  EXPECT_EQ(names(), json({"none", "host", "bridge", "a"}));
  // A driver failure releases the subnet and leaves no record.
  driver_->failCreate = true;
  EXPECT_FALSE(mk({{"Name", "f"}, {"IPAM", {{"Config", {{{"Subnet", "10.2.0.0/16"}}}}}}}).ok());
  driver_->failCreate = false;
  EXPECT_TRUE(mk({{"Name", "f"}, {"IPAM", {{"Config", {{{"Subnet", "10.2.0.0/16"}}}}}}}).ok());
}

TEST_F(ControllerTest, HalfMadeNetworkIsRolledBackAtStart) {
  NetworkRecord n;
  n.id = std::string(64, 'a');
  n.name = "half";
  n.driver = "bridge";
  n.state = "creating";
  n.bridge = "br-aaaaaaaaaaaa";
  store::Collection<NetworkRecord> coll(*store_, kNetworksPrefix, "network");
  ASSERT_TRUE(store_->update([&](store::Txn& t) { return coll.put(t, n.id, n); }).ok());
  start();
  EXPECT_EQ(names(), json({"none", "host", "bridge"}));
  EXPECT_EQ(driver_->deleted, std::vector<std::string>{"br-aaaaaaaaaaaa"});
  EXPECT_FALSE(coll.get(n.id).ok());
}

TEST_F(ControllerTest, PruneRemovesUnusedCustomNetworks) {
  ASSERT_TRUE(mk({{"Name", "p1"}}).ok());
  ASSERT_TRUE(mk({{"Name", "p2"}, {"Labels", {{"keep", "yes"}}}}).ok());
  Filters notKept;
  notKept.add("label!", "keep");
  auto removed = ctl_->prune(notKept);
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(*removed, std::vector<std::string>{"p1"});
  EXPECT_EQ(*ctl_->prune(Filters()), std::vector<std::string>{"p2"});
  EXPECT_EQ(names(), json({"none", "host", "bridge"}));
}

TEST_F(ControllerTest, NetworkModes) {
  EXPECT_TRUE(ctl_->checkNetworkMode("bridge").ok());
  EXPECT_TRUE(ctl_->checkNetworkMode("host").ok());
  EXPECT_TRUE(ctl_->checkNetworkMode("none").ok());
  EXPECT_TRUE(ctl_->checkNetworkMode("default").ok());
  EXPECT_TRUE(ctl_->checkNetworkMode("container:abc").ok());
  EXPECT_EQ(ctl_->checkNetworkMode("nosuch").error().kind(), ErrorKind::kNotFound);
}

}  // namespace
}  // namespace berth::network
