// The read side of the image service: list (/images/json), inspect and history,
// in dockerd's JSON shapes.
#include <fnmatch.h>

#include <algorithm>
#include <map>

#include "common/strings.h"
#include "common/time_format.h"
#include "image/changes.h"
#include "image/digest.h"
#include "image/image_config.h"
#include "image/image_service.h"

namespace berth::image {

namespace {

using json = nlohmann::json;

constexpr int64_t kNanos = 1000000000;

// "1.43" < "1.44", comparing dotted numbers.
bool apiVersionBefore(std::string_view v, std::string_view than) {
  auto a = split(v, '.');
  auto b = split(than, '.');
  for (size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
    long x = i < a.size() ? std::strtol(a[i].c_str(), nullptr, 10) : 0;
    long y = i < b.size() ? std::strtol(b[i].c_str(), nullptr, 10) : 0;
    if (x != y) {
      return x < y;
    }
  }
  return false;
}

// reference.FamiliarMatch: the pattern against "name:tag", then against "name".
bool familiarMatch(const std::string& pattern, const std::string& familiarTag) {
  if (::fnmatch(pattern.c_str(), familiarTag.c_str(), FNM_PATHNAME) == 0) {
    return true;
  }
  auto ref = parseNormalizedNamed(familiarTag);
  return ref.ok() && ::fnmatch(pattern.c_str(), ref->familiarName().c_str(), FNM_PATHNAME) == 0;
}

json labelsJson(const json& config) {
  auto labels = imageLabels(config);
  if (labels.empty()) {
    return nullptr;
  }
  json out = json::object();
  for (const auto& [k, v] : labels) {
    out[k] = v;
  }
  return out;
}

// config.config with every container.Config field present, as dockerd shows it.
json fullContainerConfig(const json& config, const char* key) {
  json out = emptyContainerConfig();
  if (config.contains(key) && config[key].is_object()) {
    for (const auto& [k, v] : config[key].items()) {
      out[k] = v;
    }
  }
  return out;
}

std::string str(const json& j, const char* key) {
  return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}

}  // namespace

Result<json> ImageService::list(const ListOptions& opts) {
  const Filters& f = opts.filters;
  BERTH_TRY(f.validateKeys({"dangling", "label", "before", "since", "reference", "until"}));
  std::optional<bool> dangling;
  for (const auto& v : f.get("dangling")) {
    if (v == "true" || v == "1") {
      dangling = true;
    } else if (v == "false" || v == "0") {
      dangling = false;
    } else {
      return invalidArgument("invalid filter 'dangling=" + v + "'");
    }
  }
  int64_t before = 0;
  int64_t since = 0;
  int64_t until = 0;
  for (const auto& v : f.get("before")) {
    BERTH_ASSIGN_OR_RETURN(Found found, find(v));
    before = found.image.createdNano;
  }
  for (const auto& v : f.get("since")) {
    BERTH_ASSIGN_OR_RETURN(Found found, find(v));
    since = found.image.createdNano;
  }
  for (const auto& v : f.get("until")) {
    BERTH_ASSIGN_OR_RETURN(until, parseFilterTimestamp(v, now()));
  }

  BERTH_ASSIGN_OR_RETURN(std::vector<StoredImage> all, allImages());
  std::map<std::string, int> layerUsers;
  if (opts.sharedSize) {
    for (const auto& img : all) {
      for (const auto& d : std::set<std::string>(img.diffIds.begin(), img.diffIds.end())) {
        ++layerUsers[d];
      }
    }
  }
  std::sort(all.begin(), all.end(), [](const StoredImage& a, const StoredImage& b) {
    return a.createdNano != b.createdNano ? a.createdNano > b.createdNano : a.id < b.id;
  });

  json out = json::array();
  for (const auto& img : all) {
    if ((f.contains("before") && img.createdNano >= before) ||
        (f.contains("since") && img.createdNano <= since) ||
        (f.contains("until") && img.createdNano > until)) {
      continue;
    }
    json config = json::parse(img.config, nullptr, false);
    if (!f.matchKVList("label", imageLabels(config))) {
      continue;
    }
    std::vector<std::string> tags;
    for (const auto& t : img.repoTags) {
      bool keep = !f.contains("reference");
      for (const auto& pattern : f.get("reference")) {
        keep = keep || familiarMatch(pattern, t);
      }
      if (keep) {
        tags.push_back(t);
      }
    }
    json digests = json::array();
    if (img.repoTags.empty()) {
      if (dangling == false || f.contains("reference")) {
        continue;
      }
      tags = {"<none>:<none>"};
      digests = json::array({"<none>@<none>"});
    } else {
      if (dangling == true || tags.empty()) {
        continue;
      }
    }
    int64_t shared = -1;
    if (opts.sharedSize) {
      shared = 0;
      for (size_t i = 0; i < img.diffIds.size(); ++i) {
        if (layerUsers[img.diffIds[i]] > 1 && i < img.layerSizes.size()) {
          shared += img.layerSizes[i];
        }
      }
    }
    json summary = {{"Containers", -1},  {"Created", img.createdNano / kNanos},
                    {"Id", img.id},      {"Labels", labelsJson(config)},
                    {"ParentId", ""},    {"RepoDigests", digests},
                    {"RepoTags", tags},  {"SharedSize", shared},
                    {"Size", img.size()}};
    if (apiVersionBefore(opts.apiVersion, "1.44")) {
      summary["VirtualSize"] = img.size();
    }
    out.push_back(std::move(summary));
  }
  return out;
}

Result<json> ImageService::inspect(std::string_view name, std::string_view apiVersion) {
  BERTH_ASSIGN_OR_RETURN(Found found, find(name));
  const StoredImage& img = found.image;
  json config = json::parse(img.config, nullptr, false);
  if (config.is_discarded()) {
    return internal("stored config of " + img.id + " is not valid JSON");
  }
  json data = json::object();
  if (!img.diffIds.empty()) {
    std::string top = std::string(digestHex(img.diffIds.back()));
    std::string layerRoot = root_ + "/layers/" + top;
    data["UpperDir"] = layers_.diffDir(img.diffIds.back());
    data["MergedDir"] = layerRoot + "/merged";
    data["WorkDir"] = layerRoot + "/work";
    std::vector<std::string> lower;
    for (size_t i = img.diffIds.size() - 1; i-- > 0;) {
      lower.push_back(layers_.diffDir(img.diffIds[i]));
    }
    if (!lower.empty()) {
      std::string joined;
      for (const auto& l : lower) {
        joined += (joined.empty() ? "" : ":") + l;
      }
      data["LowerDir"] = joined;
    }
  }
  json out = {
      {"Id", img.id},
      {"RepoTags", img.repoTags},
      {"RepoDigests", json::array()},
      {"Parent", ""},
      {"Comment", str(config, "comment")},
      {"Created",
       img.createdNano != 0 ? formatRfc3339Nano(img.createdNano) : str(config, "created")},
      {"Container", str(config, "container")},
      {"ContainerConfig", fullContainerConfig(config, "container_config")},
      {"DockerVersion", str(config, "docker_version")},
      {"Author", str(config, "author")},
      {"Config", fullContainerConfig(config, "config")},
      {"Architecture", str(config, "architecture")},
      {"Os", str(config, "os").empty() ? "linux" : str(config, "os")},
      {"Size", img.size()},
      {"GraphDriver", {{"Data", data}, {"Name", "overlayfs"}}},
      {"RootFS", {{"Type", "layers"}, {"Layers", img.diffIds}}},
      {"Metadata", {{"LastTagTime", formatGoTime(img.lastTagTimeNano)}}},
  };
  if (!str(config, "variant").empty()) {
    out["Variant"] = str(config, "variant");
  }
  if (!str(config, "os.version").empty()) {
    out["OsVersion"] = str(config, "os.version");
  }
  if (apiVersionBefore(apiVersion, "1.44")) {
    out["VirtualSize"] = img.size();
  }
  return out;
}

Result<json> ImageService::history(std::string_view name) {
  BERTH_ASSIGN_OR_RETURN(Found found, find(name));
  const StoredImage& img = found.image;
  json config = json::parse(img.config, nullptr, false);
  json items = json::array();
  size_t layer = 0;
  if (config.contains("history") && config["history"].is_array()) {
    for (const auto& h : config["history"]) {
      int64_t size = 0;
      if (!h.value("empty_layer", false)) {
        if (layer < img.layerSizes.size()) {
          size = img.layerSizes[layer];
        }
        ++layer;
      }
      int64_t created = 0;
      if (auto t = parseRfc3339(str(h, "created")); t.ok()) {
        created = *t / kNanos;
      }
      items.push_back({{"Comment", str(h, "comment")},
                       {"Created", created},
                       {"CreatedBy", str(h, "created_by")},
                       {"Id", "<missing>"},
                       {"Size", size},
                       {"Tags", nullptr}});
    }
  }
  std::reverse(items.begin(), items.end());
  if (!items.empty()) {
    items[0]["Id"] = img.id;
    items[0]["Tags"] = img.repoTags.empty() ? json(nullptr) : json(img.repoTags);
  }
  return items;
}

}  // namespace berth::image
