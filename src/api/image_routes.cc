#include "api/image_routes.h"

#include <string>
#include <vector>

namespace berth::api {

namespace {

// Image archives arrive whole: the server buffers a request body before the
// route runs, so this is also how much memory one import or load may take.
constexpr size_t kMaxImageArchive = size_t{4} << 30;

std::vector<std::string> queryAll(const Request& req, const std::string& key) {
  std::vector<std::string> out;
  auto range = req.query.equal_range(key);
  for (auto it = range.first; it != range.second; ++it) {
    out.push_back(it->second);
  }
  return out;
}

// dockerd's JSON message stream (streamformatter), one object per line.
Reply jsonStream(const std::vector<nlohmann::json>& messages) {
  std::string body;
  for (const auto& m : messages) {
    body += m.dump() + "\r\n";
  }
  return Reply::text(200, std::move(body), "application/json");
}

Result<Filters> filtersOf(const Request& req) {
  return Filters::parse(req.queryValue("filters").value_or(""));
}

// POST /images/create?fromImage=: nothing can be pulled; an image that is
// already here is reported up to date, as a pull of it would.
Result<Reply> pull(image::ImageService& images, const Request& req) {
  std::string name = req.queryValue("fromImage").value_or("");
  std::string tag = req.queryValue("tag").value_or("");
  std::string wanted = name;
  if (!tag.empty()) {
    wanted += (image::isImageDigest(tag) ? "@" : ":") + tag;
  }
  BERTH_ASSIGN_OR_RETURN(image::Reference ref, image::parseNormalizedNamed(wanted));
  ref = image::withDefaultTag(ref);
  auto found = images.resolve(ref.familiarString());
  if (!found.ok()) {
    if (found.error().kind() != ErrorKind::kNotFound) {
      return std::move(found).error();
    }
    // dockerd's wording first: clients key on it (docker-py's ImageNotFound).
    return notFound("pull access denied for " + ref.familiarName() +
                    ", repository does not exist or may require 'docker login': berth cannot "
                    "reach a registry; load the image with `docker load` or create it with "
                    "`docker import`");
  }
  std::string shown = ref.tag.empty() ? ref.digest : ref.tag;
  return jsonStream({{{"status", "Pulling from " + ref.path}, {"id", shown}},
                     {{"status", "Status: Image is up to date for " + ref.familiarString()}}});
}

}  // namespace

void addImageRoutes(Router& router, image::ImageService& images) {
  router.add("GET", "/images/json",
             {.query = {"all", "filters", "filter", "shared-size", "digests", "manifests"}},
             [&images](Request& req) -> Result<Reply> {
               image::ListOptions opts;
               BERTH_ASSIGN_OR_RETURN(opts.all, req.queryBool("all"));
               BERTH_ASSIGN_OR_RETURN(opts.sharedSize, req.queryBool("shared-size"));
               BERTH_ASSIGN_OR_RETURN(opts.digests, req.queryBool("digests"));
               BERTH_ASSIGN_OR_RETURN(opts.filters, filtersOf(req));
               // API < 1.41 had `filter=<reference>`; dockerd still maps it.
               if (auto legacy = req.queryValue("filter"); legacy && !legacy->empty()) {
                 opts.filters.add("reference", *legacy);
               }
               opts.apiVersion = req.apiVersion;
               BERTH_ASSIGN_OR_RETURN(nlohmann::json list, images.list(opts));
               return Reply::json(200, list);
             });

  router.add("GET", "/images/get", {.query = {"names", "platform"}},
             [&images](Request& req) -> Result<Reply> {
               std::string tar;
               BERTH_TRY(images.save(queryAll(req, "names"), [&tar](std::string_view d) {
                 tar.append(d);
                 return okStatus();
               }));
               return Reply::text(200, std::move(tar), "application/x-tar");
             });

  router.add("POST", "/images/create",
             {.query = {"fromImage", "fromSrc", "repo", "tag", "message", "changes", "platform"},
              .maxBody = kMaxImageArchive},
             [&images](Request& req) -> Result<Reply> {
               if (!req.queryValue("fromImage").value_or("").empty()) {
                 return pull(images, req);
               }
               std::string src = req.queryValue("fromSrc").value_or("");
               if (src.empty()) {
                 return invalidArgument("fromImage or fromSrc is required");
               }
               if (src != "-") {
                 return notImplemented(
                     "importing from a URL is not supported; send the archive "
                     "as the request body with fromSrc=-");
               }
               if (req.body.empty()) {
                 return invalidArgument(
                     "the import source is empty: send a root filesystem tar "
                     "as the request body");
               }
               image::ImportRequest ir;
               ir.repo = req.queryValue("repo").value_or("");
               ir.tag = req.queryValue("tag").value_or("");
               ir.message = req.queryValue("message").value_or("");
               ir.platform = req.queryValue("platform").value_or("");
               ir.changes = queryAll(req, "changes");
               BERTH_ASSIGN_OR_RETURN(std::string id, images.importImage(req.body, ir));
               return jsonStream({{{"status", id}}});
             });

  router.add("POST", "/images/load", {.query = {"quiet", "platform"}, .maxBody = kMaxImageArchive},
             [&images](Request& req) -> Result<Reply> {
               BERTH_ASSIGN_OR_RETURN(bool quiet, req.queryBool("quiet"));
               (void)quiet;  // no progress bars are sent either way
               BERTH_ASSIGN_OR_RETURN(image::LoadReport report, images.load(req.body));
               std::vector<nlohmann::json> lines;
               for (const auto& m : report.messages) {
                 lines.push_back({{"stream", m + "\n"}});
               }
               return jsonStream(lines);
             });

  router.add(
      "POST", "/images/prune", {.query = {"filters"}}, [&images](Request& req) -> Result<Reply> {
        BERTH_ASSIGN_OR_RETURN(Filters filters, filtersOf(req));
        BERTH_ASSIGN_OR_RETURN(image::PruneReport report, images.prune(filters));
        nlohmann::json deleted = report.deleted.empty() ? nlohmann::json(nullptr)
                                                        : image::deleteItemsJson(report.deleted);
        return Reply::json(200,
                           {{"ImagesDeleted", deleted}, {"SpaceReclaimed", report.spaceReclaimed}});
      });

  router.add("GET", "/images/{name*}/json", {}, [&images](Request& req) -> Result<Reply> {
    BERTH_ASSIGN_OR_RETURN(nlohmann::json doc,
                           images.inspect(req.pathParams["name"], req.apiVersion));
    return Reply::json(200, doc);
  });

  router.add("GET", "/images/{name*}/history", {.query = {"platform"}},
             [&images](Request& req) -> Result<Reply> {
               BERTH_ASSIGN_OR_RETURN(nlohmann::json doc, images.history(req.pathParams["name"]));
               return Reply::json(200, doc);
             });

  router.add("GET", "/images/{name*}/get", {.query = {"platform"}},
             [&images](Request& req) -> Result<Reply> {
               std::string tar;
               BERTH_TRY(images.save({req.pathParams["name"]}, [&tar](std::string_view d) {
                 tar.append(d);
                 return okStatus();
               }));
               return Reply::text(200, std::move(tar), "application/x-tar");
             });

  router.add(
      "POST", "/images/{name*}/tag", {.query = {"repo", "tag"}},
      [&images](Request& req) -> Result<Reply> {
        std::string repo = req.queryValue("repo").value_or("");
        if (repo.empty()) {
          return invalidArgument("repository name must have at least one component");
        }
        BERTH_TRY(images.tag(req.pathParams["name"], repo, req.queryValue("tag").value_or("")));
        Reply r = Reply::text(201, "", "");
        return r;
      });

  router.add("DELETE", "/images/{name*}", {.query = {"force", "noprune"}},
             [&images](Request& req) -> Result<Reply> {
               BERTH_ASSIGN_OR_RETURN(bool force, req.queryBool("force"));
               BERTH_ASSIGN_OR_RETURN(bool noprune, req.queryBool("noprune"));
               BERTH_ASSIGN_OR_RETURN(auto items,
                                      images.remove(req.pathParams["name"], force, noprune));
               return Reply::json(200, image::deleteItemsJson(items));
             });
}

}  // namespace berth::api
