// The controller's container side: sandboxes (a container's network namespace
// and its endpoints) and connect/disconnect.
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>

#include "common/ids.h"
#include "common/ip.h"
#include "kernel/netns_file.h"
#include "kernel/unique_fd.h"
#include "network/bridge_driver.h"
#include "network/controller.h"
#include "network/dns/dns_server.h"
#include "runtime/fs_util.h"
#include "store/collection.h"

namespace berth::network {

using nlohmann::json;

namespace {

std::string plainAddress(const std::string& cidr) { return cidr.substr(0, cidr.find('/')); }

int prefixLength(const std::string& cidr) {
  size_t slash = cidr.find('/');
  return slash == std::string::npos ? 0 : std::stoi(cidr.substr(slash + 1));
}

bool isV6(const std::string& s) { return s.find(':') != std::string::npos; }

// The network a mode names: "bridge", a name or an id ("" / "default" = bridge).
std::string networkOfMode(std::string_view mode) {
  if (mode.empty() || mode == "default") {
    return "bridge";
  }
  return std::string(mode);
}

bool sharesNamespace(std::string_view mode) {
  return mode == "host" || mode == "none" || mode.rfind("container:", 0) == 0;
}

std::vector<std::string> stringList(const json& j) {
  std::vector<std::string> out;
  if (j.is_array()) {
    for (const auto& e : j) {
      if (e.is_string()) {
        out.push_back(e.get<std::string>());
      }
    }
  }
  return out;
}

// dockerd's two refusals of a static address, in its order
// (runconfig.ErrUnsupportedNetworkAndIP, ErrUnsupportedNetworkNoSubnetAndIP).
Status checkStaticAddress(const NetworkRecord& n, const std::string& want4,
                          const std::string& want6) {
  if (want4.empty() && want6.empty()) {
    return okStatus();
  }
  if (n.builtin) {
    return invalidArgument("user specified IP address is supported on user defined networks only");
  }
  bool userSubnet = std::any_of(n.ipam.begin(), n.ipam.end(),
                                [](const IpamConfig& cfg) { return cfg.userSubnet; });
  if (!userSubnet) {
    return invalidArgument(
        "user specified IP address is supported only when connecting to networks with user "
        "configured subnets");
  }
  return okStatus();
}

std::string requestedAddress(const json& endpointConfig, const char* key) {
  json ipamConfig = endpointConfig.is_object() ? endpointConfig.value("IPAMConfig", json())
                                               : json();
  return ipamConfig.is_object() ? ipamConfig.value(key, "") : "";
}

}  // namespace

struct Controller::JoinRequest {};

Status Controller::checkNetworkMode(std::string_view mode) const {
  if (mode == "host" || mode == "none") {
    return okStatus();
  }
  if (mode.rfind("container:", 0) == 0) {
    if (mode.size() == 10) {
      return invalidArgument("invalid network mode: container: needs a container name or id");
    }
    return okStatus();
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto n = findLocked(networkOfMode(mode));
  if (!n.ok()) {
    return Error(n.error());
  }
  return okStatus();
}

std::vector<EndpointRecord> Controller::endpointsOf(const std::string& containerId) const {
  std::vector<EndpointRecord> out;
  for (const auto& [id, ep] : endpoints_) {
    if (ep.containerId == containerId) {
      out.push_back(ep);
    }
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.ifName.size() != b.ifName.size()
                                                          ? a.ifName.size() < b.ifName.size()
                                                          : a.ifName < b.ifName; });
  return out;
}

json Controller::endpointSettings(const NetworkRecord& n, const EndpointRecord& ep,
                                  const json& endpointConfig) const {
  std::string gw4;
  std::string gw6;
  for (const auto& c : n.ipam) {
    (isV6(c.subnet) ? gw6 : gw4) = c.gateway;
  }
  json ipamConfig = endpointConfig.is_object() ? endpointConfig.value("IPAMConfig", json())
                                               : json();
  json aliases = ep.aliases.empty() ? json(nullptr) : json(ep.aliases);
  json dnsNames = json::array();
  if (!n.builtin) {
    dnsNames.push_back(ep.containerName);
    for (const auto& a : ep.aliases) {
      dnsNames.push_back(a);
    }
    dnsNames.push_back(ep.containerId.substr(0, 12));
  }
  return {{"IPAMConfig", ipamConfig.is_object() && !ipamConfig.empty() ? ipamConfig : json()},
          {"Links", nullptr},
          {"Aliases", aliases},
          {"MacAddress", ep.mac},
          {"NetworkID", n.id},
          {"EndpointID", ep.id},
          {"Gateway", ep.ipv4.empty() ? "" : gw4},
          {"IPAddress", plainAddress(ep.ipv4)},
          {"IPPrefixLen", ep.ipv4.empty() ? 0 : prefixLength(ep.ipv4)},
          {"IPv6Gateway", ep.ipv6.empty() ? "" : gw6},
          {"GlobalIPv6Address", plainAddress(ep.ipv6)},
          {"GlobalIPv6PrefixLen", ep.ipv6.empty() ? 0 : prefixLength(ep.ipv6)},
          {"DriverOpts", nullptr},
          {"DNSNames", n.builtin ? json(nullptr) : dnsNames}};
}

// The networks a container joins at start: what it was connected to, else
// its network mode plus the other networks of its create request.
Result<std::vector<AttachmentEntry>> Controller::attachmentsFor(
    const container::SandboxRequest& req) {
  store::Collection<AttachmentRecord> coll(store_, kAttachmentsPrefix, "attachment");
  if (auto stored = coll.get(req.containerId); stored.ok()) {
    return stored->networks;
  }
  AttachmentRecord rec;
  rec.containerId = req.containerId;
  json configs = req.networkingConfig.is_object()
                     ? req.networkingConfig.value("EndpointsConfig", json::object())
                     : json::object();
  if (!configs.is_object()) {
    configs = json::object();
  }
  BERTH_ASSIGN_OR_RETURN(NetworkRecord first, findLocked(networkOfMode(req.networkMode)));
  auto configFor = [&](const NetworkRecord& n, const std::string& asNamed) {
    for (const std::string& key : {asNamed, n.name, n.id, std::string("default")}) {
      if (configs.contains(key) && configs[key].is_object()) {
        return configs[key];
      }
    }
    return json(json::object());
  };
  rec.networks.push_back({first.id, configFor(first, req.networkMode)});
  for (const auto& [key, cfg] : configs.items()) {
    auto n = findLocked(networkOfMode(key));
    if (!n.ok()) {
      return Unexpected(std::move(n).error());
    }
    bool dup = std::any_of(rec.networks.begin(), rec.networks.end(),
                           [&](const AttachmentEntry& e) { return e.networkId == n->id; });
    if (!dup) {
      rec.networks.push_back({n->id, cfg});
    }
  }
  auto r = store_.update([&](store::Txn& txn) { return coll.put(txn, rec.containerId, rec); });
  if (!r.ok()) {
    return Unexpected(std::move(r).error());
  }
  return rec.networks;
}

Result<EndpointRecord> Controller::joinLocked(const NetworkRecord& n, const ContainerInfo& c,
                                              const json& endpointConfig, int sandboxFd,
                                              const std::string& ifName, bool gateway,
                                              const std::vector<PortRequest>& ports) {
  Driver* d = driverOf(n.driver);
  if (d == nullptr) {
    return invalidArgument("network " + n.name + " (driver " + n.driver +
                           ") takes no endpoints");
  }
  EndpointRecord ep;
  ep.id = generateId();
  ep.networkId = n.id;
  ep.containerId = c.id;
  ep.containerName = c.name;
  ep.ifName = ifName;
  ep.gatewayEndpoint = gateway;
  std::string want4 = requestedAddress(endpointConfig, "IPv4Address");
  std::string want6 = requestedAddress(endpointConfig, "IPv6Address");
  BERTH_TRY(checkStaticAddress(n, want4, want6));
  if (endpointConfig.is_object()) {
    ep.aliases = stringList(endpointConfig.value("Aliases", json()));
    ep.mac = endpointConfig.value("MacAddress", "");
  }
  std::vector<std::pair<std::string, std::string>> taken;  // pool, address
  auto release = [&] {
    for (const auto& [pool, addr] : taken) {
      (void)ipam_.releaseAddress(pool, addr);
    }
  };
  for (const auto& cfg : n.ipam) {
    bool v6 = isV6(cfg.subnet);
    const std::string& want = v6 ? want6 : want4;
    std::string& slot = v6 ? ep.ipv6 : ep.ipv4;
    if (!slot.empty()) {
      continue;  // one address per family (the first subnet that has room)
    }
    if (!want.empty()) {
      auto sub = IpPrefix::parse(cfg.subnet);
      auto ip = IpAddress::parse(want);
      if (!ip.ok()) {
        release();
        return invalidArgument("invalid IP address " + want);
      }
      if (!sub.ok() || !sub->contains(*ip)) {
        continue;
      }
    }
    auto addr = ipam_.requestAddress(cfg.subnet, want);
    if (!addr.ok()) {
      if (!want.empty()) {
        release();
        return Unexpected(std::move(addr).error());
      }
      continue;  // this subnet is full; another of the family may have room
    }
    slot = *addr;
    taken.emplace_back(cfg.subnet, *addr);
  }
  if ((!want4.empty() && ep.ipv4.empty()) || (!want6.empty() && ep.ipv6.empty())) {
    release();
    return invalidArgument("no configured subnet contains IP address " +
                           (ep.ipv4.empty() && !want4.empty() ? want4 : want6));
  }
  if (ep.ipv4.empty() && ep.ipv6.empty() && !n.ipam.empty()) {
    release();
    return unavailable("no available IPv4 addresses on this network's address pools: " + n.name);
  }
  if (!ports.empty() && !n.internal) {
    std::vector<PortMapping> inUse;
    for (const auto& [id, other] : endpoints_) {
      inUse.insert(inUse.end(), other.ports.begin(), other.ports.end());
    }
    // The network's host_binding_ipv4 is where `-p 80` binds when no address
    // is given: record it in the mapping, so `port` and inspect show it and
    // conflicts are judged on it.
    std::vector<PortRequest> requests = ports;
    auto binding = n.options.find(kOptHostBinding);
    if (binding != n.options.end() && binding->second != "0.0.0.0") {
      for (auto& r : requests) {
        if (r.hostIp.empty()) {
          r.hostIp = binding->second;
        }
      }
    }
    PortAllocator alloc(o_.portProbe, ephemeralPortRange());
    auto mapped = alloc.allocate(requests, inUse);
    if (!mapped.ok()) {
      release();
      return Unexpected(std::move(mapped).error());
    }
    ep.ports = std::move(mapped).value();
  }
  if (Status st = d->join(n, ep, sandboxFd, gateway); !st.ok()) {
    release();
    return Unexpected(st.error());
  }
  if (Status st = putEndpoint(ep); !st.ok()) {
    (void)d->leave(n, ep);
    release();
    return Unexpected(st.error());
  }
  return ep;
}

void Controller::leaveLocked(const EndpointRecord& ep) {
  if (dns_ != nullptr) {
    dns_->removeEndpoint(ep.networkId, ep.containerId);
  }
  auto n = networks_.find(ep.networkId);
  if (n != networks_.end()) {
    if (Driver* d = driverOf(n->second.driver); d != nullptr) {
      if (Status st = d->leave(n->second, ep); !st.ok()) {
        spdlog::warn("endpoint {} of {}: {}", ep.id, ep.containerId, st.error().message());
      }
    }
    for (const auto& cfg : n->second.ipam) {
      for (const std::string* a : {&ep.ipv4, &ep.ipv6}) {
        if (a->empty()) {
          continue;
        }
        auto sub = IpPrefix::parse(cfg.subnet);
        auto ip = IpAddress::parse(plainAddress(*a));
        if (sub.ok() && ip.ok() && sub->contains(*ip)) {
          (void)ipam_.releaseAddress(cfg.subnet, *a);
        }
      }
    }
  }
  (void)deleteEndpointRecord(ep.id);
}

Result<json> Controller::sandboxNetworks(const std::string& containerId, json* ports) const {
  store::Collection<AttachmentRecord> coll(store_, kAttachmentsPrefix, "attachment");
  auto att = coll.get(containerId);
  json nets = json::object();
  std::vector<PortMapping> all;
  for (const auto& ep : endpointsOf(containerId)) {
    auto n = networks_.find(ep.networkId);
    if (n == networks_.end()) {
      continue;
    }
    json cfg = json::object();
    if (att.ok()) {
      for (const auto& e : att->networks) {
        if (e.networkId == ep.networkId) {
          cfg = e.endpointConfig;
        }
      }
    }
    nets[n->second.name] = endpointSettings(n->second, ep, cfg);
    all.insert(all.end(), ep.ports.begin(), ep.ports.end());
  }
  if (ports != nullptr) {
    *ports = portsJson(all);
  }
  return nets;
}

Result<container::Sandbox> Controller::create(const container::SandboxRequest& req) {
  container::Sandbox sb;
  sb.id = generateId();
  const std::string& mode = req.networkMode;
  // container:NAME asks the container directory, which must not be called
  // with mu_ held (it may be inside the container service's own locks).
  if (mode.rfind("container:", 0) == 0) {
    if (containers_ == nullptr) {
      return internal("network mode container: needs the container directory");
    }
    BERTH_ASSIGN_OR_RETURN(ContainerInfo other, containers_->find(mode.substr(10)));
    if (other.id == req.containerId) {
      return invalidArgument("cannot join own network");
    }
    if (!other.running || other.sandboxKey.empty()) {
      // dockerd's message (getNetworkedContainer).
      return conflict("cannot join network of a non running container: " + other.id);
    }
    sb.netnsPath = other.sandboxKey;
    return sb;
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto builtinSettings = [&](const std::string& name) {
    auto n = findLocked(name);
    EndpointRecord ep;
    ep.id = generateId();
    return n.ok() ? endpointSettings(*n, ep, json::object()) : json::object();
  };
  if (mode == "host") {
    sb.hostNetwork = true;
    sb.networks["host"] = builtinSettings("host");
    return sb;
  }
  BERTH_TRY(makeDirs(o_.execRoot + "/netns", 0700));
  std::string path = netnsPath(req.containerId);
  // A file left by a crash between create and cleanup.
  BERTH_TRY(removeNetnsFile(path));
  BERTH_TRY(createNetnsFile(path));
  sb.netnsPath = path;
  if (mode == "none") {
    sb.networks["none"] = builtinSettings("none");
    return sb;
  }
  std::vector<EndpointRecord> joined;
  auto rollback = [&] {
    for (auto it = joined.rbegin(); it != joined.rend(); ++it) {
      leaveLocked(*it);
    }
    deleteSandboxRecord(req.containerId);
    (void)removeNetnsFile(path);
    (void)applyFirewall();
  };
  auto attachments = attachmentsFor(req);
  if (!attachments.ok()) {
    rollback();
    return Unexpected(std::move(attachments).error());
  }
  auto ports = parsePortRequests(req.hostConfig, req.exposedPorts);
  if (!ports.ok()) {
    rollback();
    return Unexpected(std::move(ports).error());
  }
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    rollback();
    return systemError("open " + path, errno);
  }
  ContainerInfo c{req.containerId, req.containerName, true, req.networkMode, path};
  bool haveGateway = false;
  int index = 0;
  for (const auto& a : *attachments) {
    auto n = networks_.find(a.networkId);
    if (n == networks_.end()) {
      rollback();
      return notFound("network " + a.networkId + " not found");
    }
    Driver* d = driverOf(n->second.driver);
    if (d == nullptr) {
      continue;  // host/none among several networks: nothing to plug
    }
    bool gateway = !haveGateway && !n->second.internal;
    auto ep = joinLocked(n->second, c, a.endpointConfig, fd.get(), "eth" + std::to_string(index),
                         gateway, gateway && d->natted() ? *ports : std::vector<PortRequest>{});
    if (!ep.ok()) {
      rollback();
      return Unexpected(std::move(ep).error().withContext("network " + n->second.name));
    }
    haveGateway = haveGateway || gateway;
    ++index;
    joined.push_back(*ep);
    for (const std::string* addr : {&ep->ipv4, &ep->ipv6}) {
      if (!addr->empty()) {
        sb.addresses.push_back(plainAddress(*addr));
      }
    }
  }
  if (Status st = applyFirewall(); !st.ok()) {
    rollback();
    return Unexpected(st.error());
  }
  SandboxRecord rec{
      req.containerId, req.hostname,
      stringList(req.hostConfig.is_object() ? req.hostConfig.value("Dns", json()) : json())};
  if (Status st = putSandboxRecord(rec); !st.ok()) {
    rollback();
    return Unexpected(st.error());
  }
  if (Status st = serveDns(req, fd.get(), joined, &sb); !st.ok()) {
    rollback();
    return Unexpected(st.error());
  }
  auto nets = sandboxNetworks(req.containerId, &sb.ports);
  if (!nets.ok()) {
    rollback();
    return Unexpected(std::move(nets).error());
  }
  sb.networks = std::move(nets).value();
  for (const auto& ep : joined) {
    emit(networks_[ep.networkId], "connect", req.containerId);
  }
  return sb;
}

// The names an endpoint answers to on its network's embedded DNS.
std::vector<std::string> Controller::dnsNamesOf(const EndpointRecord& ep,
                                                const std::string& hostname) {
  std::vector<std::string> names = {ep.containerName};
  names.insert(names.end(), ep.aliases.begin(), ep.aliases.end());
  names.push_back(ep.containerId.substr(0, 12));
  if (!hostname.empty() && hostname != names.back()) {
    names.push_back(hostname);
  }
  return names;
}

void Controller::publishDnsRecords(const EndpointRecord& ep, const std::string& hostname) {
  auto n = networks_.find(ep.networkId);
  if (dns_ == nullptr || n == networks_.end() || n->second.builtin) {
    return;  // dockerd's default bridge has no name resolution
  }
  std::vector<std::string> addrs;
  for (const std::string* a : {&ep.ipv4, &ep.ipv6}) {
    if (!a->empty()) {
      addrs.push_back(*a);
    }
  }
  dns_->addEndpoint(ep.networkId, n->second.name, ep.containerId, dnsNamesOf(ep, hostname), addrs);
}

SandboxRecord Controller::sandboxRecordOf(const std::string& containerId) const {
  store::Collection<SandboxRecord> coll(store_, kSandboxesPrefix, "sandbox");
  auto rec = coll.get(containerId);
  return rec.ok() ? *rec : SandboxRecord{containerId, "", {}};
}

Status Controller::putSandboxRecord(const SandboxRecord& rec) {
  store::Collection<SandboxRecord> coll(store_, kSandboxesPrefix, "sandbox");
  auto r = store_.update([&](store::Txn& txn) { return coll.put(txn, rec.containerId, rec); });
  return r.ok() ? okStatus() : Status(std::move(r).error());
}

void Controller::deleteSandboxRecord(const std::string& containerId) {
  store::Collection<SandboxRecord> coll(store_, kSandboxesPrefix, "sandbox");
  (void)store_.update([&](store::Txn& txn) { return coll.del(txn, containerId); });
}

void Controller::dropStaleSandboxRecords() {
  store::Collection<SandboxRecord> coll(store_, kSandboxesPrefix, "sandbox");
  auto all = coll.list();
  if (!all.ok()) {
    return;
  }
  for (const SandboxRecord& rec : *all) {
    if (::access(netnsPath(rec.containerId).c_str(), F_OK) != 0) {
      deleteSandboxRecord(rec.containerId);
    }
  }
}

// A sandbox with an endpoint on a user-defined network gets the embedded
// resolver at 127.0.0.11 (docs/dns.md); its --dns servers become the
// resolver's upstreams.
Status Controller::serveDns(const container::SandboxRequest& req, int sandboxFd,
                            const std::vector<EndpointRecord>& joined, container::Sandbox* sb) {
  if (dns_ == nullptr) {
    return okStatus();
  }
  bool anyUser = false;
  bool allInternal = true;
  for (const auto& ep : joined) {
    const NetworkRecord& n = networks_[ep.networkId];
    if (!n.builtin) {
      anyUser = true;
      allInternal = allInternal && n.internal;
    }
  }
  if (!anyUser) {
    return okStatus();
  }
  dns::SandboxDns cfg;
  cfg.servers = stringList(req.hostConfig.value("Dns", json()));
  cfg.internalOnly = allInternal;
  BERTH_TRY(dns_->addSandbox(req.containerId, sandboxFd, cfg));
  for (const auto& ep : joined) {
    publishDnsRecords(ep, req.hostname);
  }
  sb->nameservers = {"127.0.0.11"};
  return okStatus();
}

Status Controller::destroy(const std::string& containerId, const std::string& networkMode) {
  if (networkMode == "host" || networkMode.rfind("container:", 0) == 0) {
    return okStatus();
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (dns_ != nullptr) {
    dns_->removeSandbox(containerId);
  }
  deleteSandboxRecord(containerId);
  auto eps = endpointsOf(containerId);
  for (const auto& ep : eps) {
    leaveLocked(ep);
    emit(networks_[ep.networkId], "disconnect", containerId);
  }
  Status fw = eps.empty() ? okStatus() : applyFirewall();
  Status ns = removeNetnsFile(netnsPath(containerId));
  return !fw.ok() ? fw : ns;
}

void Controller::containerRemoved(const std::string& containerId) {
  store::Collection<AttachmentRecord> coll(store_, kAttachmentsPrefix, "attachment");
  std::lock_guard<std::mutex> lock(mu_);
  (void)store_.update([&](store::Txn& txn) { return coll.del(txn, containerId); });
  deleteSandboxRecord(containerId);  // normally gone with destroy() already
}

// dockerd renames the endpoints (sb.Rename): `network inspect` shows the new
// name and the resolver answers to it, not to the old one, on every network.
// The records are written in one transaction before anything else changes.
Status Controller::renameEndpoints(const std::string& containerId, const std::string& newName) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<EndpointRecord> eps = endpointsOf(containerId);
  if (eps.empty()) {
    return okStatus();
  }
  for (EndpointRecord& ep : eps) {
    ep.containerName = newName;
  }
  store::Collection<EndpointRecord> coll(store_, kEndpointsPrefix, "endpoint");
  auto r = store_.update([&](store::Txn& txn) -> Status {
    for (const EndpointRecord& ep : eps) {
      BERTH_TRY(coll.put(txn, ep.id, ep));
    }
    return okStatus();
  });
  if (!r.ok()) {
    return Unexpected(std::move(r).error());
  }
  std::string hostname = sandboxRecordOf(containerId).hostname;
  for (const EndpointRecord& ep : eps) {
    endpoints_[ep.id] = ep;
    publishDnsRecords(ep, hostname);  // replaces the old names
  }
  return okStatus();
}

AttachmentRecord Controller::attachmentsOrMode(const ContainerInfo& c) const {
  store::Collection<AttachmentRecord> coll(store_, kAttachmentsPrefix, "attachment");
  if (auto stored = coll.get(c.id); stored.ok()) {
    return *stored;
  }
  AttachmentRecord att;
  att.containerId = c.id;
  if (!sharesNamespace(c.networkMode)) {
    if (auto first = findLocked(networkOfMode(c.networkMode)); first.ok()) {
      att.networks.push_back({first->id, json::object()});
    }
  }
  return att;
}

Status Controller::connect(const std::string& idOrName, const json& body) {
  if (containers_ == nullptr) {
    return internal("network connect needs the container directory");
  }
  std::string who = body.is_object() ? body.value("Container", "") : "";
  json cfg = body.is_object() ? body.value("EndpointConfig", json::object()) : json::object();
  if (cfg.is_null()) {
    cfg = json::object();
  }
  BERTH_ASSIGN_OR_RETURN(ContainerInfo c, containers_->find(who));
  std::unique_lock<std::mutex> lock(mu_);
  BERTH_ASSIGN_OR_RETURN(NetworkRecord n, findLocked(idOrName));
  if (n.driver == "host" || n.driver == "null") {
    return forbidden("container cannot be disconnected from host network or connected to host "
                     "network");
  }
  if (sharesNamespace(c.networkMode)) {
    return forbidden("container sharing network namespace with another container or host "
                     "cannot be connected to any other network");
  }
  store::Collection<AttachmentRecord> coll(store_, kAttachmentsPrefix, "attachment");
  AttachmentRecord att = attachmentsOrMode(c);
  bool already = std::any_of(att.networks.begin(), att.networks.end(),
                             [&](const AttachmentEntry& e) { return e.networkId == n.id; });
  if (already) {
    return forbidden("endpoint with name " + c.name + " already exists in network " + n.name);
  }
  // Checked here too for a stopped container, which joins only at its start.
  BERTH_TRY(checkStaticAddress(n, requestedAddress(cfg, "IPv4Address"),
                               requestedAddress(cfg, "IPv6Address")));
  if (c.running) {
    auto eps = endpointsOf(c.id);
    int index = 0;
    auto used = [&](int i) {
      return std::any_of(eps.begin(), eps.end(), [&](const EndpointRecord& e) {
        return e.ifName == "eth" + std::to_string(i);
      });
    };
    while (used(index)) {
      ++index;
    }
    bool gateway = !n.internal && std::none_of(eps.begin(), eps.end(), [](const auto& e) {
      return e.gatewayEndpoint;
    });
    UniqueFd fd(::open(netnsPath(c.id).c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
      return systemError("open the sandbox of container " + c.id, errno);
    }
    BERTH_ASSIGN_OR_RETURN(EndpointRecord ep, joinLocked(n, c, cfg, fd.get(),
                                                         "eth" + std::to_string(index), gateway,
                                                         {}));
    if (Status fw = applyFirewall(); !fw.ok()) {
      leaveLocked(ep);
      return fw;
    }
    publishDnsRecords(ep, sandboxRecordOf(c.id).hostname);
  }
  att.networks.push_back({n.id, cfg});
  auto saved = store_.update([&](store::Txn& txn) { return coll.put(txn, c.id, att); });
  if (!saved.ok()) {
    // Not recorded, so not connected: undo the join.
    for (const auto& ep : endpointsOf(c.id)) {
      if (ep.networkId == n.id) {
        leaveLocked(ep);
      }
    }
    (void)applyFirewall();
    return Unexpected(std::move(saved).error());
  }
  emit(n, "connect", c.id);
  if (c.running) {
    json ports;
    BERTH_ASSIGN_OR_RETURN(json nets, sandboxNetworks(c.id, &ports));
    lock.unlock();
    return containers_->setNetworkSettings(c.id, nets, ports);
  }
  return okStatus();
}

Status Controller::disconnect(const std::string& idOrName, const std::string& container,
                              bool force) {
  if (containers_ == nullptr) {
    return internal("network disconnect needs the container directory");
  }
  auto c = containers_->find(container);
  std::unique_lock<std::mutex> lock(mu_);
  BERTH_ASSIGN_OR_RETURN(NetworkRecord n, findLocked(idOrName));
  if (!c.ok()) {
    if (!force) {
      return Unexpected(std::move(c).error());
    }
    // -f: clean up the endpoint of a container that is gone.
    for (const auto& [id, ep] : std::map<std::string, EndpointRecord>(endpoints_)) {
      if (ep.networkId == n.id && (ep.containerId == container || ep.containerName == container)) {
        leaveLocked(ep);
      }
    }
    return applyFirewall();
  }
  if (n.driver == "host") {
    return forbidden("container cannot be disconnected from host network or connected to host "
                     "network");
  }
  store::Collection<AttachmentRecord> coll(store_, kAttachmentsPrefix, "attachment");
  // A container never started has no record yet: it is on its network mode's network.
  Result<AttachmentRecord> att = attachmentsOrMode(*c);
  bool attached = false;
  if (att.ok()) {
    auto& v = att->networks;
    auto it = std::remove_if(v.begin(), v.end(),
                             [&](const AttachmentEntry& e) { return e.networkId == n.id; });
    attached = it != v.end();
    v.erase(it, v.end());
  }
  auto eps = endpointsOf(c->id);
  auto ep = std::find_if(eps.begin(), eps.end(),
                         [&](const EndpointRecord& e) { return e.networkId == n.id; });
  if (!attached && ep == eps.end()) {
    return forbidden("container " + c->id + " is not connected to network " + n.name);
  }
  if (ep != eps.end()) {
    leaveLocked(*ep);
    BERTH_TRY(applyFirewall());
  }
  if (att.ok()) {
    auto saved = store_.update([&](store::Txn& txn) { return coll.put(txn, c->id, *att); });
    if (!saved.ok()) {
      return Unexpected(std::move(saved).error());
    }
  }
  emit(n, "disconnect", c->id);
  if (c->running) {
    json ports;
    BERTH_ASSIGN_OR_RETURN(json nets, sandboxNetworks(c->id, &ports));
    lock.unlock();
    return containers_->setNetworkSettings(c->id, nets, ports);
  }
  return okStatus();
}

}  // namespace berth::network
