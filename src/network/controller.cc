#include "network/controller.h"

#include <fcntl.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <iterator>
#include <regex>
#include <set>

#include "common/ids.h"
#include "common/ip.h"
#include "common/strings.h"
#include "common/time_format.h"
#include "container/json_fields.h"
#include "kernel/netlink.h"
#include "kernel/unique_fd.h"
#include "network/bridge_driver.h"
#include "network/dns/dns_server.h"
#include "store/collection.h"

namespace berth::network {

using nlohmann::json;

namespace {

// dockerd's rule for network names.
bool validName(const std::string& name) {
  static const std::regex kName("^[a-zA-Z0-9][a-zA-Z0-9_.-]*$");
  return std::regex_match(name, kName);
}

// A member of a request object, null when missing.
json field(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it == obj.end() ? json() : *it;
}

std::map<std::string, std::string> stringMap(const json& j, const std::string& what,
                                             Status* st) {
  std::map<std::string, std::string> out;
  if (j.is_null()) {
    return out;
  }
  if (!j.is_object()) {
    *st = invalidArgument(what + " must be an object of strings");
    return out;
  }
  for (const auto& [k, v] : j.items()) {
    if (!v.is_string()) {
      *st = invalidArgument(fmt::format("{}.{} must be a string", what, k));
      return out;
    }
    out[k] = v.get<std::string>();
  }
  return out;
}

std::string stripPrefixLen(const std::string& cidr) { return cidr.substr(0, cidr.find('/')); }

std::vector<std::string> kernelRouteDestinations() {
  std::vector<std::string> out;
  auto nl = Netlink::open();
  if (!nl.ok()) {
    return out;
  }
  for (bool v6 : {false, true}) {
    if (auto r = nl->routeDestinations(v6); r.ok()) {
      for (auto& d : *r) {
        if (d != "0.0.0.0/0" && d != "::/0") {
          out.push_back(std::move(d));
        }
      }
    }
  }
  return out;
}

}  // namespace

Controller::Controller(store::Store& store, events::EventBus& events, Ipam& ipam,
                       Firewall& firewall, ControllerOptions options)
    : store_(store), events_(events), ipam_(ipam), firewall_(firewall), o_(std::move(options)) {
  if (!o_.hostRoutes) {
    o_.hostRoutes = kernelRouteDestinations;
  }
  if (!o_.portProbe) {
    o_.portProbe = hostPortFree;
  }
}

Controller::~Controller() = default;

void Controller::addDriver(std::unique_ptr<Driver> driver) {
  std::string name = driver->name();
  drivers_[name] = std::move(driver);
}

void Controller::setContainers(ContainerDirectory* containers) {
  containers_ = containers;
  if (containers_ != nullptr) {
    dropOrphans();
  }
}

// Endpoints and attachments of containers that no longer exist (a crash
// between a container's removal and its network cleanup) are released. Asks
// the directory without holding mu_: it may call back into the controller.
void Controller::dropOrphans() {
  std::vector<EndpointRecord> eps;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [id, ep] : endpoints_) {
      eps.push_back(ep);
    }
  }
  store::Collection<AttachmentRecord> atts(store_, kAttachmentsPrefix, "attachment");
  auto stored = atts.list();
  auto gone = [&](const std::string& containerId) {
    auto c = containers_->find(containerId);
    return !c.ok() && c.error().kind() == ErrorKind::kNotFound;
  };
  std::vector<EndpointRecord> deadEps;
  std::copy_if(eps.begin(), eps.end(), std::back_inserter(deadEps),
               [&](const EndpointRecord& ep) { return gone(ep.containerId); });
  std::vector<std::string> deadAtts;
  if (stored.ok()) {
    for (const auto& a : *stored) {
      if (gone(a.containerId)) {
        deadAtts.push_back(a.containerId);
      }
    }
  }
  if (deadEps.empty() && deadAtts.empty()) {
    return;
  }
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& ep : deadEps) {
    spdlog::warn("endpoint {} belongs to container {}, which is gone; releasing it", ep.id,
                 ep.containerId);
    leaveLocked(ep);
  }
  for (const auto& id : deadAtts) {
    (void)store_.update([&](store::Txn& txn) { return atts.del(txn, id); });
  }
  if (Status st = applyFirewall(); !st.ok()) {
    spdlog::error("firewall after releasing orphaned endpoints: {}", st.error().message());
  }
}

// Host ends of veth pairs on berth's bridges that no endpoint owns: left by a
// crash in the middle of a join. Deleting the host end deletes the pair.
void Controller::sweepStrayVeths() {
  auto nl = Netlink::open();
  if (!nl.ok()) {
    return;
  }
  auto all = nl->links();
  if (!all.ok()) {
    return;
  }
  std::set<int> bridges;
  std::set<std::string> owned;
  for (const auto& [id, n] : networks_) {
    for (const auto& l : *all) {
      if (!n.bridge.empty() && l.name == n.bridge) {
        bridges.insert(l.index);
      }
    }
  }
  for (const auto& [id, ep] : endpoints_) {
    owned.insert(ep.hostIfName);
  }
  for (const auto& l : *all) {
    if (l.kind == "veth" && bridges.count(l.masterIndex) != 0 && owned.count(l.name) == 0) {
      spdlog::warn("removing {}: a veth on a berth bridge that no endpoint owns", l.name);
      (void)nl->deleteLink(l.name);
    }
  }
}

int64_t Controller::now() const {
  if (o_.clock) {
    return o_.clock();
  }
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Controller::netnsPath(const std::string& containerId) const {
  return o_.execRoot + "/netns/" + containerId;
}

Driver* Controller::driverOf(const std::string& name) const {
  auto it = drivers_.find(name);
  return it == drivers_.end() ? nullptr : it->second.get();
}

Status Controller::putNetwork(const NetworkRecord& n) {
  store::Collection<NetworkRecord> coll(store_, kNetworksPrefix, "network");
  auto r = store_.update([&](store::Txn& txn) { return coll.put(txn, n.id, n); });
  if (!r.ok()) {
    return Unexpected(std::move(r).error());
  }
  networks_[n.id] = n;
  return okStatus();
}

Status Controller::putEndpoint(const EndpointRecord& ep) {
  store::Collection<EndpointRecord> coll(store_, kEndpointsPrefix, "endpoint");
  auto r = store_.update([&](store::Txn& txn) { return coll.put(txn, ep.id, ep); });
  if (!r.ok()) {
    return Unexpected(std::move(r).error());
  }
  endpoints_[ep.id] = ep;
  return okStatus();
}

Status Controller::deleteEndpointRecord(const std::string& id) {
  store::Collection<EndpointRecord> coll(store_, kEndpointsPrefix, "endpoint");
  auto r = store_.update([&](store::Txn& txn) { return coll.del(txn, id); });
  endpoints_.erase(id);
  return r.ok() ? okStatus() : Status(std::move(r).error());
}

void Controller::emit(const NetworkRecord& n, const std::string& action,
                      const std::string& containerId) {
  std::map<std::string, std::string> attrs = {{"name", n.name}, {"type", n.driver}};
  if (!containerId.empty()) {
    attrs["container"] = containerId;
  }
  events_.publish(events::Event{"network", action, n.id, std::move(attrs), "local", 0});
}

// --- start-up ----------------------------------------------------------------

Status Controller::init() {
  std::lock_guard<std::mutex> lock(mu_);
  store::Collection<NetworkRecord> nets(store_, kNetworksPrefix, "network");
  store::Collection<EndpointRecord> eps(store_, kEndpointsPrefix, "endpoint");
  BERTH_ASSIGN_OR_RETURN(std::vector<NetworkRecord> stored, nets.list());
  for (NetworkRecord& n : stored) {
    Driver* d = driverOf(n.driver);
    if (n.state != "ready") {
      // A create that did not finish: undo what it may have made.
      spdlog::warn("network {} ({}) was left half-made; removing it", n.name, n.id);
      if (d != nullptr) {
        (void)d->deleteNetwork(n);
      }
      (void)store_.update([&](store::Txn& txn) { return nets.del(txn, n.id); });
      continue;
    }
    for (auto& c : n.ipam) {
      PoolRequest pr{c.subnet, c.ipRange, c.gateway, c.auxAddresses,
                     c.subnet.find(':') != std::string::npos, {}};
      auto pool = ipam_.requestPool(pr);
      if (!pool.ok()) {
        spdlog::error("network {}: cannot reserve its subnet {} again: {}", n.name, c.subnet,
                      pool.error().message());
      }
    }
    if (d != nullptr) {
      if (Status st = d->restoreNetwork(n); !st.ok()) {
        spdlog::error("network {}: {}", n.name, st.error().message());
      }
    }
    networks_[n.id] = n;
  }
  BERTH_ASSIGN_OR_RETURN(std::vector<EndpointRecord> storedEps, eps.list());
  for (EndpointRecord& ep : storedEps) {
    auto net = networks_.find(ep.networkId);
    bool sandboxAlive = ::access(netnsPath(ep.containerId).c_str(), F_OK) == 0;
    if (net == networks_.end() || !sandboxAlive) {
      // Its container's sandbox is gone (a reboot, a crash mid-teardown).
      if (net != networks_.end()) {
        if (Driver* d = driverOf(net->second.driver); d != nullptr) {
          (void)d->leave(net->second, ep);
        }
      }
      (void)store_.update([&](store::Txn& txn) { return eps.del(txn, ep.id); });
      continue;
    }
    for (const std::string* a : {&ep.ipv4, &ep.ipv6}) {
      if (a->empty()) {
        continue;
      }
      for (const auto& c : net->second.ipam) {
        auto sub = IpPrefix::parse(c.subnet);
        auto ip = IpAddress::parse(stripPrefixLen(*a));
        if (sub.ok() && ip.ok() && sub->contains(*ip)) {
          (void)ipam_.requestAddress(c.subnet, stripPrefixLen(*a));
        }
      }
    }
    endpoints_[ep.id] = ep;
  }
  sweepStrayVeths();
  dropStaleSandboxRecords();
  restoreDns();
  // The predefined networks, at first start.
  auto has = [&](const std::string& name) {
    return std::any_of(networks_.begin(), networks_.end(),
                       [&](const auto& kv) { return kv.second.name == name; });
  };
  for (const auto& [name, driver] : std::vector<std::pair<std::string, std::string>>{
           {"none", "null"}, {"host", "host"}, {"bridge", "bridge"}}) {
    if (has(name)) {
      continue;
    }
    NetworkRecord n;
    n.id = generateId();
    n.name = name;
    n.driver = driver;
    n.builtin = true;
    json configs = json::array();
    if (driver == "bridge") {
      n.options = {{kOptDefaultBridge, "true"},
                   {kOptEnableIcc, "true"},
                   {kOptMasquerade, "true"},
                   {kOptHostBinding, "0.0.0.0"},
                   {kOptBridgeName, o_.defaultBridge},
                   {kOptMtu, "1500"}};
      if (!o_.defaultBridgeSubnet.empty()) {
        // dockerd's bip: the bridge's own address in its subnet ("172.26.0.1/16").
        BERTH_ASSIGN_OR_RETURN(IpPrefix bip, IpPrefix::parseInterface(o_.defaultBridgeSubnet));
        json c = {{"Subnet", bip.masked().toString()}};
        if (bip.address() != bip.masked().address()) {
          c["Gateway"] = bip.address().toString();
        }
        configs.push_back(std::move(c));
      }
    }
    auto made = createLocked(std::move(n), configs);
    if (!made.ok()) {
      return Error(made.error()).withContext("create the predefined network " + name);
    }
  }
  return applyFirewall();
}

// Running sandboxes on user networks get their resolver again (the sockets
// died with the previous berthd), with the upstreams and hostname their
// container asked for, kept in their sandbox record.
void Controller::restoreDns() {
  if (dns_ == nullptr) {
    return;
  }
  std::map<std::string, std::vector<EndpointRecord>> byContainer;
  for (const auto& [id, ep] : endpoints_) {
    auto n = networks_.find(ep.networkId);
    if (n != networks_.end() && !n->second.builtin) {
      byContainer[ep.containerId].push_back(ep);
    }
  }
  for (const auto& [cid, eps] : byContainer) {
    UniqueFd fd(::open(netnsPath(cid).c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
      continue;
    }
    bool allInternal = std::all_of(eps.begin(), eps.end(), [&](const EndpointRecord& ep) {
      return networks_[ep.networkId].internal;
    });
    SandboxRecord rec = sandboxRecordOf(cid);
    dns::SandboxDns cfg;
    cfg.servers = rec.dns;
    cfg.internalOnly = allInternal;
    if (Status st = dns_->addSandbox(cid, fd.get(), cfg); !st.ok()) {
      spdlog::warn("container {}: embedded DNS not restored: {}", cid, st.error().message());
      continue;
    }
    for (const auto& ep : eps) {
      publishDnsRecords(ep, rec.hostname);
    }
  }
}

// --- networks ----------------------------------------------------------------

Result<NetworkRecord> Controller::findLocked(const std::string& idOrName) const {
  if (idOrName.empty()) {
    return notFound("network  not found");
  }
  if (auto it = networks_.find(idOrName); it != networks_.end()) {
    return it->second;
  }
  for (const auto& [id, n] : networks_) {
    if (n.name == idOrName) {
      return n;
    }
  }
  const NetworkRecord* match = nullptr;
  for (const auto& [id, n] : networks_) {
    if (id.rfind(idOrName, 0) == 0) {
      if (match != nullptr) {
        return invalidArgument("network " + idOrName + " is ambiguous (" +
                               std::to_string(2) + " matches found based on ID prefix)");
      }
      match = &n;
    }
  }
  if (match != nullptr) {
    return *match;
  }
  return notFound("network " + idOrName + " not found");
}

Result<json> Controller::create(const json& body) {
  if (!body.is_object()) {
    return invalidArgument("network create: a JSON object expected");
  }
  NetworkRecord n;
  // Clients send null for fields they leave out (docker-py's IPAMPool).
  BERTH_ASSIGN_OR_RETURN(n.name, container::stringField(body, "Name", "network"));
  if (n.name.empty()) {
    return invalidArgument("network name is required");
  }
  if (!validName(n.name)) {
    return invalidArgument("invalid network name \"" + n.name +
                           "\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
  }
  BERTH_ASSIGN_OR_RETURN(n.driver, container::stringField(body, "Driver", "network"));
  if (n.driver.empty()) {
    n.driver = "bridge";
  }
  if (n.driver == "host" || n.driver == "null") {
    return forbidden("only one instance of \"" + n.driver + "\" network is allowed");
  }
  if (driverOf(n.driver) == nullptr) {
    return notFound("could not find plugin " + n.driver +
                    " in v1 plugin registry: plugin not found");
  }
  Status st = okStatus();
  n.options = stringMap(field(body, "Options"), "Options", &st);
  n.labels = stringMap(field(body, "Labels"), "Labels", &st);
  json ipam = field(body, "IPAM");
  if (!ipam.is_object()) {
    ipam = json::object();
  }
  BERTH_ASSIGN_OR_RETURN(n.ipamDriver, container::stringField(ipam, "Driver", "IPAM"));
  if (n.ipamDriver.empty()) {
    n.ipamDriver = "default";
  }
  n.ipamOptions = stringMap(field(ipam, "Options"), "IPAM.Options", &st);
  BERTH_TRY(st);
  if (n.ipamDriver != "default") {
    return notFound("could not find plugin " + n.ipamDriver +
                    " in v1 plugin registry: plugin not found");
  }
  BERTH_ASSIGN_OR_RETURN(n.enableIpv6, container::boolField(body, "EnableIPv6", "network"));
  BERTH_ASSIGN_OR_RETURN(n.internal, container::boolField(body, "Internal", "network"));
  BERTH_ASSIGN_OR_RETURN(n.attachable, container::boolField(body, "Attachable", "network"));
  BERTH_ASSIGN_OR_RETURN(n.ingress, container::boolField(body, "Ingress", "network"));
  n.id = generateId();
  json configs = field(ipam, "Config");
  if (configs.is_null()) {
    configs = json::array();
  }
  if (!configs.is_array()) {
    return invalidArgument("IPAM.Config must be a list");
  }
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [id, other] : networks_) {
    if (other.name == n.name) {
      return conflict("network with name " + n.name + " already exists");
    }
  }
  BERTH_ASSIGN_OR_RETURN(NetworkRecord made, createLocked(std::move(n), configs));
  if (Status fw = applyFirewall(); !fw.ok()) {
    (void)removeLocked(made);
    return Unexpected(fw.error());
  }
  emit(made, "create", "");
  return json{{"Id", made.id}, {"Warning", ""}};
}

Result<NetworkRecord> Controller::createLocked(NetworkRecord n, const json& ipamConfigs) {
  n.createdNano = now();
  Driver* d = driverOf(n.driver);
  bool wantsAddresses = d != nullptr;  // host and null networks have no subnets
  std::vector<std::string> pools;
  auto releasePools = [&] {
    for (const auto& p : pools) {
      (void)ipam_.releasePool(p);
    }
  };
  if (wantsAddresses) {
    bool haveV4 = false;
    bool haveV6 = false;
    std::vector<PoolRequest> requests;
    std::vector<bool> userSubnet;  // per request
    for (const auto& c : ipamConfigs) {
      if (!c.is_object()) {
        return invalidArgument("IPAM.Config entries must be objects");
      }
      PoolRequest pr;
      BERTH_ASSIGN_OR_RETURN(pr.subnet, container::stringField(c, "Subnet", "IPAM.Config"));
      BERTH_ASSIGN_OR_RETURN(pr.ipRange, container::stringField(c, "IPRange", "IPAM.Config"));
      BERTH_ASSIGN_OR_RETURN(pr.gateway, container::stringField(c, "Gateway", "IPAM.Config"));
      Status st = okStatus();
      pr.auxAddresses = stringMap(field(c, "AuxiliaryAddresses"), "AuxiliaryAddresses", &st);
      BERTH_TRY(st);
      if (pr.subnet.empty() && (!pr.ipRange.empty() || !pr.gateway.empty())) {
        return invalidArgument("an --ip-range or --gateway needs a --subnet");
      }
      bool v6 = pr.subnet.find(':') != std::string::npos;
      pr.v6 = v6;
      (v6 ? haveV6 : haveV4) = true;
      userSubnet.push_back(!pr.subnet.empty() && !n.builtin);
      requests.push_back(std::move(pr));
    }
    if (haveV6 && !n.enableIpv6) {
      n.enableIpv6 = true;  // an IPv6 subnet implies it (dockerd >= 27 does the same)
    }
    if (!haveV4) {
      PoolRequest pr;
      pr.avoid = o_.hostRoutes();
      requests.insert(requests.begin(), pr);
      userSubnet.insert(userSubnet.begin(), false);
    }
    // dockerd lists (and allocates) the IPv4 subnets first, whatever the request's order.
    std::vector<size_t> order(requests.size());
    for (size_t i = 0; i < order.size(); ++i) {
      order[i] = i;
    }
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return !requests[a].v6 && requests[b].v6; });
    std::vector<PoolRequest> sorted;
    std::vector<bool> sortedUser;
    for (size_t i : order) {
      sorted.push_back(requests[i]);
      sortedUser.push_back(userSubnet[i]);
    }
    requests = std::move(sorted);
    userSubnet = std::move(sortedUser);
    if (n.enableIpv6 && !haveV6) {
      return invalidArgument("network " + n.name +
                             ": --ipv6 needs an IPv6 --subnet (no default IPv6 pool is set)");
    }
    for (size_t i = 0; i < requests.size(); ++i) {
      auto pool = ipam_.requestPool(requests[i]);
      if (!pool.ok()) {
        releasePools();
        return Unexpected(std::move(pool).error());
      }
      pools.push_back(pool->id);
      n.ipam.push_back(IpamConfig{pool->subnet, pool->ipRange, pool->gateway,
                                  pool->auxAddresses, userSubnet[i],
                                  !requests[i].gateway.empty()});
    }
  }
  n.state = "creating";
  if (Status st = putNetwork(n); !st.ok()) {
    releasePools();
    return Unexpected(st.error());
  }
  if (d != nullptr) {
    if (Status st = d->createNetwork(n); !st.ok()) {
      releasePools();
      store::Collection<NetworkRecord> coll(store_, kNetworksPrefix, "network");
      (void)store_.update([&](store::Txn& txn) { return coll.del(txn, n.id); });
      networks_.erase(n.id);
      return Unexpected(st.error());
    }
  }
  n.state = "ready";
  if (Status st = putNetwork(n); !st.ok()) {
    if (d != nullptr) {
      (void)d->deleteNetwork(n);
    }
    releasePools();
    networks_.erase(n.id);
    return Unexpected(st.error());
  }
  return n;
}

Status Controller::removeLocked(const NetworkRecord& n) {
  if (Driver* d = driverOf(n.driver); d != nullptr) {
    BERTH_TRY(d->deleteNetwork(n));
  }
  for (const auto& c : n.ipam) {
    (void)ipam_.releasePool(c.subnet);
  }
  store::Collection<NetworkRecord> coll(store_, kNetworksPrefix, "network");
  auto r = store_.update([&](store::Txn& txn) { return coll.del(txn, n.id); });
  networks_.erase(n.id);
  if (!r.ok()) {
    return Unexpected(std::move(r).error());
  }
  return okStatus();
}

Status Controller::remove(const std::string& idOrName) {
  std::lock_guard<std::mutex> lock(mu_);
  BERTH_ASSIGN_OR_RETURN(NetworkRecord n, findLocked(idOrName));
  if (n.builtin) {
    return forbidden(n.name + " is a pre-defined network and cannot be removed");
  }
  for (const auto& [id, ep] : endpoints_) {
    if (ep.networkId == n.id) {
      return forbidden("error while removing network: network " + n.name + " id " + n.id +
                       " has active endpoints");
    }
  }
  BERTH_TRY(removeLocked(n));
  BERTH_TRY(applyFirewall());
  emit(n, "destroy", "");
  return okStatus();
}

Result<std::vector<std::string>> Controller::prune(const Filters& filters) {
  BERTH_TRY(filters.validateKeys({"until", "label", "label!"}));
  int64_t until = 0;
  for (const auto& u : filters.get("until")) {
    BERTH_ASSIGN_OR_RETURN(until, parseRfc3339(u));
  }
  std::vector<std::string> removed;
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<NetworkRecord> candidates;
  for (const auto& [id, n] : networks_) {
    if (n.builtin || (until != 0 && n.createdNano >= until) ||
        !filters.matchKVList("label", n.labels)) {
      continue;
    }
    bool negated = false;
    for (const auto& l : filters.get("label!")) {
      size_t eq = l.find('=');
      auto it = n.labels.find(l.substr(0, eq));
      negated = negated || (it != n.labels.end() &&
                            (eq == std::string::npos || it->second == l.substr(eq + 1)));
    }
    const std::string& netId = n.id;  // a structured binding cannot be captured (C++17 rules)
    bool used = std::any_of(endpoints_.begin(), endpoints_.end(),
                            [&](const auto& kv) { return kv.second.networkId == netId; });
    if (!negated && !used) {
      candidates.push_back(n);
    }
  }
  for (const auto& n : candidates) {
    if (Status st = removeLocked(n); st.ok()) {
      removed.push_back(n.name);
      emit(n, "destroy", "");
    } else {
      spdlog::warn("prune network {}: {}", n.name, st.error().message());
    }
  }
  BERTH_TRY(applyFirewall());
  return removed;
}

json Controller::networkJson(const NetworkRecord& n, bool withContainers) const {
  json configs = json::array();
  for (const auto& c : n.ipam) {
    json e = {{"Subnet", c.subnet}};
    // dockerd shows a user's config as given: no gateway they did not ask for.
    if (!c.gateway.empty() && (!c.userSubnet || c.userGateway)) {
      e["Gateway"] = c.gateway;
    }
    if (!c.ipRange.empty()) {
      e["IPRange"] = c.ipRange;
    }
    if (!c.auxAddresses.empty()) {
      e["AuxiliaryAddresses"] = c.auxAddresses;
    }
    configs.push_back(std::move(e));
  }
  json containers = json::object();
  if (withContainers) {
    for (const auto& [id, ep] : endpoints_) {
      if (ep.networkId != n.id) {
        continue;
      }
      containers[ep.containerId] = {{"Name", ep.containerName},
                                    {"EndpointID", ep.id},
                                    {"MacAddress", ep.mac},
                                    {"IPv4Address", ep.ipv4},
                                    {"IPv6Address", ep.ipv6}};
    }
  }
  return {{"Name", n.name},
          {"Id", n.id},
          {"Created", formatRfc3339Nano(n.createdNano)},
          {"Scope", "local"},
          {"Driver", n.driver},
          {"EnableIPv6", n.enableIpv6},
          {"IPAM",
           {{"Driver", n.ipamDriver},
            // dockerd: {} for user networks, null for the predefined ones.
            {"Options", n.builtin && n.ipamOptions.empty() ? json(nullptr) : json(n.ipamOptions)},
            {"Config", configs}}},
          {"Internal", n.internal},
          {"Attachable", n.attachable},
          {"Ingress", n.ingress},
          {"ConfigFrom", {{"Network", ""}}},
          {"ConfigOnly", false},
          {"Containers", containers},
          {"Options", n.options},
          {"Labels", n.labels}};
}

Result<json> Controller::inspect(const std::string& idOrName, bool /*verbose*/) {
  std::lock_guard<std::mutex> lock(mu_);
  BERTH_ASSIGN_OR_RETURN(NetworkRecord n, findLocked(idOrName));
  return networkJson(n, true);
}

Result<json> Controller::list(const Filters& filters) {
  BERTH_TRY(filters.validateKeys({"driver", "id", "label", "name", "scope", "type", "dangling"}));
  for (const auto& t : filters.get("type")) {
    if (t != "custom" && t != "builtin") {
      return invalidArgument("invalid filter: 'type'='" + t + "'");
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<const NetworkRecord*> sorted;
  for (const auto& [id, n] : networks_) {
    sorted.push_back(&n);
  }
  std::sort(sorted.begin(), sorted.end(),
            [](const auto* a, const auto* b) { return a->createdNano < b->createdNano; });
  json out = json::array();
  for (const NetworkRecord* n : sorted) {
    if (!filters.exactMatch("driver", n->driver) || !filters.fuzzyMatch("id", n->id) ||
        !filters.matchKVList("label", n->labels) || !filters.exactMatch("scope", "local") ||
        !filters.exactMatch("type", n->builtin ? "builtin" : "custom")) {
      continue;
    }
    if (filters.contains("name")) {
      bool any = false;
      for (const auto& want : filters.get("name")) {
        any = any || n->name.find(want) != std::string::npos;
      }
      if (!any) {
        continue;
      }
    }
    if (filters.contains("dangling")) {
      bool used = std::any_of(endpoints_.begin(), endpoints_.end(),
                              [&](const auto& kv) { return kv.second.networkId == n->id; });
      bool dangling = !n->builtin && !used;
      if (!filters.exactMatch("dangling", dangling ? "true" : "false") &&
          !filters.exactMatch("dangling", dangling ? "1" : "0")) {
        continue;
      }
    }
    out.push_back(networkJson(*n, false));
  }
  return out;
}

Status Controller::applyFirewall() {
  FwState s;
  for (const auto& [id, n] : networks_) {
    Driver* d = driverOf(n.driver);
    if (d == nullptr || !d->natted() || n.bridge.empty()) {
      continue;
    }
    FwNetwork f;
    f.id = n.id;
    f.bridge = n.bridge;
    for (const auto& c : n.ipam) {
      f.subnets.push_back(c.subnet);
    }
    f.icc = boolOption(n.options, kOptEnableIcc, true);
    f.masquerade = boolOption(n.options, kOptMasquerade, true);
    f.internal = n.internal;
    s.networks.push_back(std::move(f));
    auto binding = n.options.find(kOptHostBinding);
    std::string defaultHostIp =
        binding != n.options.end() && binding->second != "0.0.0.0" ? binding->second : "";
    for (const auto& [eid, ep] : endpoints_) {
      if (ep.networkId != n.id || n.internal) {
        continue;
      }
      for (const auto& p : ep.ports) {
        FwPortMap m;
        m.networkId = n.id;
        m.proto = p.proto;
        m.hostIp = p.hostIp.empty() ? defaultHostIp : p.hostIp;
        m.hostPort = p.hostPort;
        m.containerPort = p.containerPort;
        bool v6Host = m.hostIp.find(':') != std::string::npos;
        m.containerIp = stripPrefixLen(v6Host ? ep.ipv6 : ep.ipv4);
        if (m.containerIp.empty()) {
          continue;
        }
        if (m.hostIp.empty()) {
          m.hostIp = "0.0.0.0";
        }
        s.ports.push_back(std::move(m));
      }
    }
  }
  return firewall_.apply(s);
}

}  // namespace berth::network
