// NetworkService: what the API's /networks routes see of the networking core
// (docs/network-design.md). The controller implements it; API tests fake it.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/filters.h"
#include "common/result.h"

namespace berth::network {

class NetworkService {
 public:
  virtual ~NetworkService() = default;
  // POST /networks/create with Docker's NetworkCreateRequest body. Returns
  // {"Id": "...", "Warning": ""}. conflict "network with name X already exists",
  // invalid-argument for bad options, conflict for overlapping pools.
  virtual Result<nlohmann::json> create(const nlohmann::json& body) = 0;
  // GET /networks/{id}: dockerd's Network JSON (Name, Id, Created, Scope, Driver,
  // EnableIPv6, IPAM, Internal, Attachable, Ingress, ConfigFrom, ConfigOnly,
  // Containers, Options, Labels). not-found "network X not found".
  virtual Result<nlohmann::json> inspect(const std::string& idOrName, bool verbose) = 0;
  // GET /networks: an array of the same objects (Containers empty, as dockerd).
  // Filters: driver, id, label, name, scope, type (custom|builtin), dangling.
  virtual Result<nlohmann::json> list(const Filters& filters) = 0;
  // DELETE /networks/{id}: forbidden (403) for the predefined networks,
  // forbidden "error while removing network: network X has active endpoints" while in use.
  virtual Status remove(const std::string& idOrName) = 0;
  // POST /networks/{id}/connect with {"Container": ..., "EndpointConfig": {...}}.
  virtual Status connect(const std::string& idOrName, const nlohmann::json& body) = 0;
  // POST /networks/{id}/disconnect with {"Container": ..., "Force": bool}.
  virtual Status disconnect(const std::string& idOrName, const std::string& container,
                            bool force) = 0;
  // POST /networks/prune: removes unused custom networks; returns their names.
  // Filters: until, label, label!.
  virtual Result<std::vector<std::string>> prune(const Filters& filters) = 0;
};

}  // namespace berth::network
