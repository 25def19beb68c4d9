// The network controller: the Container Network Model of one host. It owns
// the network and endpoint records (in the store, cached in memory), drives
// the drivers, the IPAM and the firewall, and serves both the /networks API
// (NetworkService) and the container service (SandboxProvider: a container's
// network namespace with its endpoints, made before its process starts).
// One mutex serializes every change: each is a few netlink round trips.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "container/sandbox.h"
#include "events/event_bus.h"
#include "network/driver.h"
#include "network/firewall/firewall.h"
#include "network/ipam/ipam.h"
#include "network/network_service.h"
#include "network/port_mapper.h"
#include "network/records.h"
#include "store/store.h"

namespace berth::network {

namespace dns {
class DnsServer;
}

// What the controller needs to know of containers (the daemon adapts the
// container service to it; tests fake it).
struct ContainerInfo {
  std::string id, name;  // name without '/'
  bool running = false;
  std::string networkMode;  // HostConfig.NetworkMode
  std::string sandboxKey;   // its network namespace file while running
};

class ContainerDirectory {
 public:
  virtual ~ContainerDirectory() = default;
  virtual Result<ContainerInfo> find(const std::string& idOrName) = 0;
  // A running container was connected or disconnected.
  virtual Status setNetworkSettings(const std::string& id, const nlohmann::json& networks,
                                    const nlohmann::json& ports) = 0;
};

struct ControllerOptions {
  std::string execRoot;  // sandboxes are <execRoot>/netns/<container id>
  std::string defaultBridge = "berth0";
  std::string defaultBridgeSubnet;   // daemon.json "bip"-like; "" = first free default pool
  std::function<int64_t()> clock;    // Unix ns; null = the system clock
  // Destinations of the host's routes, which an automatically picked subnet
  // must not overlap; null = read from the kernel.
  std::function<std::vector<std::string>()> hostRoutes;
  PortAllocator::FreeProbe portProbe;  // null = hostPortFree
};

class Controller : public NetworkService, public container::SandboxProvider {
 public:
  Controller(store::Store& store, events::EventBus& events, Ipam& ipam, Firewall& firewall,
             ControllerOptions options);
  ~Controller() override;
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;

  void addDriver(std::unique_ptr<Driver> driver);
  // Also releases endpoints and attachments of containers the directory no
  // longer knows (left by a crash). Call once containers are loaded.
  void setContainers(ContainerDirectory* containers);
  // The embedded resolver of user-defined networks (null = none).
  void setDns(dns::DnsServer* dns) { dns_ = dns; }
  // Loads the stored networks and endpoints, rolls back half-made ones,
  // re-creates missing kernel objects, creates the predefined networks on
  // first start and programs the firewall.
  Status init();

  // NetworkService
  Result<nlohmann::json> create(const nlohmann::json& body) override;
  Result<nlohmann::json> inspect(const std::string& idOrName, bool verbose) override;
  Result<nlohmann::json> list(const Filters& filters) override;
  Status remove(const std::string& idOrName) override;
  Status connect(const std::string& idOrName, const nlohmann::json& body) override;
  Status disconnect(const std::string& idOrName, const std::string& container,
                    bool force) override;
  Result<std::vector<std::string>> prune(const Filters& filters) override;

  // container::SandboxProvider
  std::string defaultNetworkMode() const override { return "bridge"; }
  Status checkNetworkMode(std::string_view mode) const override;
  Result<container::Sandbox> create(const container::SandboxRequest& req) override;
  Status destroy(const std::string& containerId, const std::string& networkMode) override;
  void containerRemoved(const std::string& containerId) override;
  Status renameEndpoints(const std::string& containerId, const std::string& newName) override;

 private:
  struct JoinRequest;

  Result<NetworkRecord> findLocked(const std::string& idOrName) const;
  void dropOrphans();
  void sweepStrayVeths();
  Result<NetworkRecord> createLocked(NetworkRecord n, const nlohmann::json& ipamConfigs);
  Status removeLocked(const NetworkRecord& n);
  Driver* driverOf(const std::string& name) const;
  Status putNetwork(const NetworkRecord& n);
  Status putEndpoint(const EndpointRecord& ep);
  Status deleteEndpointRecord(const std::string& id);
  Result<EndpointRecord> joinLocked(const NetworkRecord& n, const ContainerInfo& c,
                                    const nlohmann::json& endpointConfig, int sandboxFd,
                                    const std::string& ifName, bool gateway,
                                    const std::vector<PortRequest>& ports);
  void leaveLocked(const EndpointRecord& ep);
  std::vector<EndpointRecord> endpointsOf(const std::string& containerId) const;
  nlohmann::json endpointSettings(const NetworkRecord& n, const EndpointRecord& ep,
                                  const nlohmann::json& endpointConfig) const;
  nlohmann::json networkJson(const NetworkRecord& n, bool withContainers) const;
  Result<std::vector<AttachmentEntry>> attachmentsFor(const container::SandboxRequest& req);
  static std::vector<std::string> dnsNamesOf(const EndpointRecord& ep,
                                             const std::string& hostname);
  void publishDnsRecords(const EndpointRecord& ep, const std::string& hostname);
  // The stored settings of a running sandbox (empty when it has none).
  SandboxRecord sandboxRecordOf(const std::string& containerId) const;
  Status putSandboxRecord(const SandboxRecord& rec);
  void deleteSandboxRecord(const std::string& containerId);
  // Sandbox records whose namespace is gone (a reboot, a crash mid-teardown).
  void dropStaleSandboxRecords();
  void restoreDns();
  Status serveDns(const container::SandboxRequest& req, int sandboxFd,
                  const std::vector<EndpointRecord>& joined, container::Sandbox* sb);
  // The stored attachments of a container, else its network mode's network.
  AttachmentRecord attachmentsOrMode(const ContainerInfo& c) const;
  Result<nlohmann::json> sandboxNetworks(const std::string& containerId,
                                         nlohmann::json* ports) const;
  Status applyFirewall();
  std::string netnsPath(const std::string& containerId) const;
  void emit(const NetworkRecord& n, const std::string& action, const std::string& containerId);
  int64_t now() const;

  store::Store& store_;
  events::EventBus& events_;
  Ipam& ipam_;
  Firewall& firewall_;
  ControllerOptions o_;
  ContainerDirectory* containers_ = nullptr;
  dns::DnsServer* dns_ = nullptr;
  std::map<std::string, std::unique_ptr<Driver>> drivers_;
  mutable std::mutex mu_;
  std::map<std::string, NetworkRecord> networks_;    // by id
  std::map<std::string, EndpointRecord> endpoints_;  // by id
};

}  // namespace berth::network
