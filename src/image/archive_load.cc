#include "image/archive_load.h"

#include <set>

#include "common/strings.h"
#include "image/archive_io.h"
#include "image/digest.h"
#include "image/reference.h"

namespace berth::image {

namespace {

using json = nlohmann::json;

// Metadata files (manifests, configs, index) are read into memory on the first
// pass; layers are only noted and streamed later.
constexpr int64_t kMaxMetadataFile = int64_t{8} * 1024 * 1024;

constexpr std::string_view kOciIndex = "application/vnd.oci.image.index.v1+json";
constexpr std::string_view kDockerList =
    "application/vnd.docker.distribution.manifest.list.v2+json";

struct ArchiveIndex {
  std::map<std::string, std::string> small;    // path → content (regular files up to the limit)
  std::set<std::string> files;                 // every regular file
  std::map<std::string, std::string> aliases;  // symlink/hardlink path → target path

  // Follows aliases to a regular file; "" when there is none.
  std::string resolve(const std::string& path) const {
    std::string cur = cleanArchivePath(path);
    for (int i = 0; i < 16 && !cur.empty(); ++i) {
      if (files.count(cur) != 0) {
        return cur;
      }
      auto it = aliases.find(cur);
      if (it == aliases.end()) {
        return "";
      }
      cur = it->second;
    }
    return "";
  }

  Result<std::string> read(const std::string& path, std::string_view what) const {
    std::string real = resolve(path);
    auto it = small.find(real);
    if (real.empty() || it == small.end()) {
      return invalidArgument("invalid image archive: " + std::string(what) + " " + path +
                             (real.empty() ? " is missing" : " is too large"));
    }
    return it->second;
  }
};

std::string joinArchivePath(const std::string& dir, const std::string& rel) {
  if (!rel.empty() && rel.front() == '/') {
    return cleanArchivePath(rel);
  }
  return cleanArchivePath(dir.empty() ? rel : dir + "/" + rel);
}

Result<ArchiveIndex> indexArchive(std::string_view archive) {
  ArchiveIndex idx;
  MemorySource src(archive);
  ArchiveReader reader(src, ArchiveReader::Mode::kTar);
  BERTH_TRY(reader.open("image archive"));
  while (true) {
    BERTH_ASSIGN_OR_RETURN(archive_entry * e, reader.next());
    if (e == nullptr) {
      break;
    }
    const char* raw = archive_entry_pathname(e);
    std::string name = raw == nullptr ? "" : cleanArchivePath(raw);
    if (name.empty()) {
      continue;
    }
    std::string dir = name.find('/') == std::string::npos ? "" : name.substr(0, name.rfind('/'));
    if (const char* hl = archive_entry_hardlink(e); hl != nullptr) {
      idx.aliases[name] = cleanArchivePath(hl);
      continue;
    }
    if (archive_entry_filetype(e) == AE_IFLNK) {
      const char* target = archive_entry_symlink(e);
      if (target != nullptr) {
        idx.aliases[name] = joinArchivePath(dir, target);
      }
      continue;
    }
    if (archive_entry_filetype(e) != AE_IFREG) {
      continue;
    }
    idx.files.insert(name);
    if (archive_entry_size(e) <= kMaxMetadataFile) {
      std::string data;
      char buf[65536];
      while (true) {
        BERTH_ASSIGN_OR_RETURN(size_t got, reader.read(buf, sizeof buf));
        if (got == 0) {
          break;
        }
        data.append(buf, got);
      }
      idx.small[name] = std::move(data);
    }
  }
  return idx;
}

Result<json> parseJson(const std::string& text, std::string_view what) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) {
    return invalidArgument("invalid image archive: " + std::string(what) + " is not valid JSON");
  }
  return j;
}

Result<Reference> taggedRef(const std::string& s) {
  BERTH_ASSIGN_OR_RETURN(Reference ref, parseNormalizedNamed(s));
  if (ref.tag.empty()) {
    return invalidArgument("invalid tag \"" + s + "\"");
  }
  ref.digest.clear();
  return ref;
}

// Fills config and checks the layer count against its diff ids.
Status finishImage(PlannedImage& img, const std::vector<std::string>& layerEntries,
                   const std::vector<std::string>& blobDigests) {
  BERTH_ASSIGN_OR_RETURN(img.config, parseImageConfig(img.configRaw));
  if (layerEntries.size() != img.config.diffIds.size()) {
    return invalidArgument("invalid manifest, layers length mismatch: expected " +
                           std::to_string(layerEntries.size()) + ", got " +
                           std::to_string(img.config.diffIds.size()));
  }
  for (size_t i = 0; i < layerEntries.size(); ++i) {
    img.layers.push_back({layerEntries[i], img.config.diffIds[i], blobDigests[i]});
  }
  return okStatus();
}

Result<LoadPlan> planDockerSave(const ArchiveIndex& idx) {
  BERTH_ASSIGN_OR_RETURN(std::string text, idx.read("manifest.json", "file"));
  BERTH_ASSIGN_OR_RETURN(json manifest, parseJson(text, "manifest.json"));
  if (manifest.is_null()) {
    return invalidArgument("invalid manifest, manifest cannot be null (but can be [])");
  }
  if (!manifest.is_array()) {
    return invalidArgument("invalid image archive: manifest.json is not a list");
  }
  LoadPlan plan;
  for (const auto& m : manifest) {
    if (!m.is_object() || !m.contains("Config") || !m["Config"].is_string()) {
      return invalidArgument("invalid image archive: a manifest.json entry has no Config");
    }
    PlannedImage img;
    std::string configPath = m["Config"].get<std::string>();
    BERTH_ASSIGN_OR_RETURN(img.configRaw, idx.read(configPath, "image config"));
    std::vector<std::string> entries;
    std::vector<std::string> digests;
    if (m.contains("Layers") && m["Layers"].is_array()) {
      for (const auto& l : m["Layers"]) {
        if (!l.is_string()) {
          return invalidArgument("invalid image archive: a layer path is not a string");
        }
        std::string real = idx.resolve(l.get<std::string>());
        if (real.empty()) {
          return invalidArgument("invalid image archive: layer " + l.get<std::string>() +
                                 " is missing");
        }
        entries.push_back(real);
        digests.emplace_back();
      }
    }
    BERTH_TRY(finishImage(img, entries, digests));
    if (m.contains("RepoTags") && m["RepoTags"].is_array()) {
      for (const auto& t : m["RepoTags"]) {
        if (!t.is_string()) {
          return invalidArgument("invalid image archive: a RepoTags entry is not a string");
        }
        BERTH_ASSIGN_OR_RETURN(Reference ref, taggedRef(t.get<std::string>()));
        img.tags.push_back(std::move(ref));
      }
    }
    plan.images.push_back(std::move(img));
  }
  return plan;
}

Result<std::string> blobPath(const json& desc) {
  std::string digest = desc.is_object() ? desc.value("digest", "") : "";
  if (!isImageDigest(digest)) {
    return invalidArgument("invalid image archive: unsupported or malformed digest '" + digest +
                           "'");
  }
  return "blobs/sha256/" + std::string(digestHex(digest));
}

// The name an OCI index entry gives its image, if any.
std::optional<Reference> ociName(const json& desc) {
  if (!desc.contains("annotations") || !desc["annotations"].is_object()) {
    return std::nullopt;
  }
  const auto& a = desc["annotations"];
  for (const char* key : {"io.containerd.image.name", "org.opencontainers.image.ref.name"}) {
    if (a.contains(key) && a[key].is_string()) {
      std::string name = a[key].get<std::string>();
      // A bare ref.name ("latest") is a tag without a repository: no name to give.
      if (name.find_first_of(":/") == std::string::npos) {
        continue;
      }
      if (auto ref = taggedRef(name); ref.ok()) {
        return *ref;
      }
    }
  }
  return std::nullopt;
}

// Picks the manifest for this platform out of a (nested) index.
Result<json> pickManifest(const ArchiveIndex& idx, const json& desc, int depth) {
  std::string mediaType = desc.value("mediaType", "");
  BERTH_ASSIGN_OR_RETURN(std::string path, blobPath(desc));
  BERTH_ASSIGN_OR_RETURN(std::string text, idx.read(path, "blob"));
  BERTH_ASSIGN_OR_RETURN(json doc, parseJson(text, path));
  bool isIndex = mediaType == kOciIndex || mediaType == kDockerList ||
                 (doc.is_object() && doc.contains("manifests"));
  if (!isIndex) {
    return doc;
  }
  if (depth > 4 || !doc.contains("manifests") || !doc["manifests"].is_array()) {
    return invalidArgument("invalid image archive: bad image index " + path);
  }
  Platform host = hostPlatform();
  for (const auto& m : doc["manifests"]) {
    const json& p = m.contains("platform") ? m["platform"] : json::object();
    if (p.value("os", "linux") == "linux" &&
        p.value("architecture", host.architecture) == host.architecture) {
      return pickManifest(idx, m, depth + 1);
    }
  }
  return invalidArgument("image archive has no manifest for linux/" + host.architecture);
}

Result<LoadPlan> planOciLayout(const ArchiveIndex& idx) {
  BERTH_ASSIGN_OR_RETURN(std::string text, idx.read("index.json", "file"));
  BERTH_ASSIGN_OR_RETURN(json index, parseJson(text, "index.json"));
  if (!index.is_object() || !index.contains("manifests") || !index["manifests"].is_array()) {
    return invalidArgument("invalid image archive: index.json has no manifests");
  }
  LoadPlan plan;
  std::map<std::string, size_t> byConfig;  // one image per config, however many names
  for (const auto& desc : index["manifests"]) {
    BERTH_ASSIGN_OR_RETURN(json manifest, pickManifest(idx, desc, 0));
    if (!manifest.is_object() || !manifest.contains("config")) {
      return invalidArgument("invalid image archive: a manifest has no config");
    }
    BERTH_ASSIGN_OR_RETURN(std::string configPath, blobPath(manifest["config"]));
    std::optional<Reference> name = ociName(desc);
    if (auto it = byConfig.find(configPath); it != byConfig.end()) {
      if (name) {
        plan.images[it->second].tags.push_back(*name);
      }
      continue;
    }
    PlannedImage img;
    BERTH_ASSIGN_OR_RETURN(img.configRaw, idx.read(configPath, "image config"));
    if (sha256Digest(img.configRaw) != manifest["config"].value("digest", "")) {
      return invalidArgument("invalid image archive: config " + configPath +
                             " does not match its digest");
    }
    std::vector<std::string> entries;
    std::vector<std::string> digests;
    if (manifest.contains("layers") && manifest["layers"].is_array()) {
      for (const auto& l : manifest["layers"]) {
        BERTH_ASSIGN_OR_RETURN(std::string path, blobPath(l));
        std::string real = idx.resolve(path);
        if (real.empty()) {
          return invalidArgument("invalid image archive: layer " + path + " is missing");
        }
        entries.push_back(real);
        digests.push_back(l.value("digest", ""));
      }
    }
    BERTH_TRY(finishImage(img, entries, digests));
    if (name) {
      img.tags.push_back(*name);
    }
    byConfig[configPath] = plan.images.size();
    plan.images.push_back(std::move(img));
  }
  return plan;
}

}  // namespace

std::string cleanArchivePath(std::string_view name) {
  std::vector<std::string> parts;
  for (auto& p : split(name, '/')) {
    if (p.empty() || p == ".") {
      continue;
    }
    if (p == "..") {
      if (parts.empty()) {
        return "";
      }
      parts.pop_back();
      continue;
    }
    parts.push_back(std::move(p));
  }
  return join(parts, "/");
}

Result<LoadPlan> planLoad(std::string_view archive) {
  BERTH_ASSIGN_OR_RETURN(ArchiveIndex idx, indexArchive(archive));
  // dockerd's loader reads manifest.json; the OCI index is for archives without it.
  if (idx.files.count("manifest.json") != 0) {
    return planDockerSave(idx);
  }
  if (idx.files.count("index.json") != 0) {
    return planOciLayout(idx);
  }
  return invalidArgument(
      "invalid image archive: it has neither manifest.json (docker save) nor index.json (OCI "
      "layout)");
}

}  // namespace berth::image
