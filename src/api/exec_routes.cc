#include "api/exec_routes.h"

#include "api/container_routes.h"

namespace berth::api {

void addExecRoutes(Router& router, container::ContainerService& svc) {
  router.add("POST", "/containers/{id}/exec", {}, [&svc](Request& req) -> Result<Reply> {
    BERTH_ASSIGN_OR_RETURN(nlohmann::json body, req.json());
    BERTH_ASSIGN_OR_RETURN(std::string id, svc.execCreate(req.pathParams["id"], body));
    return Reply::json(201, {{"Id", id}});
  });
  router.add("POST", "/exec/{id}/start", {}, [&svc](Request& req) -> Result<Reply> {
    BERTH_ASSIGN_OR_RETURN(nlohmann::json body, req.json());
    container::ExecStartOptions opts;
    opts.detach = body.value("Detach", false);
    opts.tty = body.value("Tty", false);
    if (body.contains("ConsoleSize") && body["ConsoleSize"].is_array() &&
        body["ConsoleSize"].size() == 2 && body["ConsoleSize"][0].is_number_unsigned() &&
        body["ConsoleSize"][1].is_number_unsigned()) {
      int h = body["ConsoleSize"][0].get<int>();
      int w = body["ConsoleSize"][1].get<int>();
      if (h > 0 && w > 0) {
        opts.consoleSize = std::make_pair(h, w);
      }
    }
    BERTH_ASSIGN_OR_RETURN(auto session, svc.execStart(req.pathParams["id"], opts));
    if (!session) {
      return Reply::text(200, "");
    }
    Reply r;
    r.contentType = streamContentType(session->tty(), req.apiVersion);
    r.hijack = [session](std::unique_ptr<RawConn> conn) {
      session->run(clientStreamOf(std::move(conn)));
    };
    return r;
  });
  router.add("GET", "/exec/{id}/json", {}, [&svc](Request& req) -> Result<Reply> {
    BERTH_ASSIGN_OR_RETURN(nlohmann::json j, svc.execInspect(req.pathParams["id"]));
    return Reply::json(200, j);
  });
  router.add(
      "POST", "/exec/{id}/resize", {.query = {"h", "w"}}, [&svc](Request& req) -> Result<Reply> {
        BERTH_ASSIGN_OR_RETURN(int64_t h, req.queryInt("h", 0));
        BERTH_ASSIGN_OR_RETURN(int64_t w, req.queryInt("w", 0));
        BERTH_TRY(svc.execResize(req.pathParams["id"], static_cast<int>(h), static_cast<int>(w)));
        return Reply::text(200, "");
      });
}

}  // namespace berth::api
