#include "daemon/daemon.h"

#include <grp.h>
#include <unistd.h>

#include <cstdlib>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <spdlog/spdlog.h>

#include <chrono>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>
#include <vector>

#include "api/container_routes.h"
#include "api/exec_routes.h"
#include "api/image_routes.h"
#include "api/network_routes.h"
#include "api/router.h"
#include "api/server.h"
#include "api/system_routes.h"
#include "api/volume_routes.h"
#include "container/container_service.h"
#include "container/pidfd_watcher.h"
#include "container/thread_scheduler.h"
#include "image/image_service.h"
#include "runtime/exec_shim_launcher.h"
#include "runtime/overlay_rootfs.h"
#include "runtime/runc_runtime.h"
#include "common/log.h"
#include "common/strings.h"
#include "daemon/data_root.h"
#include "events/event_bus.h"
#include "kernel/features.h"
#include "network/bridge_driver.h"
#include "network/controller.h"
#include "network/dns/dns_server.h"
#include "network/firewall/nft_firewall.h"
#include "network/ipam/address_pools.h"
#include "network/ipam/default_ipam.h"
#include "network/ipvlan_driver.h"
#include "network/macvlan_driver.h"
#include "store/sqlite_store.h"
#include "system/system_service.h"
#include "volume/volume_service.h"

namespace berth::daemon {

struct Daemon::Parts {
  boost::asio::io_context io{1};
  std::optional<DataRootLock> lock;
  std::optional<PidFile> pidfile;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<events::EventBus> bus;
  std::unique_ptr<system::SystemService> system;
  std::unique_ptr<image::ImageService> images;
  std::unique_ptr<OverlayRootfsManager> rootfs;
  std::unique_ptr<RuncRuntime> runtime;
  std::unique_ptr<ExecShimLauncher> shims;
  std::unique_ptr<network::DefaultIpam> ipam;
  std::unique_ptr<Firewall> firewall;
  // The embedded DNS server has its own loop and thread: a query flood from a
  // container costs at most that thread, never the API's.
  boost::asio::io_context dnsIo{1};
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> dnsWork;
  std::thread dnsThread;
  std::unique_ptr<network::dns::DnsServer> dns;  // serves on `dnsIo`; destroyed before it
  std::unique_ptr<network::Controller> networks;
  std::unique_ptr<network::ContainerDirectory> directory;
  std::unique_ptr<container::PidfdWatcher> watcher;
  std::unique_ptr<container::ThreadScheduler> scheduler;
  std::unique_ptr<volume::VolumeService> volumes;
  std::unique_ptr<container::ContainerService> containers;
  api::Router router;
  std::unique_ptr<api::Server> server;
  std::optional<boost::asio::signal_set> signals;

  ~Parts() {
    // The server goes first (no request in flight), then the containers that
    // the image service asks about before it removes an image.
    server.reset();
    stopDns();
    if (images) {
      images->setUsage(nullptr);
    }
    if (networks) {
      networks->setContainers(nullptr);
    }
  }
  Parts() = default;
  Parts(const Parts&) = delete;

  // Stops the DNS server and its thread; idempotent. The server itself is
  // destroyed later, with its loop no longer running.
  void stopDns() {
    if (dns) {
      dns->stop();
    }
    dnsWork.reset();
    if (dnsThread.joinable()) {
      dnsIo.stop();
      dnsThread.join();
    }
  }

  Parts& operator=(const Parts&) = delete;
  Parts(Parts&&) = delete;
  Parts& operator=(Parts&&) = delete;
};

Daemon::Daemon(DaemonConfig config) : config_(std::move(config)) {}

Daemon::~Daemon() = default;

namespace {

gid_t socketGroup(const std::string& name) {
  if (name.empty()) {
    return static_cast<gid_t>(-1);
  }
  struct group grp {};
  struct group* found = nullptr;
  std::vector<char> buf(16384);
  if (::getgrnam_r(name.c_str(), &grp, buf.data(), buf.size(), &found) != 0 || found == nullptr) {
    return static_cast<gid_t>(-1);
  }
  return found->gr_gid;
}

// The level the config asks for: debug wins over log-level, as in dockerd.
spdlog::level::level_enum levelOf(const DaemonConfig& c) {
  if (c.debug) {
    return spdlog::level::debug;
  }
  auto level = log::parseLevel(c.logLevel);
  return level.ok() ? *level : spdlog::level::info;
}

// `name` in $PATH, or "" when absent.
std::string findInPath(const std::string& name) {
  const char* path = std::getenv("PATH");  // NOLINT(concurrency-mt-unsafe): read before threads start
  std::string dirs = path != nullptr ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  for (const auto& dir : split(dirs, ':')) {
    std::string candidate = dir;
    candidate.append("/").append(name);
    if (!dir.empty() && ::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
  }
  return "";
}

// berth-shim is installed next to berthd; in a build tree it is ../shim/berth-shim.
std::string findShim() {
  char self[4096] = {};
  ssize_t n = ::readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n > 0) {
    std::string dir(self, static_cast<size_t>(n));
    dir = dir.substr(0, dir.rfind('/'));
    for (const auto& candidate : {dir + "/berth-shim", dir + "/../shim/berth-shim"}) {
      if (::access(candidate.c_str(), X_OK) == 0) {
        return candidate;
      }
    }
  }
  return findInPath("berth-shim");
}

// daemon.json "iptables": false.
class NoFirewall : public Firewall {
 public:
  Status apply(const FwState& /*s*/) override { return okStatus(); }
  Status removeAll() override { return okStatus(); }
};

// The network controller's view of containers.
class ContainerDirectoryAdapter : public network::ContainerDirectory {
 public:
  explicit ContainerDirectoryAdapter(container::ContainerService& svc) : svc_(svc) {}
  Result<network::ContainerInfo> find(const std::string& idOrName) override {
    BERTH_ASSIGN_OR_RETURN(auto rec, svc_.find(idOrName));
    return network::ContainerInfo{rec.id, rec.shortName(), rec.state.running,
                                  rec.hostConfig.value("NetworkMode", std::string()),
                                  rec.sandboxKey};
  }
  Status setNetworkSettings(const std::string& id, const nlohmann::json& networks,
                            const nlohmann::json& ports) override {
    return svc_.setNetworkSettings(id, networks, ports);
  }

 private:
  container::ContainerService& svc_;
};

}  // namespace

Status Daemon::start() {
  auto started = std::chrono::steady_clock::now();
  auto p = std::make_unique<Parts>();
  BERTH_TRY(makeDirs(config_.dataRoot, 0711));
  BERTH_TRY(makeDirs(config_.execRoot, 0700));
  BERTH_ASSIGN_OR_RETURN(DataRootLock lock, DataRootLock::acquire(config_.dataRoot));
  p->lock.emplace(std::move(lock));
  BERTH_ASSIGN_OR_RETURN(PidFile pidfile, PidFile::create(config_.pidfile));
  p->pidfile.emplace(std::move(pidfile));

  auto store = store::SqliteStore::open(config_.dataRoot + "/berth.db");
  if (!store.ok()) {
    return Error(store.error()).withContext("open store");
  }
  p->store = std::move(store).value();
  BERTH_ASSIGN_OR_RETURN(std::string engineId, loadEngineId(config_.dataRoot));

  KernelFeatures kernel = probeKernelFeatures();
  spdlog::info("kernel features: {}", kernel.toJson().dump());

  p->bus = std::make_unique<events::EventBus>();
  system::DaemonFacts facts;
  facts.engineId = engineId;
  facts.dataRoot = config_.dataRoot;
  facts.execRoot = config_.execRoot;
  facts.debug = config_.debug;
  facts.loggingDriver = config_.logDriver;
  facts.defaultRuntime = config_.defaultRuntime;
  p->system = std::make_unique<system::SystemService>(facts, kernel.toJson());
  api::addSystemRoutes(p->router, *p->system, *p->bus);
  BERTH_TRY(startContainers(*p, kernel));

  p->server = std::make_unique<api::Server>(p->io, p->router, api::ServerOptions{});
  BERTH_ASSIGN_OR_RETURN(auto addrs, config_.listenAddresses());
  api::TlsOptions tls{config_.tlsCaCert, config_.tlsCert, config_.tlsKey, config_.tlsVerify};
  for (const auto& a : addrs) {
    Status st = a.kind == HostAddress::Kind::kUnix
                    ? p->server->listenUnix(a.path, 0660, socketGroup(config_.group))
                    : p->server->listenTcp(a.host, a.port, config_.tls ? &tls : nullptr);
    if (!st.ok()) {
      p->server->stop();
      return st;
    }
    spdlog::info("API listen on {}", a.toString());
  }
  parts_ = std::move(p);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::steady_clock::now() - started)
                .count();
  spdlog::info("Daemon has completed initialization in {} ms", ms);
  return okStatus();
}

Status Daemon::startNetworks(Parts& p) {
  std::vector<network::AddressPool> pools = network::dockerDefaultAddressPools();
  if (!config_.defaultAddressPools.is_null()) {
    BERTH_ASSIGN_OR_RETURN(pools, network::parseDefaultAddressPools(config_.defaultAddressPools));
  }
  p.ipam = std::make_unique<network::DefaultIpam>(pools);
  if (config_.iptables) {
    auto nft = std::make_unique<NftFirewall>();
    nft->startGuard(std::chrono::milliseconds(500));
    p.firewall = std::move(nft);
  } else {
    spdlog::warn("iptables is false: berth leaves the firewall alone (no table inet berth)");
    p.firewall = std::make_unique<NoFirewall>();
  }
  network::ControllerOptions o;
  o.execRoot = config_.execRoot;
  o.defaultBridgeSubnet = config_.bip;
  p.networks = std::make_unique<network::Controller>(*p.store, *p.bus, *p.ipam, *p.firewall, o);
  p.networks->addDriver(std::make_unique<network::BridgeDriver>());
  auto parents = std::make_shared<network::ParentRegistry>();  // one parent, one network
  p.networks->addDriver(std::make_unique<network::MacvlanDriver>(o.execRoot + "/netns", parents));
  p.networks->addDriver(std::make_unique<network::IpvlanDriver>(o.execRoot + "/netns", parents));
  network::dns::DnsOptions dnsOptions;
  dnsOptions.upstreams = config_.dns;
  p.dns = std::make_unique<network::dns::DnsServer>(p.dnsIo, dnsOptions);
  p.dnsWork.emplace(p.dnsIo.get_executor());
  p.dnsThread = std::thread([&io = p.dnsIo] { io.run(); });
  p.networks->setDns(p.dns.get());
  return p.networks->init();
}

Status Daemon::startContainers(Parts& p, const KernelFeatures& kernel) {
  // The default runtime: a configured one by name, else runc from PATH.
  auto configured = config_.runtimes.find(config_.defaultRuntime);
  std::string runc = configured != config_.runtimes.end() ? configured->second : "runc";
  if (runc.front() != '/') {
    runc = findInPath(runc);
  }
  if (runc.empty()) {
    return unavailable("the OCI runtime " + config_.defaultRuntime + " was not found" +
                       (configured == config_.runtimes.end()
                            ? std::string(" in PATH (Debian package runc)")
                            : " at " + configured->second));
  }
  auto info = checkRuntime(runc, kernel.cgroupLayout);
  if (!info.ok()) {
    return Error(info.error()).withContext("default runtime " + config_.defaultRuntime);
  }
  spdlog::info("OCI runtime {} ({} {}) at {}", config_.defaultRuntime, info->name, info->version,
               runc);
  std::string shim = findShim();
  if (shim.empty()) {
    return unavailable("berth-shim was not found next to berthd or in PATH");
  }
  events::EventBus* bus = p.bus.get();
  p.images = std::make_unique<image::ImageService>(
      *p.store, config_.dataRoot + "/image", [bus](events::Event ev) { bus->publish(std::move(ev)); });
  BERTH_TRY(p.images->init());
  p.rootfs = std::make_unique<OverlayRootfsManager>(config_.dataRoot);
  p.runtime = std::make_unique<RuncRuntime>(runc, config_.execRoot + "/runc");
  p.shims = std::make_unique<ExecShimLauncher>(shim, runc, config_.execRoot + "/runc");
  BERTH_TRY(startNetworks(p));
  BERTH_ASSIGN_OR_RETURN(p.watcher, container::PidfdWatcher::create());
  p.scheduler = std::make_unique<container::ThreadScheduler>();
  // Volumes (docs/volumes.md); plugin dirs may be moved by BERTH_PLUGIN_*_DIRS (tests).
  volume::VolumeServiceOptions volumeOptions;
  volumeOptions.dataRoot = config_.dataRoot;
  volumeOptions.pluginDirs = volume::pluginDirsFromEnv();
  volumeOptions.pluginTimeout = volume::pluginTimeoutFromEnv();
  p.volumes = std::make_unique<volume::VolumeService>(*p.store, *p.bus, volumeOptions);
  container::ServiceOptions options;
  options.dataRoot = config_.dataRoot;
  options.execRoot = config_.execRoot;
  options.defaultLogDriver = config_.logDriver;
  options.defaultLogOpts = config_.logOpts;
  options.runtimeName = config_.defaultRuntime;
  options.cgroupParent = config_.cgroupParent;
  p.containers = std::make_unique<container::ContainerService>(
      container::ServiceDeps{*p.store, *p.bus, *p.images, *p.rootfs, *p.runtime, *p.shims,
                             *p.networks, *p.watcher, *p.scheduler, p.volumes.get()},
      options);
  p.images->setUsage(p.containers.get());
  p.directory = std::make_unique<ContainerDirectoryAdapter>(*p.containers);
  // docker info's counters.
  p.system->addInfoContributor([c = p.containers.get(), i = p.images.get()](nlohmann::json& out) {
    container::ListOptions all;
    all.all = true;
    if (auto list = c->list(all); list.ok()) {
      int running = 0;
      int paused = 0;
      for (const auto& e : *list) {
        std::string state = e.value("State", "");
        running += state == "running" ? 1 : 0;
        paused += state == "paused" ? 1 : 0;
      }
      int total = static_cast<int>(list->size());
      out["Containers"] = total;
      out["ContainersRunning"] = running;
      out["ContainersPaused"] = paused;
      out["ContainersStopped"] = total - running - paused;
    }
    if (auto images = i->list(image::ListOptions{}); images.ok()) {
      out["Images"] = images->size();
    }
  });
  p.networks->setContainers(p.directory.get());
  BERTH_TRY(p.containers->restore());
  api::addImageRoutes(p.router, *p.images);
  api::addContainerRoutes(p.router, *p.containers);
  api::addExecRoutes(p.router, *p.containers);
  api::addNetworkRoutes(p.router, *p.networks);
  api::addVolumeRoutes(p.router, *p.volumes);
  return okStatus();
}

void Daemon::run() {
  Parts& p = *parts_;
  p.signals.emplace(p.io, SIGINT, SIGTERM, SIGHUP);
  std::function<void(const boost::system::error_code&, int)> onSignal =
      [this, &p, &onSignal](const boost::system::error_code& ec, int sig) {
        if (ec) {
          return;
        }
        if (sig == SIGHUP) {
          // dockerd reloads debug/log-level from its config file on SIGHUP.
          DaemonConfig reloaded = config_;
          std::ifstream in(config_.configFile);
          std::stringstream buf;
          buf << in.rdbuf();
          auto doc = nlohmann::json::parse(buf.str(), nullptr, false);
          if (in && !doc.is_discarded() && doc.is_object()) {
            reloaded.debug = doc.value("debug", false);
            reloaded.logLevel = doc.value("log-level", config_.logLevel);
          }
          log::setLevel(levelOf(reloaded));
          spdlog::info("Reloaded configuration: log level {}",
                       spdlog::level::to_string_view(levelOf(reloaded)));
          p.bus->publish({"daemon", "reload", parts_->system->info().value("ID", ""), {}, "local", 0});
          p.signals->async_wait(onSignal);
          return;
        }
        spdlog::info("Processing signal '{}'", sig == SIGINT ? "interrupt" : "terminated");
        p.server->stop();
        p.signals->cancel();
      };
  p.signals->async_wait(onSignal);
  p.io.run();
  p.stopDns();
  spdlog::info("Daemon shutdown complete");
}

}  // namespace berth::daemon
