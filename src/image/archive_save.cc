#include "image/archive_save.h"

#include <map>
#include <nlohmann/json.hpp>

#include "image/archive_io.h"
#include "image/digest.h"

namespace berth::image {

namespace {

using ojson = nlohmann::ordered_json;

constexpr char kManifestType[] = "application/vnd.oci.image.manifest.v1+json";
constexpr char kIndexType[] = "application/vnd.oci.image.index.v1+json";
constexpr char kConfigType[] = "application/vnd.oci.image.config.v1+json";
constexpr char kLayerType[] = "application/vnd.oci.image.layer.v1.tar";

struct Blob {
  std::string bytes;   // for configs and manifests
  std::string diffId;  // for layers: streamed from the layer store
  uint64_t size = 0;
};

ojson platformOf(const nlohmann::json& config) {
  ojson p;
  p["architecture"] = config.value("architecture", "");
  p["os"] = config.value("os", "linux");
  if (config.contains("variant") && config["variant"].is_string()) {
    p["variant"] = config["variant"];
  }
  return p;
}

}  // namespace

Status writeSaveArchive(const std::vector<SaveItem>& items, const LayerStore& layers,
                        const std::function<Status(std::string_view)>& sink) {
  std::map<std::string, Blob> blobs;  // hex → blob; a map keeps the archive sorted
  ojson manifestJson = ojson::array();
  ojson indexManifests = ojson::array();
  ojson repositories = ojson::object();

  for (const auto& item : items) {
    const StoredImage& img = item.image;
    nlohmann::json config = nlohmann::json::parse(img.config, nullptr, false);
    if (config.is_discarded()) {
      return internal("stored config of " + img.id + " is not valid JSON");
    }
    ojson layerDescs = ojson::array();
    ojson layerPaths = ojson::array();
    for (const auto& diffId : img.diffIds) {
      BERTH_ASSIGN_OR_RETURN(uint64_t tarSize, layers.tarSize(diffId));
      std::string hex(digestHex(diffId));
      blobs[hex] = Blob{"", diffId, tarSize};
      layerDescs.push_back({{"mediaType", kLayerType}, {"digest", diffId}, {"size", tarSize}});
      layerPaths.push_back("blobs/sha256/" + hex);
    }
    blobs[std::string(digestHex(img.id))] = Blob{img.config, "", img.config.size()};

    ojson manifest;
    manifest["schemaVersion"] = 2;
    manifest["mediaType"] = kManifestType;
    manifest["config"] = {{"mediaType", kConfigType},
                          {"digest", img.id},
                          {"size", img.config.size()},
                          {"platform", platformOf(config)}};
    manifest["layers"] = layerDescs;
    std::string manifestBytes = manifest.dump();
    std::string manifestDigest = sha256Digest(manifestBytes);
    blobs[std::string(digestHex(manifestDigest))] = Blob{manifestBytes, "", manifestBytes.size()};

    ojson repoTags = nullptr;
    for (const auto& ref : item.refs) {
      repoTags.push_back(ref.familiarString());
      if (!img.diffIds.empty()) {
        repositories[ref.familiarName()][ref.tag] = std::string(digestHex(img.diffIds.back()));
      }
      ojson desc;
      desc["mediaType"] = kManifestType;
      desc["digest"] = manifestDigest;
      desc["size"] = manifestBytes.size();
      desc["annotations"] = {{"io.containerd.image.name", ref.string()},
                             {"org.opencontainers.image.ref.name", ref.tag}};
      indexManifests.push_back(desc);
    }
    if (item.refs.empty()) {
      indexManifests.push_back({{"mediaType", kManifestType},
                                {"digest", manifestDigest},
                                {"size", manifestBytes.size()}});
    }
    ojson entry;
    entry["Config"] = "blobs/sha256/" + std::string(digestHex(img.id));
    entry["RepoTags"] = repoTags;
    entry["Layers"] = layerPaths;
    manifestJson.push_back(entry);
  }

  ojson index;
  index["schemaVersion"] = 2;
  index["mediaType"] = kIndexType;
  index["manifests"] = indexManifests;

  ArchiveWriter out(sink);
  BERTH_TRY(out.open(ArchiveWriter::Format::kPaxTar));
  BERTH_TRY(out.addDir("blobs/"));
  BERTH_TRY(out.addDir("blobs/sha256/"));
  for (const auto& [hex, blob] : blobs) {
    std::string name = "blobs/sha256/" + hex;
    if (blob.diffId.empty()) {
      BERTH_TRY(out.addFile(name, blob.bytes));
      continue;
    }
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, name.c_str());
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, static_cast<la_int64_t>(blob.size));
    archive_entry_set_mtime(e, 0, 0);
    Status st = out.writeHeader(e);
    archive_entry_free(e);
    BERTH_TRY(st);
    BERTH_TRY(
        layers.exportTar(blob.diffId, [&out](std::string_view d) { return out.writeData(d); }));
  }
  BERTH_TRY(out.addFile("index.json", index.dump()));
  BERTH_TRY(out.addFile("manifest.json", manifestJson.dump() + "\n"));
  BERTH_TRY(out.addFile("oci-layout", R"({"imageLayoutVersion":"1.0.0"})"));
  if (!repositories.empty()) {
    BERTH_TRY(out.addFile("repositories", repositories.dump() + "\n"));
  }
  return out.close();
}

}  // namespace berth::image
