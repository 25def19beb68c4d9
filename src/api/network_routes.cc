#include "api/network_routes.h"

#include <string>
#include <vector>

namespace berth::api {

namespace {

using nlohmann::json;

// dockerd's network.NewFilter: the keys it knows, one boolean "dangling",
// and "type" limited to custom|builtin.
Result<Filters> listFilters(const Request& req) {
  BERTH_ASSIGN_OR_RETURN(Filters f, Filters::parse(req.queryValue("filters").value_or("")));
  BERTH_TRY(f.validateKeys({"dangling", "driver", "id", "label", "name", "scope", "type"}));
  const auto& dangling = f.get("dangling");
  if (dangling.size() > 1) {
    return invalidArgument(R"(got more than one value for filter key "dangling")");
  }
  for (const std::string& v : dangling) {
    if (v != "0" && v != "1" && v != "false" && v != "true") {
      return invalidArgument(
          R"(invalid value for filter 'dangling', must be "true" (or "1"), or "false" (or "0"))");
    }
  }
  for (const std::string& t : f.get("type")) {
    if (t != "custom" && t != "builtin") {
      return invalidArgument("invalid filter: 'type'='" + t + "'");
    }
  }
  return f;
}

// Go's strconv.ParseBool, as dockerd reads ?verbose=.
Result<bool> parseGoBool(const std::string& key, const std::string& v) {
  for (const char* t : {"1", "t", "T", "TRUE", "true", "True"}) {
    if (v == t) {
      return true;
    }
  }
  for (const char* f : {"0", "f", "F", "FALSE", "false", "False"}) {
    if (v == f) {
      return false;
    }
  }
  return invalidArgument("invalid value for " + key + ": " + v + ": strconv.ParseBool: parsing \"" +
                         v + "\": invalid syntax");
}

// The body as a JSON object (dockerd decodes it into a struct, so anything
// else is invalid JSON for it); an empty body is an empty object.
Result<json> objectBody(const Request& req) {
  BERTH_ASSIGN_OR_RETURN(json body, req.json());
  if (!body.is_object()) {
    return invalidArgument("invalid JSON: the request body must be a JSON object");
  }
  return body;
}

// A string member of `body` ("" when absent or null); another type is refused.
Result<std::string> stringField(const json& body, const char* key) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) {
    return std::string();
  }
  if (!it->is_string()) {
    return invalidArgument(std::string("invalid JSON: ") + key + " must be a string");
  }
  return it->get<std::string>();
}

Result<Reply> inspect(network::NetworkService& networks, const Request& req) {
  const std::string& term = req.pathParams.at("id");
  bool verbose = false;
  if (auto v = req.queryValue("verbose"); v && !v->empty()) {
    BERTH_ASSIGN_OR_RETURN(verbose, parseGoBool("verbose", *v));
  }
  BERTH_ASSIGN_OR_RETURN(json doc, networks.inspect(term, verbose));
  // dockerd looks the network up with a scope filter: a network of another
  // scope is not found, not an error of its own.
  std::string scope = req.queryValue("scope").value_or("");
  if (!scope.empty() && doc.value("Scope", "") != scope) {
    return notFound("network " + term + " not found");
  }
  return Reply::json(200, doc);
}

Result<Reply> create(network::NetworkService& networks, const Request& req) {
  BERTH_ASSIGN_OR_RETURN(json body, objectBody(req));
  BERTH_ASSIGN_OR_RETURN(std::string name, stringField(body, "Name"));
  // libnetwork's ErrInvalidName: a blank name is refused before any driver runs.
  if (name.find_first_not_of(" \t\r\n") == std::string::npos) {
    return invalidArgument("invalid name: " + name);
  }
  BERTH_ASSIGN_OR_RETURN(json created, networks.create(body));
  return Reply::json(201, created);
}

Result<Reply> connect(network::NetworkService& networks, const Request& req) {
  BERTH_ASSIGN_OR_RETURN(json body, objectBody(req));
  BERTH_TRY(stringField(body, "Container"));
  if (auto ep = body.find("EndpointConfig");
      ep != body.end() && !ep->is_null() && !ep->is_object()) {
    return invalidArgument("invalid JSON: EndpointConfig must be an object");
  }
  BERTH_TRY(networks.connect(req.pathParams.at("id"), body));
  return Reply::text(200, "", "");
}

Result<Reply> disconnect(network::NetworkService& networks, const Request& req) {
  BERTH_ASSIGN_OR_RETURN(json body, objectBody(req));
  BERTH_ASSIGN_OR_RETURN(std::string container, stringField(body, "Container"));
  bool force = false;
  if (auto it = body.find("Force"); it != body.end() && !it->is_null()) {
    if (!it->is_boolean()) {
      return invalidArgument("invalid JSON: Force must be a boolean");
    }
    force = it->get<bool>();
  }
  BERTH_TRY(networks.disconnect(req.pathParams.at("id"), container, force));
  return Reply::text(200, "", "");
}

Result<Reply> prune(network::NetworkService& networks, const Request& req) {
  BERTH_ASSIGN_OR_RETURN(Filters f, Filters::parse(req.queryValue("filters").value_or("")));
  BERTH_TRY(f.validateKeys({"label", "label!", "until"}));
  BERTH_ASSIGN_OR_RETURN(std::vector<std::string> names, networks.prune(f));
  // dockerd's report holds a nil slice when nothing went: JSON null.
  json deleted = names.empty() ? json(nullptr) : json(names);
  return Reply::json(200, {{"NetworksDeleted", deleted}});
}

}  // namespace

void addNetworkRoutes(Router& router, network::NetworkService& networks) {
  router.add("GET", "/networks", {.query = {"filters"}},
             [&networks](Request& req) -> Result<Reply> {
               BERTH_ASSIGN_OR_RETURN(Filters f, listFilters(req));
               BERTH_ASSIGN_OR_RETURN(json list, networks.list(f));
               return Reply::json(200, list.is_null() ? json::array() : list);
             });
  router.add("GET", "/networks/{id}", {.query = {"verbose", "scope"}},
             [&networks](Request& req) { return inspect(networks, req); });
  router.add("POST", "/networks/create", {},
             [&networks](Request& req) { return create(networks, req); });
  router.add("DELETE", "/networks/{id}", {}, [&networks](Request& req) -> Result<Reply> {
    BERTH_TRY(networks.remove(req.pathParams.at("id")));
    return Reply::noContent();
  });
  router.add("POST", "/networks/{id}/connect", {},
             [&networks](Request& req) { return connect(networks, req); });
  router.add("POST", "/networks/{id}/disconnect", {},
             [&networks](Request& req) { return disconnect(networks, req); });
  router.add("POST", "/networks/prune", {.query = {"filters"}},
             [&networks](Request& req) { return prune(networks, req); });
}

}  // namespace berth::api
