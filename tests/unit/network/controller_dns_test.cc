// The controller's side of the embedded DNS (issue 5) with a fake driver and
// a DnsServer whose event loop never runs (only its record table is read):
// "<name>.<network>" records, a rename reaching the resolver, the stored
// endpoints and a restarted controller, the sandbox record's hostname, and
// stale sandbox records dropped at start. Sandboxes are plain files.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <fstream>

#include "fake_driver.h"
#include "network/controller.h"
#include "network/dns/dns_server.h"
#include "network/ipam/default_ipam.h"
#include "store/collection.h"
#include "store/sqlite_store.h"

namespace berth::network {
namespace {

using nlohmann::json;

using fakes::FakeDriver;

class FakeFirewall : public Firewall {
 public:
  Status apply(const FwState&) override { return okStatus(); }
  Status removeAll() override { return okStatus(); }
};

class FakeDirectory : public ContainerDirectory {
 public:
  Result<ContainerInfo> find(const std::string& idOrName) override {
    for (const auto& c : known) {
      if (c.id == idOrName || c.name == idOrName) {
        return c;
      }
    }
    return notFound("No such container: " + idOrName);
  }
  Status setNetworkSettings(const std::string&, const json&, const json&) override {
    return okStatus();
  }
  std::vector<ContainerInfo> known;
};

class ControllerDnsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/berth-controller-dns-test-XXXXXX";
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
    dns_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  // A fresh controller and resolver over the same store (a berthd restart).
  void start() {
    ctl_.reset();
    dns_.reset();
    dns::DnsOptions d;
    d.hostResolvConf = "/nonexistent/resolv.conf";
    dns_ = std::make_unique<dns::DnsServer>(io_, d);
    ipam_ = std::make_unique<DefaultIpam>();
    ControllerOptions o;
    o.execRoot = dir_ + "/exec";
    o.hostRoutes = [] { return std::vector<std::string>{}; };
    o.portProbe = [](const std::string&, const std::string&, int) { return true; };
    ctl_ = std::make_unique<Controller>(*store_, bus_, *ipam_, fw_, o);
    ctl_->addDriver(std::make_unique<FakeDriver>());
    ctl_->setDns(dns_.get());
    ASSERT_TRUE(ctl_->init().ok());
    ctl_->setContainers(&containers_);
  }
  std::string container(const std::string& name) {
    ContainerInfo c;
    c.id = std::string(64 - name.size(), '0') + name;
    c.name = name;
    c.running = true;
    c.networkMode = "bridge";
    c.sandboxKey = dir_ + "/exec/netns/" + c.id;
    std::ofstream(c.sandboxKey).put('\n');
    containers_.known.push_back(c);
    return c.id;
  }
  void network(const std::string& name) {
    ASSERT_TRUE(static_cast<NetworkService&>(*ctl_).create({{"Name", name}}).ok());
  }
  void connect(const std::string& net, const std::string& who, json cfg = json::object()) {
    Status st = ctl_->connect(net, {{"Container", who}, {"EndpointConfig", cfg}});
    ASSERT_TRUE(st.ok()) << st.error().message();
  }
  bool resolves(const std::string& asker, const std::string& name) {
    return !dns_->records().lookup(asker, name).v4.empty();
  }
  std::string nameIn(const std::string& net, const std::string& id) {
    auto j = ctl_->inspect(net, false);
    EXPECT_TRUE(j.ok());
    return j.ok() ? (*j)["Containers"].value(id, json::object()).value("Name", "") : "";
  }

  std::string dir_;
  std::unique_ptr<store::Store> store_;
  events::EventBus bus_;
  FakeFirewall fw_;
  FakeDirectory containers_;
  boost::asio::io_context io_;
  std::unique_ptr<dns::DnsServer> dns_;
  std::unique_ptr<DefaultIpam> ipam_;
  std::unique_ptr<Controller> ctl_;
};

TEST_F(ControllerDnsTest, NamesAreAlsoAnsweredQualifiedWithTheNetwork) {
  network("localnet");
  network("other");
  std::string c1 = container("c1");
  std::string c2 = container("c2");
  std::string c3 = container("c3");
  connect("localnet", "c1", {{"Aliases", {"web"}}});
  connect("other", "c1");
  connect("localnet", "c2");
  connect("other", "c3");
  EXPECT_TRUE(resolves(c2, "c1.localnet"));
  EXPECT_TRUE(resolves(c2, "web.localnet"));
  EXPECT_TRUE(resolves(c3, "c1.other"));
  EXPECT_FALSE(resolves(c2, "c1.other"));  // c2 is not on "other"
  EXPECT_FALSE(resolves(c3, "c1.localnet"));
  EXPECT_FALSE(resolves(c3, "web.localnet"));
}

TEST_F(ControllerDnsTest, RenameReachesDnsInspectAndTheStore) {
  network("localnet");
  network("other");
  std::string c1 = container("c1");
  std::string c2 = container("c2");
  std::string c3 = container("c3");
  connect("localnet", "c1", {{"Aliases", {"web"}}});
  connect("other", "c1");
  connect("localnet", "c2");
  connect("other", "c3");
  ASSERT_TRUE(ctl_->renameEndpoints(c1, "c9").ok());
  for (const auto& [asker, net] : {std::pair{c2, "localnet"}, std::pair{c3, "other"}}) {
    EXPECT_TRUE(resolves(asker, "c9")) << net;
    EXPECT_TRUE(resolves(asker, std::string("c9.") + net)) << net;
    EXPECT_FALSE(resolves(asker, "c1")) << net;
    EXPECT_FALSE(resolves(asker, std::string("c1.") + net)) << net;
    EXPECT_TRUE(resolves(asker, c1.substr(0, 12))) << net;  // the short id stays
    EXPECT_EQ(nameIn(net, c1), "c9");
  }
  EXPECT_TRUE(resolves(c2, "web"));
  // A restart reads the new name back from the store.
  start();
  EXPECT_EQ(nameIn("localnet", c1), "c9");
  EXPECT_EQ(nameIn("other", c1), "c9");
  store::Collection<EndpointRecord> eps(*store_, kEndpointsPrefix, "endpoint");
  auto all = eps.list();
  ASSERT_TRUE(all.ok());
  int renamed = 0;
  for (const auto& ep : *all) {
    if (ep.containerId == c1) {
      EXPECT_EQ(ep.containerName, "c9");
      ++renamed;
    }
  }
  EXPECT_EQ(renamed, 2);
  // Renaming a container without endpoints is a no-op.
  EXPECT_TRUE(ctl_->renameEndpoints(std::string(64, 'f'), "x").ok());
}

TEST_F(ControllerDnsTest, ConnectPublishesTheHostnameOfTheSandboxRecord) {
  network("localnet");
  std::string c1 = container("c1");
  std::string c2 = container("c2");
  store::Collection<SandboxRecord> coll(*store_, kSandboxesPrefix, "sandbox");
  SandboxRecord rec{c1, "h1", {"192.0.2.53"}};
  ASSERT_TRUE(store_->update([&](store::Txn& txn) { return coll.put(txn, c1, rec); }).ok());
  connect("localnet", "c1");
  connect("localnet", "c2");
  EXPECT_TRUE(resolves(c2, "h1"));
  EXPECT_TRUE(resolves(c2, "h1.localnet"));
  // The hostname survives a rename.
  ASSERT_TRUE(ctl_->renameEndpoints(c1, "c9").ok());
  EXPECT_TRUE(resolves(c2, "h1"));
}

TEST_F(ControllerDnsTest, SandboxRecordsWithoutANamespaceAreDroppedAtStart) {
  std::string alive = container("alive");
  std::string gone = std::string(60, '0') + "gone";
  store::Collection<SandboxRecord> coll(*store_, kSandboxesPrefix, "sandbox");
  for (const std::string& id : {alive, gone}) {
    SandboxRecord rec{id, "h", {}};
    ASSERT_TRUE(store_->update([&](store::Txn& txn) { return coll.put(txn, id, rec); }).ok());
  }
  start();
  EXPECT_TRUE(coll.get(alive).ok());
  EXPECT_FALSE(coll.get(gone).ok());
  // destroy() forgets it (the plain file is not a mount: umount gets EINVAL).
  Status st = ctl_->destroy(alive, "bridge");
  EXPECT_TRUE(st.ok()) << st.error().message();
  EXPECT_FALSE(coll.get(alive).ok());
}

}  // namespace
}  // namespace berth::network
