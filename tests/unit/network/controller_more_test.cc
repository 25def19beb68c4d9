// The controller's endpoint bookkeeping with a fake driver, firewall and
// container directory (issue 4): static addresses and dockerd's refusals,
// ip-range, aux and gateway addresses never handed out, aliases, 50
// concurrent connects, orphaned endpoints released at start, and the bridge
// driver's kernel-limit checks. Sandboxes are plain files here: the fake
// driver never enters them.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "fake_driver.h"
#include "network/bridge_driver.h"
#include "network/controller.h"
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
    return okStatus();
  }
  Status removeAll() override { return okStatus(); }
  FwState last;
};

// Containers c0..cN, all running; their sandbox files live under execRoot/netns.
class FakeDirectory : public ContainerDirectory {
 public:
  Result<ContainerInfo> find(const std::string& idOrName) override {
    std::lock_guard<std::mutex> lock(mu);
    for (const auto& c : known) {
      if (c.id == idOrName || c.name == idOrName) {
        return c;
      }
    }
    return notFound("No such container: " + idOrName);
  }
  Status setNetworkSettings(const std::string& id, const json& networks, const json&) override {
    std::lock_guard<std::mutex> lock(mu);
    settings[id] = networks;
    return okStatus();
  }
  std::mutex mu;
  std::vector<ContainerInfo> known;
  std::map<std::string, json> settings;
};

class EndpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/berth-endpoint-test-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
    std::filesystem::create_directories(dir_ + "/exec/netns");
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
  void start() {
    ctl_.reset();
    ipam_ = std::make_unique<DefaultIpam>();
    auto driver = std::make_unique<FakeDriver>();
    driver_ = driver.get();
    ControllerOptions o;
    o.execRoot = dir_ + "/exec";
    o.hostRoutes = [] { return std::vector<std::string>{}; };
    o.portProbe = [](const std::string&, const std::string&, int) { return true; };
    ctl_ = std::make_unique<Controller>(*store_, bus_, *ipam_, fw_, o);
    ctl_->addDriver(std::move(driver));
    ASSERT_TRUE(ctl_->init().ok());
    ctl_->setContainers(&dir_containers_);
  }
  // A running container whose sandbox is a plain file.
  std::string container(const std::string& name, const std::string& mode = "bridge") {
    ContainerInfo c;
    c.id = std::string(64 - name.size(), '0') + name;
    c.name = name;
    c.running = true;
    c.networkMode = mode;
    c.sandboxKey = dir_ + "/exec/netns/" + c.id;
    std::ofstream(c.sandboxKey).put('\n');
    std::lock_guard<std::mutex> lock(dir_containers_.mu);
    dir_containers_.known.push_back(c);
    return c.id;
  }
  Result<json> mk(const json& body) { return static_cast<NetworkService&>(*ctl_).create(body); }
  Status connect(const std::string& net, const std::string& who, json cfg = json::object()) {
    return ctl_->connect(net, {{"Container", who}, {"EndpointConfig", cfg}});
  }
  std::string addressOf(const std::string& id, const std::string& net) {
    std::lock_guard<std::mutex> lock(dir_containers_.mu);
    return dir_containers_.settings[id][net].value("IPAddress", "");
  }

  std::string dir_;
  std::unique_ptr<store::Store> store_;
  events::EventBus bus_;
  FakeFirewall fw_;
  FakeDirectory dir_containers_;
  std::unique_ptr<DefaultIpam> ipam_;
  FakeDriver* driver_ = nullptr;
  std::unique_ptr<Controller> ctl_;
};

json subnet(const std::string& s, json extra = json::object()) {
  extra["Subnet"] = s;
  return {{"Config", json::array({extra})}};
}

TEST_F(EndpointTest, StaticAddressesFollowDockerdsRules) {
  ASSERT_TRUE(mk({{"Name", "auto"}}).ok());
  ASSERT_TRUE(mk({{"Name", "user"}, {"IPAM", subnet("172.30.0.0/16")}}).ok());
  ASSERT_TRUE(mk({{"Name", "home"}}).ok());
  std::string a = container("a", "home");  // its first network is not bridge
  json want = {{"IPAMConfig", {{"IPv4Address", "172.30.0.50"}}}};
  Status onBridge = connect("bridge", a, want);
  ASSERT_FALSE(onBridge.ok());
  EXPECT_EQ(onBridge.error().message(),
            "user specified IP address is supported on user defined networks only");
  Status onAuto = connect("auto", a, want);
  ASSERT_FALSE(onAuto.ok());
  EXPECT_EQ(onAuto.error().message(),
            "user specified IP address is supported only when connecting to networks with user "
            "configured subnets");
  ASSERT_TRUE(connect("user", a, want).ok());
  EXPECT_EQ(addressOf(a, "user"), "172.30.0.50");
  // Taken: refused, and nothing joined for the refusal.
  std::string b = container("b");
  int joins = driver_->joins;
  EXPECT_FALSE(connect("user", b, want).ok());
  EXPECT_EQ(driver_->joins, joins);
  // Outside every subnet of the network.
  EXPECT_FALSE(connect("user", b, {{"IPAMConfig", {{"IPv4Address", "10.9.9.9"}}}}).ok());
  // The stopped-and-started container keeps its static address: it is in its attachment.
  store::Collection<AttachmentRecord> atts(*store_, kAttachmentsPrefix, "attachment");
  auto att = atts.get(a);
  ASSERT_TRUE(att.ok());
  EXPECT_EQ(att->networks.back().endpointConfig["IPAMConfig"]["IPv4Address"], "172.30.0.50");
}

TEST_F(EndpointTest, IpRangeAuxAndGatewayAreRespected) {
  // 172.31.0.0/24, handing out from .8/29 (.8 - .15); gateway .9 and aux .10 inside it.
  json cfg = {{"IPRange", "172.31.0.8/29"},
              {"Gateway", "172.31.0.9"},
              {"AuxiliaryAddresses", {{"router", "172.31.0.10"}}}};
  ASSERT_TRUE(mk({{"Name", "small"}, {"IPAM", subnet("172.31.0.0/24", cfg)}}).ok());
  std::set<std::string> got;
  for (int i = 0; i < 6; ++i) {
    std::string id = container("r" + std::to_string(i));
    ASSERT_TRUE(connect("small", id).ok()) << i;
    got.insert(addressOf(id, "small"));
  }
  EXPECT_EQ(got, (std::set<std::string>{"172.31.0.8", "172.31.0.11", "172.31.0.12", "172.31.0.13",
                                        "172.31.0.14", "172.31.0.15"}));
  std::string full = container("full");
  EXPECT_FALSE(connect("small", full).ok());
  // A static address outside the range but inside the subnet is allowed (as dockerd).
  EXPECT_TRUE(connect("small", full, {{"IPAMConfig", {{"IPv4Address", "172.31.0.100"}}}}).ok());
}

TEST_F(EndpointTest, AliasesAreRecordedAndShown) {
  ASSERT_TRUE(mk({{"Name", "front"}}).ok());
  std::string id = container("web");
  ASSERT_TRUE(connect("front", id, {{"Aliases", {"www", "site"}}}).ok());
  json ep;
  {
    std::lock_guard<std::mutex> lock(dir_containers_.mu);
    ep = dir_containers_.settings[id]["front"];
  }
  EXPECT_EQ(ep["Aliases"], json({"www", "site"}));
  EXPECT_EQ(ep["DNSNames"], json({"web", "www", "site", id.substr(0, 12)}));
  auto n = ctl_->inspect("front", false);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ((*n)["Containers"][id]["Name"], "web");
}

TEST_F(EndpointTest, ConcurrentConnectsGetDistinctAddresses) {
  ASSERT_TRUE(mk({{"Name", "busy"}}).ok());
  std::vector<std::string> ids;
  ids.reserve(50);
  for (int i = 0; i < 50; ++i) {
    ids.push_back(container("p" + std::to_string(i)));
  }
  std::vector<std::thread> threads;
  threads.reserve(ids.size());
  std::atomic<int> failures{0};
  for (const auto& id : ids) {
    threads.emplace_back([&, id] {
      if (!connect("busy", id).ok()) {
        ++failures;
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(failures.load(), 0);
  std::set<std::string> addrs;
  for (const auto& id : ids) {
    addrs.insert(addressOf(id, "busy"));
  }
  EXPECT_EQ(addrs.size(), 50U);
  EXPECT_EQ(addrs.count(""), 0U);
  // And all of them released by 50 concurrent disconnects.
  threads.clear();
  for (const auto& id : ids) {
    threads.emplace_back([&, id] { (void)ctl_->disconnect("busy", id, false); });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(driver_->leaves, 50);
  EXPECT_TRUE(ctl_->remove("busy").ok());
}

TEST_F(EndpointTest, EndpointsOfVanishedContainersAreReleasedAtStart) {
  ASSERT_TRUE(mk({{"Name", "n"}, {"IPAM", subnet("10.77.0.0/24")}}).ok());
  std::string keep = container("keep");
  std::string lost = container("lost");
  ASSERT_TRUE(connect("n", keep).ok());
  ASSERT_TRUE(connect("n", lost, {{"IPAMConfig", {{"IPv4Address", "10.77.0.9"}}}}).ok());
  {
    std::lock_guard<std::mutex> lock(dir_containers_.mu);
    dir_containers_.known.erase(dir_containers_.known.begin() + 1);  // "lost" is gone
  }
  start();  // a berthd restart: sandbox files are still there
  auto n = ctl_->inspect("n", false);
  ASSERT_TRUE(n.ok());
  EXPECT_TRUE((*n)["Containers"].contains(keep));
  EXPECT_FALSE((*n)["Containers"].contains(lost));
  store::Collection<AttachmentRecord> atts(*store_, kAttachmentsPrefix, "attachment");
  EXPECT_FALSE(atts.get(lost).ok());
  // Its address is free again.
  std::string again = container("again");
  EXPECT_TRUE(connect("n", again, {{"IPAMConfig", {{"IPv4Address", "10.77.0.9"}}}}).ok());
}

TEST(BridgeLimits, TheKernelsPortLimitIsAClearError) {
  EXPECT_TRUE(checkBridgeRoom("big", "br-0123456789ab", 0).ok());
  EXPECT_TRUE(checkBridgeRoom("big", "br-0123456789ab", kMaxBridgePorts - 1).ok());
  Status full = checkBridgeRoom("big", "br-0123456789ab", kMaxBridgePorts);
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.error().kind(), ErrorKind::kUnavailable);
  EXPECT_EQ(full.error().message(),
            "network big is full: its bridge br-0123456789ab has 1023 ports, the most a Linux "
            "bridge can hold (1023); use another network");
}

TEST(BridgeLimits, IccFalseNeedsBridgeNetfilter) {
  std::map<std::string, std::string> off = {{kOptEnableIcc, "false"}};
  EXPECT_TRUE(checkIccSupported({}, false).ok());
  EXPECT_TRUE(checkIccSupported(off, true).ok());
  Status st = checkIccSupported(off, false);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message().find("br_netfilter"), std::string::npos);
  // The driver asks its probe before it makes anything.
  BridgeDriver d(BridgeKernelProbes{nullptr, [] { return false; }});
  NetworkRecord n;
  n.id = std::string(64, 'c');
  n.name = "noicc";
  n.options = off;
  Status made = d.createNetwork(n);
  ASSERT_FALSE(made.ok());
  EXPECT_NE(made.error().message().find("br_netfilter"), std::string::npos);
  EXPECT_TRUE(n.bridge.empty());
}

}  // namespace
}  // namespace berth::network
