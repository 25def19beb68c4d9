#include "api/container_routes.h"

#include <thread>

#include "api/system_routes.h"

namespace berth::api {

namespace {

using container::ContainerService;
using nlohmann::json;

constexpr size_t kMaxArchiveBody = size_t{1} << 30;  // docker cp of up to 1 GiB into a container

class RawConnStream : public container::ClientStream {
 public:
  explicit RawConnStream(std::unique_ptr<RawConn> c) : c_(std::move(c)) {}
  Result<size_t> read(char* buf, size_t n) override { return c_->read(buf, n); }
  Status write(std::string_view data) override { return c_->write(data); }
  void closeWrite() override { c_->closeWrite(); }

 private:
  std::unique_ptr<RawConn> c_;
};

Reply notModified() {
  Reply r;
  r.status = 304;
  r.contentType.clear();
  return r;
}

std::string base64(std::string_view in) {
  static const char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  while (i + 2 < in.size()) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    out += {kAlphabet[v >> 18], kAlphabet[(v >> 12) & 63], kAlphabet[(v >> 6) & 63],
            kAlphabet[v & 63]};
    i += 3;
  }
  if (i + 1 == in.size()) {
    uint32_t v = uint8_t(in[i]) << 16;
    out += {kAlphabet[v >> 18], kAlphabet[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += {kAlphabet[v >> 18], kAlphabet[(v >> 12) & 63], kAlphabet[(v >> 6) & 63], '='};
  }
  return out;
}

Result<std::optional<int>> optionalInt(const Request& req, const std::string& key) {
  auto v = req.queryValue(key);
  if (!v || v->empty()) {
    return std::optional<int>();
  }
  BERTH_ASSIGN_OR_RETURN(int64_t n, req.queryInt(key, 0));
  return std::optional<int>(static_cast<int>(n));
}

Result<int64_t> timestampParam(const Request& req, const std::string& key) {
  auto v = req.queryValue(key);
  if (!v || v->empty() || *v == "0") {
    return int64_t{0};
  }
  return parseApiTimestamp(*v);
}

// Runs `work` on a thread of its own once the stream's headers are out:
// following logs or sampling stats must not hold the io loop or the pool.
Reply threadedStream(std::string contentType,
                     std::function<void(std::shared_ptr<StreamSink>)> work) {
  Reply r;
  r.contentType = std::move(contentType);
  r.stream = [work = std::move(work)](std::shared_ptr<StreamSink> sink) {
    std::thread([work, sink] {
      work(sink);
      sink->finish();
    }).detach();
  };
  return r;
}

void addLifecycleRoutes(Router& router, ContainerService& svc) {
  router.add("POST", "/containers/create", {.query = {"name", "platform"}},
             [&svc](Request& req) -> Result<Reply> {
               BERTH_ASSIGN_OR_RETURN(json body, req.json());
               auto platform = req.queryValue("platform").value_or("");
               if (!platform.empty() && platform.rfind("linux", 0) != 0) {
                 return invalidArgument("unsupported platform: " + platform);
               }
               BERTH_ASSIGN_OR_RETURN(
                   auto created,
                   svc.create(container::CreateRequest{req.queryValue("name").value_or(""), body}));
               return Reply::json(201, {{"Id", created.id}, {"Warnings", created.warnings}});
             });
  router.add("POST", "/containers/{id}/start",
             {.query = {"detachKeys", "checkpoint", "checkpoint-dir"}},
             [&svc](Request& req) -> Result<Reply> {
               BERTH_ASSIGN_OR_RETURN(bool started, svc.start(req.pathParams["id"]));
               return started ? Reply::noContent() : notModified();
             });
  router.add("POST", "/containers/{id}/stop", {.query = {"t", "signal"}},
             [&svc](Request& req) -> Result<Reply> {
               container::StopOptions opts;
               BERTH_ASSIGN_OR_RETURN(opts.timeout, optionalInt(req, "t"));
               opts.signal = req.queryValue("signal").value_or("");
               BERTH_ASSIGN_OR_RETURN(bool stopped, svc.stop(req.pathParams["id"], opts));
               return stopped ? Reply::noContent() : notModified();
             });
  router.add("POST", "/containers/{id}/restart", {.query = {"t", "signal"}},
             [&svc](Request& req) -> Result<Reply> {
               container::StopOptions opts;
               BERTH_ASSIGN_OR_RETURN(opts.timeout, optionalInt(req, "t"));
               opts.signal = req.queryValue("signal").value_or("");
               BERTH_TRY(svc.restart(req.pathParams["id"], opts));
               return Reply::noContent();
             });
  router.add("POST", "/containers/{id}/kill", {.query = {"signal"}},
             [&svc](Request& req) -> Result<Reply> {
               BERTH_TRY(svc.kill(req.pathParams["id"], req.queryValue("signal").value_or("")));
               return Reply::noContent();
             });
  router.add("POST", "/containers/{id}/pause", {}, [&svc](Request& req) -> Result<Reply> {
    BERTH_TRY(svc.pause(req.pathParams["id"]));
    return Reply::noContent();
  });
  router.add("POST", "/containers/{id}/unpause", {}, [&svc](Request& req) -> Result<Reply> {
    BERTH_TRY(svc.unpause(req.pathParams["id"]));
    return Reply::noContent();
  });
  router.add("POST", "/containers/{id}/wait", {.query = {"condition"}},
             [&svc](Request& req) -> Result<Reply> {
               BERTH_ASSIGN_OR_RETURN(auto cond, container::parseWaitCondition(
                                                     req.queryValue("condition").value_or("")));
               BERTH_ASSIGN_OR_RETURN(auto waiter, svc.wait(req.pathParams["id"], cond));
               // dockerd sends the headers at once and the body when the container is done.
               Reply r;
               r.stream = [waiter](std::shared_ptr<StreamSink> sink) {
                 std::weak_ptr<StreamSink> weak = sink;
                 waiter->then([weak](const container::WaitResult& w) {
                   if (auto s = weak.lock()) {
                     json err = w.error.empty() ? json(nullptr) : json{{"Message", w.error}};
                     s->write(json{{"Error", err}, {"StatusCode", w.statusCode}}.dump() + "\n");
                     s->finish();
                   }
                 });
               };
               return r;
             });
  router.add("DELETE", "/containers/{id}", {.query = {"v", "force", "link"}},
             [&svc](Request& req) -> Result<Reply> {
               container::RemoveOptions opts;
               BERTH_ASSIGN_OR_RETURN(opts.volumes, req.queryBool("v"));
               BERTH_ASSIGN_OR_RETURN(opts.force, req.queryBool("force"));
               BERTH_ASSIGN_OR_RETURN(opts.link, req.queryBool("link"));
               BERTH_TRY(svc.remove(req.pathParams["id"], opts));
               return Reply::noContent();
             });
  router.add("POST", "/containers/{id}/rename", {.query = {"name"}},
             [&svc](Request& req) -> Result<Reply> {
               BERTH_TRY(svc.rename(req.pathParams["id"], req.queryValue("name").value_or("")));
               return Reply::noContent();
             });
  router.add(
      "POST", "/containers/prune", {.query = {"filters"}}, [&svc](Request& req) -> Result<Reply> {
        BERTH_ASSIGN_OR_RETURN(Filters f, Filters::parse(req.queryValue("filters").value_or("")));
        BERTH_ASSIGN_OR_RETURN(auto report, svc.prune(f));
        json deleted = report.deleted.empty() ? json(nullptr) : json(report.deleted);
        return Reply::json(
            200, {{"ContainersDeleted", deleted}, {"SpaceReclaimed", report.spaceReclaimed}});
      });
  for (const char* path : {"/containers/{id}/changes", "/containers/{id}/export"}) {
    router.add("GET", path, {}, [](Request& req) -> Result<Reply> {
      return notImplemented(req.path.substr(req.path.rfind('/') + 1) + " is not supported yet");
    });
  }
  router.add("POST", "/containers/{id}/update", {}, [](Request&) -> Result<Reply> {
    return notImplemented("update is not supported yet");
  });
}

void addViewRoutes(Router& router, ContainerService& svc) {
  router.add("GET", "/containers/json", {.query = {"all", "limit", "size", "filters"}},
             [&svc](Request& req) -> Result<Reply> {
               container::ListOptions opts;
               BERTH_ASSIGN_OR_RETURN(opts.all, req.queryBool("all"));
               BERTH_ASSIGN_OR_RETURN(int64_t limit, req.queryInt("limit", -1));
               opts.limit = static_cast<int>(limit);
               BERTH_ASSIGN_OR_RETURN(opts.size, req.queryBool("size"));
               BERTH_ASSIGN_OR_RETURN(opts.filters,
                                      Filters::parse(req.queryValue("filters").value_or("")));
               BERTH_ASSIGN_OR_RETURN(json list, svc.list(opts));
               return Reply::json(200, list);
             });
  router.add("GET", "/containers/{id}/json", {.query = {"size"}},
             [&svc](Request& req) -> Result<Reply> {
               BERTH_ASSIGN_OR_RETURN(bool size, req.queryBool("size"));
               BERTH_ASSIGN_OR_RETURN(json j, svc.inspect(req.pathParams["id"], size));
               return Reply::json(200, j);
             });
  router.add("GET", "/containers/{id}/top", {.query = {"ps_args"}},
             [&svc](Request& req) -> Result<Reply> {
               BERTH_ASSIGN_OR_RETURN(
                   json j, svc.top(req.pathParams["id"], req.queryValue("ps_args").value_or("")));
               return Reply::json(200, j);
             });
  router.add("GET", "/containers/{id}/stats", {.query = {"stream", "one-shot"}},
             [&svc](Request& req) -> Result<Reply> {
               BERTH_ASSIGN_OR_RETURN(bool stream, req.queryBool("stream", true));
               BERTH_ASSIGN_OR_RETURN(bool oneShot, req.queryBool("one-shot"));
               if (oneShot && stream) {
                 return invalidArgument("cannot have stream=true and one-shot=true");
               }
               std::string id = req.pathParams["id"];
               BERTH_TRY(svc.find(id));  // 404 before the stream starts
               return threadedStream("application/json",
                                     [&svc, id, stream, oneShot](std::shared_ptr<StreamSink> sink) {
                                       if (!stream) {
                                         auto s = svc.statsOnce(id, oneShot);
                                         if (s.ok()) {
                                           sink->write(s->dump() + "\n");
                                         }
                                         return;
                                       }
                                       (void)svc.statsStream(id, [&sink](const json& s) {
                                         return !sink->closed() && sink->write(s.dump() + "\n");
                                       });
                                     });
             });
  router.add(
      "GET", "/containers/{id}/logs",
      {.query = {"stdout", "stderr", "follow", "tail", "since", "until", "timestamps", "details"}},
      [&svc](Request& req) -> Result<Reply> {
        container::LogsOptions opts;
        BERTH_ASSIGN_OR_RETURN(opts.showStdout, req.queryBool("stdout"));
        BERTH_ASSIGN_OR_RETURN(opts.showStderr, req.queryBool("stderr"));
        BERTH_ASSIGN_OR_RETURN(opts.follow, req.queryBool("follow"));
        BERTH_ASSIGN_OR_RETURN(opts.timestamps, req.queryBool("timestamps"));
        BERTH_ASSIGN_OR_RETURN(opts.details, req.queryBool("details"));
        BERTH_ASSIGN_OR_RETURN(opts.sinceNano, timestampParam(req, "since"));
        BERTH_ASSIGN_OR_RETURN(opts.untilNano, timestampParam(req, "until"));
        std::string tail = req.queryValue("tail").value_or("all");
        if (tail != "all" && !tail.empty()) {
          BERTH_ASSIGN_OR_RETURN(int64_t n, req.queryInt("tail", -1));
          opts.tail = n < 0 ? -1 : static_cast<int>(n);
        }
        BERTH_ASSIGN_OR_RETURN(container::LogsPlan plan, svc.logs(req.pathParams["id"], opts));
        return threadedStream(
            streamContentType(plan.tty, req.apiVersion),
            [&svc, plan](std::shared_ptr<StreamSink> sink) {
              (void)svc.streamLogs(
                  plan, [&sink](std::string_view b) { return sink->write(std::string(b)); },
                  [&sink] { return sink->closed(); });
            });
      });
  router.add("POST", "/containers/{id}/attach",
             {.query = {"stream", "stdin", "stdout", "stderr", "logs", "detachKeys"}},
             [&svc](Request& req) -> Result<Reply> {
               container::AttachOptions opts;
               BERTH_ASSIGN_OR_RETURN(opts.stream, req.queryBool("stream"));
               BERTH_ASSIGN_OR_RETURN(opts.attachStdin, req.queryBool("stdin"));
               BERTH_ASSIGN_OR_RETURN(opts.attachStdout, req.queryBool("stdout"));
               BERTH_ASSIGN_OR_RETURN(opts.attachStderr, req.queryBool("stderr"));
               BERTH_ASSIGN_OR_RETURN(opts.logs, req.queryBool("logs"));
               opts.detachKeys = req.queryValue("detachKeys").value_or("");
               BERTH_ASSIGN_OR_RETURN(auto session, svc.attach(req.pathParams["id"], opts));
               Reply r;
               r.contentType = streamContentType(session->tty(), req.apiVersion);
               r.hijack = [session](std::unique_ptr<RawConn> conn) {
                 session->run(clientStreamOf(std::move(conn)));
               };
               return r;
             });
  router.add(
      "POST", "/containers/{id}/resize", {.query = {"h", "w"}},
      [&svc](Request& req) -> Result<Reply> {
        BERTH_ASSIGN_OR_RETURN(int64_t h, req.queryInt("h", 0));
        BERTH_ASSIGN_OR_RETURN(int64_t w, req.queryInt("w", 0));
        BERTH_TRY(svc.resize(req.pathParams["id"], static_cast<int>(h), static_cast<int>(w)));
        return Reply::text(200, "");
      });
}

void addArchiveRoutes(Router& router, ContainerService& svc) {
  auto statHeader = [](const container::PathStat& st) {
    return std::make_pair(std::string("X-Docker-Container-Path-Stat"),
                          base64(container::pathStatJson(st).dump()));
  };
  router.add("HEAD", "/containers/{id}/archive", {.query = {"path"}},
             [&svc, statHeader](Request& req) -> Result<Reply> {
               std::string path = req.queryValue("path").value_or("");
               if (path.empty()) {
                 return invalidArgument("path is required");
               }
               BERTH_ASSIGN_OR_RETURN(auto st, svc.statPath(req.pathParams["id"], path));
               Reply r = Reply::text(200, "");
               r.headers.push_back(statHeader(st));
               return r;
             });
  router.add("GET", "/containers/{id}/archive", {.query = {"path"}},
             [&svc, statHeader](Request& req) -> Result<Reply> {
               std::string path = req.queryValue("path").value_or("");
               if (path.empty()) {
                 return invalidArgument("path is required");
               }
               std::string id = req.pathParams["id"];
               BERTH_ASSIGN_OR_RETURN(auto st, svc.statPath(id, path));
               Reply r = threadedStream(
                   "application/x-tar", [&svc, id, path](std::shared_ptr<StreamSink> sink) {
                     (void)svc.archivePath(id, path, [&sink](std::string_view b) {
                       return sink->write(std::string(b));
                     });
                   });
               r.headers.push_back(statHeader(st));
               return r;
             });
  router.add("PUT", "/containers/{id}/archive",
             {.query = {"path", "noOverwriteDirNonDir", "copyUIDGID"}, .maxBody = kMaxArchiveBody},
             [&svc](Request& req) -> Result<Reply> {
               std::string path = req.queryValue("path").value_or("");
               if (path.empty()) {
                 return invalidArgument("path is required");
               }
               container::ExtractOptions opts;
               BERTH_ASSIGN_OR_RETURN(opts.noOverwriteDirNonDir,
                                      req.queryBool("noOverwriteDirNonDir"));
               BERTH_ASSIGN_OR_RETURN(opts.copyUidGid, req.queryBool("copyUIDGID"));
               BERTH_TRY(svc.extractToDir(req.pathParams["id"], path, req.body, opts));
               return Reply::text(200, "");
             });
}

}  // namespace

std::shared_ptr<container::ClientStream> clientStreamOf(std::unique_ptr<RawConn> conn) {
  return std::make_shared<RawConnStream>(std::move(conn));
}

std::string streamContentType(bool tty, const std::string& apiVersion) {
  if (tty || compareVersions(apiVersion, "1.42") < 0) {
    return "application/vnd.docker.raw-stream";
  }
  return "application/vnd.docker.multiplexed-stream";
}

void addContainerRoutes(Router& router, ContainerService& containers) {
  addLifecycleRoutes(router, containers);
  addViewRoutes(router, containers);
  addArchiveRoutes(router, containers);
}

}  // namespace berth::api
