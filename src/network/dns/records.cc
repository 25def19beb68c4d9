#include "network/dns/records.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <mutex>

namespace berth::network::dns {

std::string lowerName(std::string name) {
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  while (!name.empty() && name.back() == '.') {
    name.pop_back();
  }
  return name;
}

namespace {

void appendUnique(std::vector<Bytes>& to, const std::vector<Bytes>& from) {
  for (const Bytes& b : from) {
    if (std::find(to.begin(), to.end(), b) == to.end()) {
      to.push_back(b);
    }
  }
}

}  // namespace

void RecordTable::addEndpoint(const std::string& networkId, const std::string& networkName,
                              const std::string& containerId, const std::vector<std::string>& names,
                              const std::vector<std::string>& addresses) {
  Endpoint ep;
  for (const std::string& n : names) {
    std::string l = lowerName(n);
    if (!l.empty() && std::find(ep.names.begin(), ep.names.end(), l) == ep.names.end()) {
      ep.names.push_back(std::move(l));
    }
  }
  for (const std::string& a : addresses) {
    std::string plain = a.substr(0, a.find('/'));
    bool v6 = false;
    std::optional<Bytes> rdata = addressRdata(plain, &v6);
    if (!rdata) {
      continue;
    }
    (v6 ? ep.v6 : ep.v4).push_back(*rdata);
    // Canonical text (inet_ntop), as reverseNameToAddress produces it.
    std::array<char, INET6_ADDRSTRLEN> text{};
    if (inet_ntop(v6 ? AF_INET6 : AF_INET, rdata->data(), text.data(), text.size()) != nullptr) {
      ep.addresses.emplace_back(text.data());
    }
  }
  std::unique_lock lock(mu_);
  removeLocked(networkId, containerId);
  Network& n = networks_[networkId];
  n.name = lowerName(networkName);
  for (const std::string& name : ep.names) {
    n.byName[name].insert(containerId);
  }
  for (const std::string& a : ep.addresses) {
    n.byAddress[a] = containerId;
  }
  n.endpoints[containerId] = std::move(ep);
  networksOf_[containerId].insert(networkId);
}

void RecordTable::removeEndpoint(const std::string& networkId, const std::string& containerId) {
  std::unique_lock lock(mu_);
  removeLocked(networkId, containerId);
}

void RecordTable::removeLocked(const std::string& networkId, const std::string& containerId) {
  auto nit = networks_.find(networkId);
  if (nit != networks_.end()) {
    Network& n = nit->second;
    auto eit = n.endpoints.find(containerId);
    if (eit != n.endpoints.end()) {
      for (const std::string& name : eit->second.names) {
        auto bit = n.byName.find(name);
        if (bit != n.byName.end()) {
          bit->second.erase(containerId);
          if (bit->second.empty()) {
            n.byName.erase(bit);
          }
        }
      }
      for (const std::string& a : eit->second.addresses) {
        auto ait = n.byAddress.find(a);
        if (ait != n.byAddress.end() && ait->second == containerId) {
          n.byAddress.erase(ait);
        }
      }
      n.endpoints.erase(eit);
    }
    if (n.endpoints.empty()) {
      networks_.erase(nit);
    }
  }
  auto cit = networksOf_.find(containerId);
  if (cit != networksOf_.end()) {
    cit->second.erase(networkId);
    if (cit->second.empty()) {
      networksOf_.erase(cit);
    }
  }
}

NameLookup RecordTable::lookup(const std::string& asker, const std::string& name) const {
  std::shared_lock lock(mu_);
  auto cit = networksOf_.find(asker);
  if (cit == networksOf_.end()) {
    return {};
  }
  NameLookup out = lookupLocked(cit->second, name, nullptr);
  // libnetwork's order for a.b.c: "a.b" on network "c", then "a" on "b.c"
  // (names and network names may both hold dots). The first known one wins.
  for (size_t dot = name.rfind('.'); !out.known && dot != std::string::npos && dot > 0;
       dot = name.rfind('.', dot - 1)) {
    std::string network = name.substr(dot + 1);
    out = lookupLocked(cit->second, name.substr(0, dot), &network);
  }
  return out;
}

NameLookup RecordTable::lookupLocked(const std::set<std::string>& askerNetworks,
                                     const std::string& name,
                                     const std::string* networkName) const {
  NameLookup out;
  for (const std::string& netId : askerNetworks) {
    auto nit = networks_.find(netId);
    if (nit == networks_.end() || (networkName != nullptr && nit->second.name != *networkName)) {
      continue;
    }
    auto bit = nit->second.byName.find(name);
    if (bit == nit->second.byName.end()) {
      continue;
    }
    out.known = true;
    for (const std::string& holder : bit->second) {
      const Endpoint& ep = nit->second.endpoints.at(holder);
      appendUnique(out.v4, ep.v4);
      appendUnique(out.v6, ep.v6);
    }
  }
  return out;
}

std::optional<std::string> RecordTable::reverse(const std::string& asker,
                                                const std::string& address) const {
  std::shared_lock lock(mu_);
  auto cit = networksOf_.find(asker);
  if (cit == networksOf_.end()) {
    return std::nullopt;
  }
  for (const std::string& netId : cit->second) {
    auto nit = networks_.find(netId);
    if (nit == networks_.end()) {
      continue;
    }
    auto ait = nit->second.byAddress.find(address);
    if (ait != nit->second.byAddress.end()) {
      const Endpoint& ep = nit->second.endpoints.at(ait->second);
      if (!ep.names.empty()) {
        const std::string& net = nit->second.name;
        return net.empty() ? ep.names.front() : ep.names.front() + "." + net;
      }
    }
  }
  return std::nullopt;
}

bool RecordTable::onAnyNetwork(const std::string& containerId) const {
  std::shared_lock lock(mu_);
  return networksOf_.count(containerId) != 0;
}

}  // namespace berth::network::dns
