#include "api/volume_routes.h"

#include <string>

namespace berth::api {

namespace {

using nlohmann::json;

// A map of strings from the create body (null or absent: none).
Result<std::map<std::string, std::string>> stringMap(const json& body, const char* key,
                                                     bool& isNull) {
  std::map<std::string, std::string> out;
  auto it = body.find(key);
  isNull = it == body.end() || it->is_null();
  if (isNull) {
    return out;
  }
  if (!it->is_object()) {
    return invalidArgument(std::string("invalid JSON: ") + key + " must be an object");
  }
  for (const auto& [k, v] : it->items()) {
    if (!v.is_string()) {
      return invalidArgument(std::string("invalid JSON: ") + key + " values must be strings");
    }
    out[k] = v.get<std::string>();
  }
  return out;
}

Result<std::string> stringMember(const json& body, const char* key) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) {
    return std::string();
  }
  if (!it->is_string()) {
    return invalidArgument(std::string("invalid JSON: ") + key + " must be a string");
  }
  return it->get<std::string>();
}

Result<Reply> create(volume::VolumeService& volumes, const Request& req) {
  BERTH_ASSIGN_OR_RETURN(json body, req.json());
  if (body.is_null()) {
    body = json::object();
  }
  if (!body.is_object()) {
    return invalidArgument("invalid JSON: the request body must be a JSON object");
  }
  volume::CreateVolumeRequest r;
  BERTH_ASSIGN_OR_RETURN(r.name, stringMember(body, "Name"));
  BERTH_ASSIGN_OR_RETURN(r.driver, stringMember(body, "Driver"));
  BERTH_ASSIGN_OR_RETURN(r.options, stringMap(body, "DriverOpts", r.optionsNull));
  BERTH_ASSIGN_OR_RETURN(r.labels, stringMap(body, "Labels", r.labelsNull));
  if (body.contains("ClusterVolumeSpec") && !body["ClusterVolumeSpec"].is_null()) {
    return notImplemented("cluster volumes are not supported");
  }
  BERTH_ASSIGN_OR_RETURN(json created, volumes.create(r));
  return Reply::json(201, created);
}

}  // namespace

void addVolumeRoutes(Router& router, volume::VolumeService& volumes) {
  router.add("GET", "/volumes", {.query = {"filters"}}, [&volumes](Request& req) -> Result<Reply> {
    BERTH_ASSIGN_OR_RETURN(Filters f, Filters::parse(req.queryValue("filters").value_or("")));
    BERTH_ASSIGN_OR_RETURN(json list, volumes.list(f));
    return Reply::json(200, list);
  });
  router.add("POST", "/volumes/create", {},
             [&volumes](Request& req) { return create(volumes, req); });
  router.add("GET", "/volumes/{name}", {}, [&volumes](Request& req) -> Result<Reply> {
    BERTH_ASSIGN_OR_RETURN(json v, volumes.inspect(req.pathParams.at("name")));
    return Reply::json(200, v);
  });
  router.add("DELETE", "/volumes/{name}", {.query = {"force"}},
             [&volumes](Request& req) -> Result<Reply> {
               BERTH_ASSIGN_OR_RETURN(bool force, req.queryBool("force"));
               BERTH_TRY(volumes.remove(req.pathParams.at("name"), force));
               return Reply::noContent();
             });
  router.add("POST", "/volumes/prune", {.query = {"filters"}},
             [&volumes](Request& req) -> Result<Reply> {
               BERTH_ASSIGN_OR_RETURN(Filters f,
                                      Filters::parse(req.queryValue("filters").value_or("")));
               BERTH_ASSIGN_OR_RETURN(json report, volumes.prune(f));
               return Reply::json(200, report);
             });
}

}  // namespace berth::api
