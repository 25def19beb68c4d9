// The resolver's view of the world: which names each network holds, and which
// networks each container is on. A container resolves only names of networks
// it shares with them (discovery is network-scoped), either plainly ("c1") or
// qualified with the network's name ("c1.localnet", as dockerd answers).
// Thread-safe: written by the controller's threads, read by the resolver's
// event loop.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "network/dns/dns_message.h"

namespace berth::network::dns {

struct NameLookup {
  bool known = false;        // some shared network holds the name
  std::vector<Bytes> v4, v6;  // A and AAAA rdata, deduplicated, unshuffled
};

class RecordTable {
 public:
  // Replaces what (networkId, containerId) had. Names (and the network's
  // name, which qualifies them) are case-insensitive; addresses are
  // "10.0.0.2" or "10.0.0.2/24"; bad ones are skipped.
  void addEndpoint(const std::string& networkId, const std::string& networkName,
                   const std::string& containerId, const std::vector<std::string>& names,
                   const std::vector<std::string>& addresses);
  void removeEndpoint(const std::string& networkId, const std::string& containerId);

  // `name` (lowercase, no trailing dot) as seen by container `asker`: first
  // as a whole on every shared network, then libnetwork's split of a.b.c as
  // "a.b" on network "c", then "a" on network "b.c".
  NameLookup lookup(const std::string& asker, const std::string& name) const;
  // "<name>.<network>" of the container holding `address` on a network
  // shared with `asker` (dockerd's PTR answer).
  std::optional<std::string> reverse(const std::string& asker, const std::string& address) const;
  bool onAnyNetwork(const std::string& containerId) const;

 private:
  struct Endpoint {
    std::vector<std::string> names;  // lowercased; the first is the PTR target
    std::vector<Bytes> v4, v6;
    std::vector<std::string> addresses;  // canonical text, for PTR
  };
  struct Network {
    std::string name;                                                    // lowercased
    std::map<std::string, Endpoint> endpoints;                           // by container
    std::unordered_map<std::string, std::set<std::string>> byName;        // name -> containers
    std::unordered_map<std::string, std::string> byAddress;               // address -> container
  };
  void removeLocked(const std::string& networkId, const std::string& containerId);
  // `name` on the asker's networks, only the one called `networkName` if given.
  NameLookup lookupLocked(const std::set<std::string>& askerNetworks, const std::string& name,
                          const std::string* networkName) const;

  mutable std::shared_mutex mu_;
  std::map<std::string, Network> networks_;
  std::map<std::string, std::set<std::string>> networksOf_;  // container -> networks
};

std::string lowerName(std::string name);

}  // namespace berth::network::dns
