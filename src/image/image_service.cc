#include "image/image_service.h"

#include <spdlog/spdlog.h>

#include <chrono>

#include "common/ids.h"
#include "common/strings.h"
#include "image/archive_load.h"
#include "image/archive_save.h"
#include "image/changes.h"
#include "image/digest.h"
#include "image/fs_util.h"
#include "image/image_config.h"

namespace berth::image {

nlohmann::json deleteItemsJson(const std::vector<DeleteItem>& items) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& it : items) {
    out.push_back(it.untagged.empty() ? nlohmann::json{{"Deleted", it.deleted}}
                                      : nlohmann::json{{"Untagged", it.untagged}});
  }
  return out;
}

ImageService::ImageService(store::Store& store, std::string root, EventSink events, Clock clock)
    : store_(store),
      root_(std::move(root)),
      layers_(root_),
      events_(std::move(events)),
      clock_(std::move(clock)),
      images_(store, kImagesPrefix, "image"),
      tags_(store, kTagsPrefix, "image tag") {}

int64_t ImageService::now() const {
  if (clock_) {
    return clock_();
  }
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void ImageService::setUsage(const ImageUsage* usage) { usage_.store(usage); }

std::vector<ImageUser> ImageService::usersOf(const std::string& id) const {
  const ImageUsage* usage = usage_.load();
  return usage == nullptr ? std::vector<ImageUser>{} : usage->containersUsing(id);
}

void ImageService::emit(const std::string& action, const std::string& id, const std::string& name,
                        const nlohmann::json* config) {
  if (!events_) {
    return;
  }
  events::Event ev;
  ev.type = "image";
  ev.action = action;
  ev.actorId = id;
  // dockerd adds the image's labels to its events' attributes.
  if (config != nullptr) {
    ev.attributes = imageLabels(*config);
  }
  ev.attributes["name"] = name;
  events_(std::move(ev));
}

Status ImageService::init() {
  BERTH_TRY(makeDirsAll(root_, 0700));
  BERTH_TRY(layers_.init());
  // Layers no record refers to: an import or load that crashed between
  // unpacking and recording the image.
  BERTH_ASSIGN_OR_RETURN(std::vector<std::string> onDisk, layers_.list());
  BERTH_ASSIGN_OR_RETURN(auto removed, collectLayers(onDisk));
  for (const auto& [id, size] : removed) {
    spdlog::info("image: removed unreferenced layer {} ({} bytes)", id, size);
  }
  return okStatus();
}

Result<std::vector<StoredImage>> ImageService::allImages() { return images_.list(); }

Result<std::map<std::string, int64_t>> ImageService::collectLayers(
    const std::vector<std::string>& candidates) {
  return layers_.collect(candidates, [this]() -> Result<std::set<std::string>> {
    BERTH_ASSIGN_OR_RETURN(std::vector<StoredImage> all, allImages());
    std::set<std::string> used;
    for (const auto& img : all) {
      used.insert(img.diffIds.begin(), img.diffIds.end());
    }
    return used;
  });
}

ImageRecord ImageService::recordOf(const StoredImage& img) const {
  ImageRecord r;
  r.id = img.id;
  r.config = nlohmann::json::parse(img.config, nullptr, false);
  r.repoTags = img.repoTags;
  for (const auto& d : img.diffIds) {
    r.layerDirs.push_back(layers_.diffDir(d));
  }
  return r;
}

Result<ImageService::Found> ImageService::find(std::string_view nameOrId) {
  std::string name(trim(nameOrId));
  if (name.empty()) {
    return invalidArgument(
        "invalid reference format: repository name must have at least one component");
  }
  // A full id, with or without "sha256:".
  std::string_view hex = digestHex(name);
  bool hasAlg = hex.size() != name.size();
  if (hex.size() == 64 && isHexIdPrefix(hex)) {
    auto img = images_.get(hex);
    if (!img.ok() && img.error().kind() == ErrorKind::kNotFound) {
      return notFound("No such image: " + name);
    }
    BERTH_TRY(img);
    return Found{std::move(img).value(), true, std::nullopt};
  }
  std::optional<Reference> ref;
  if (!hasAlg) {
    auto parsed = parseNormalizedNamed(name);
    if (!parsed.ok() && !isHexIdPrefix(name)) {
      return std::move(parsed).error();
    }
    if (parsed.ok()) {
      ref = withDefaultTag(*parsed);
      if (ref->digest.empty()) {
        auto tag = tags_.get(tagKeyId(ref->familiarString()));
        if (tag.ok()) {
          BERTH_ASSIGN_OR_RETURN(StoredImage img, images_.get(digestHex(tag->id)));
          return Found{std::move(img), false, ref};
        }
        if (tag.error().kind() != ErrorKind::kNotFound) {
          return std::move(tag).error();
        }
      }
    }
  }
  // An id prefix, as dockerd's image store search.
  if (isHexIdPrefix(hex)) {
    BERTH_ASSIGN_OR_RETURN(std::vector<store::KeyValue> kvs, store_.list(kImagesPrefix));
    std::string match;
    for (const auto& kv : kvs) {
      std::string_view keyHex = std::string_view(kv.key).substr(sizeof(kImagesPrefix) - 1);
      if (startsWith(keyHex, hex)) {
        if (!match.empty()) {
          return invalidArgument("multiple IDs found with provided prefix: " + std::string(hex));
        }
        match = std::string(keyHex);
      }
    }
    if (!match.empty()) {
      BERTH_ASSIGN_OR_RETURN(StoredImage img, images_.get(match));
      return Found{std::move(img), true, std::nullopt};
    }
  }
  if (ref && !hasAlg) {
    return notFound("No such image: " + ref->familiarString());
  }
  return notFound("No such image: " + name);
}

Result<ImageRecord> ImageService::resolve(std::string_view nameOrId) {
  BERTH_ASSIGN_OR_RETURN(Found found, find(nameOrId));
  return recordOf(found.image);
}

Status ImageService::tagInTxn(store::Txn& txn, const std::string& id, const Reference& ref,
                              int64_t when) {
  std::string familiar = ref.familiarString();
  std::string key = tagKeyId(familiar);
  BERTH_ASSIGN_OR_RETURN(StoredImage img, images_.get(txn, digestHex(id)));
  auto existing = tags_.get(txn, key);
  if (existing.ok() && existing->id != id) {
    // The tag moves: the image it leaves keeps existing, possibly dangling.
    auto old = images_.get(txn, digestHex(existing->id));
    if (old.ok()) {
      std::erase(old->repoTags, familiar);
      BERTH_TRY(images_.put(txn, digestHex(old->id), *old));
    }
  } else if (!existing.ok() && existing.error().kind() != ErrorKind::kNotFound) {
    return std::move(existing).error();
  }
  BERTH_TRY(tags_.put(txn, key, TagRecord{id}));
  if (std::find(img.repoTags.begin(), img.repoTags.end(), familiar) == img.repoTags.end()) {
    img.repoTags.push_back(familiar);
  }
  img.lastTagTimeNano = when;
  return images_.put(txn, digestHex(id), img);
}

Status ImageService::deleteInTxn(store::Txn& txn, const StoredImage& img) {
  for (const auto& t : img.repoTags) {
    auto tag = tags_.get(txn, tagKeyId(t));
    if (tag.ok() && tag->id == img.id) {
      BERTH_TRY(tags_.del(txn, tagKeyId(t)));
    }
  }
  return images_.del(txn, digestHex(img.id));
}

Status ImageService::tag(std::string_view source, std::string_view repo, std::string_view tagName) {
  BERTH_ASSIGN_OR_RETURN(Reference ref, parseNormalizedNamed(repo));
  if (!ref.digest.empty()) {
    return invalidArgument("refusing to create a tag with a digest reference");
  }
  if (!tagName.empty()) {
    BERTH_TRY(validateTag(tagName));
    ref.tag = std::string(tagName);
  }
  ref = withDefaultTag(ref);
  std::lock_guard<std::mutex> lock(mu_);
  BERTH_ASSIGN_OR_RETURN(Found found, find(source));
  int64_t when = now();
  BERTH_TRY(
      store_.update([&](store::Txn& txn) { return tagInTxn(txn, found.image.id, ref, when); }));
  nlohmann::json config = nlohmann::json::parse(found.image.config, nullptr, false);
  emit("tag", found.image.id, ref.familiarString(), &config);
  return okStatus();
}

Result<std::string> ImageService::importImage(std::string_view tar, const ImportRequest& req) {
  MemorySource src(tar);
  return importImage(src, req);
}

Result<std::string> ImageService::importImage(ByteSource& tar, const ImportRequest& req) {
  // Everything the caller gave is checked before the first byte is unpacked.
  BERTH_ASSIGN_OR_RETURN(Platform platform, parsePlatform(req.platform));
  nlohmann::json containerConfig = emptyContainerConfig();
  BERTH_TRY(applyChanges(containerConfig, req.changes));
  std::optional<Reference> ref;
  if (!req.repo.empty()) {
    BERTH_ASSIGN_OR_RETURN(Reference r, parseNormalizedNamed(req.repo));
    if (!r.digest.empty()) {
      return invalidArgument("cannot import digest reference");
    }
    if (!req.tag.empty()) {
      BERTH_TRY(validateTag(req.tag));
      r.tag = req.tag;
    }
    ref = withDefaultTag(r);
  } else if (!req.tag.empty()) {
    return invalidArgument("a tag needs a repository name");
  }

  LayerPins pins(layers_);
  BERTH_ASSIGN_OR_RETURN(LayerInfo layer, layers_.add(tar, "", pins));
  auto giveUp = [&](Error err) -> Result<std::string> {
    std::vector<std::string> added(pins.added().begin(), pins.added().end());
    pins.release();
    (void)collectLayers(added);
    return err;
  };

  ImportSpec spec;
  spec.containerConfig = containerConfig;
  spec.platform = platform;
  spec.createdNano = now();
  spec.comment = req.message.empty() ? "Imported from -" : req.message;
  spec.diffId = layer.diffId;
  StoredImage img;
  img.config = makeImportConfig(spec);
  img.id = sha256Digest(img.config);
  img.diffIds = {layer.diffId};
  img.layerSizes = {layer.size};
  img.createdNano = spec.createdNano;
  img.addedNano = spec.createdNano;

  {
    std::lock_guard<std::mutex> lock(mu_);
    auto rev = store_.update([&](store::Txn& txn) -> Status {
      auto existing = images_.get(txn, digestHex(img.id));
      if (!existing.ok()) {
        BERTH_TRY(images_.create(txn, digestHex(img.id), img));
      }
      if (ref) {
        BERTH_TRY(tagInTxn(txn, img.id, *ref, spec.createdNano));
      }
      return okStatus();
    });
    if (!rev.ok()) {
      return giveUp(std::move(rev).error());
    }
  }
  nlohmann::json config = nlohmann::json::parse(img.config);
  if (ref) {
    emit("tag", img.id, ref->familiarString(), &config);
  }
  emit("import", img.id, img.id, &config);
  return img.id;
}

Result<LoadReport> ImageService::load(std::string_view archive) {
  BERTH_ASSIGN_OR_RETURN(LoadPlan plan, planLoad(archive));
  LayerPins pins(layers_);
  auto giveUp = [&](Error err) -> Result<LoadReport> {
    std::vector<std::string> added(pins.added().begin(), pins.added().end());
    pins.release();
    (void)collectLayers(added);
    return err;
  };

  // Layers already here are pinned and skipped; the others are unpacked in one
  // more pass over the archive, each entry at most once.
  std::map<std::string, const PlannedLayer*> wanted;  // entry → layer
  std::set<std::string> have;
  for (const auto& img : plan.images) {
    for (const auto& l : img.layers) {
      if (have.count(l.diffId) != 0 || layers_.pinIfPresent(l.diffId, pins)) {
        have.insert(l.diffId);
        continue;
      }
      wanted.emplace(l.entry, &l);
    }
  }
  if (!wanted.empty()) {
    MemorySource src(archive);
    ArchiveReader reader(src, ArchiveReader::Mode::kTar);
    if (Status st = reader.open("image archive"); !st.ok()) {
      return giveUp(std::move(st).error());
    }
    while (true) {
      auto entry = reader.next();
      if (!entry.ok()) {
        return giveUp(std::move(entry).error());
      }
      if (*entry == nullptr) {
        break;
      }
      const char* raw = archive_entry_pathname(*entry);
      auto it = wanted.find(cleanArchivePath(raw == nullptr ? "" : raw));
      if (it == wanted.end() || have.count(it->second->diffId) != 0) {
        continue;
      }
      const PlannedLayer& l = *it->second;
      EntrySource entrySrc(reader);
      HashingSource blob(entrySrc);
      auto added = layers_.add(blob, l.diffId, pins);
      if (!added.ok()) {
        return giveUp(Error(added.error()).withContext("layer " + l.entry));
      }
      // A compressed stream may end before its file does; the digest covers the file.
      if (Status st = blob.drain(); !st.ok()) {
        return giveUp(std::move(st).error());
      }
      if (!l.blobDigest.empty() && blob.digest() != l.blobDigest) {
        return giveUp(
            invalidArgument("layer " + l.entry + " does not match its digest " + l.blobDigest));
      }
      have.insert(l.diffId);
    }
    for (const auto& [entry, l] : wanted) {
      if (have.count(l->diffId) == 0) {
        return giveUp(invalidArgument("invalid image archive: layer " + entry + " is missing"));
      }
    }
  }

  LoadReport report;
  std::vector<StoredImage> stored;
  int64_t when = now();
  for (const auto& p : plan.images) {
    StoredImage img;
    img.config = p.configRaw;
    img.id = sha256Digest(p.configRaw);
    img.diffIds = p.config.diffIds;
    for (const auto& d : img.diffIds) {
      auto sz = layers_.size(d);
      img.layerSizes.push_back(sz.ok() ? *sz : 0);
    }
    img.createdNano = p.config.createdNano;
    img.addedNano = when;
    stored.push_back(std::move(img));
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto rev = store_.update([&](store::Txn& txn) -> Status {
      for (size_t i = 0; i < stored.size(); ++i) {
        auto existing = images_.get(txn, digestHex(stored[i].id));
        if (!existing.ok()) {
          BERTH_TRY(images_.create(txn, digestHex(stored[i].id), stored[i]));
        }
        for (const auto& ref : plan.images[i].tags) {
          BERTH_TRY(tagInTxn(txn, stored[i].id, ref, when));
        }
      }
      return okStatus();
    });
    if (!rev.ok()) {
      return giveUp(std::move(rev).error());
    }
  }
  for (size_t i = 0; i < stored.size(); ++i) {
    const auto& img = stored[i];
    report.imageIds.push_back(img.id);
    for (const auto& ref : plan.images[i].tags) {
      report.messages.push_back("Loaded image: " + ref.familiarString());
    }
    if (plan.images[i].tags.empty()) {
      report.messages.push_back("Loaded image ID: " + img.id);
    }
    emit("load", img.id, img.id, &plan.images[i].config.json);
  }
  return report;
}

Status ImageService::save(const std::vector<std::string>& names,
                          const std::function<Status(std::string_view)>& sink) {
  if (names.empty()) {
    return invalidArgument("no image names given to save");
  }
  std::vector<SaveItem> items;
  auto add = [&](const StoredImage& img, const std::optional<Reference>& ref) {
    auto it = std::find_if(items.begin(), items.end(),
                           [&](const SaveItem& s) { return s.image.id == img.id; });
    if (it == items.end()) {
      items.push_back({img, {}});
      it = items.end() - 1;
    }
    if (ref && std::find(it->refs.begin(), it->refs.end(), *ref) == it->refs.end()) {
      it->refs.push_back(*ref);
    }
  };
  for (const auto& name : names) {
    // A bare repository name saves every tag of it, as dockerd does.
    auto parsed = parseNormalizedNamed(name);
    if (parsed.ok() && parsed->nameOnly()) {
      BERTH_ASSIGN_OR_RETURN(std::vector<StoredImage> all, allImages());
      bool any = false;
      for (const auto& img : all) {
        for (const auto& t : img.repoTags) {
          auto tr = parseNormalizedNamed(t);
          if (tr.ok() && tr->name() == parsed->name()) {
            add(img, *tr);
            any = true;
          }
        }
      }
      if (any) {
        continue;
      }
    }
    BERTH_ASSIGN_OR_RETURN(Found found, find(name));
    add(found.image, found.byId ? std::nullopt : found.ref);
  }
  BERTH_TRY(writeSaveArchive(items, layers_, sink));
  for (const auto& item : items) {
    nlohmann::json config = nlohmann::json::parse(item.image.config, nullptr, false);
    emit("save", item.image.id, item.image.id, &config);
  }
  return okStatus();
}

}  // namespace berth::image
