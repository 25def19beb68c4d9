// The image service behind /images/*: import, load, save, list, inspect,
// history, tag, remove, prune; and the ImageStore the container service uses.
// Layers live in a LayerStore under <data-root>/image, records in the Store.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/filters.h"
#include "common/result.h"
#include "events/event.h"
#include "image/archive_io.h"
#include "image/image_record.h"
#include "image/image_store.h"
#include "image/layer_store.h"
#include "image/reference.h"
#include "store/store.h"

namespace berth::image {

struct ImageUser {
  std::string containerId;
  bool running = false;
};

// Which containers use an image; the container service answers it. Called
// without any image-service lock held.
class ImageUsage {
 public:
  virtual ~ImageUsage() = default;
  // Containers (running or stopped) whose image is `imageId` ("sha256:<hex>").
  virtual std::vector<ImageUser> containersUsing(std::string_view imageId) const = 0;
};

struct ImportRequest {
  std::vector<std::string> changes;  // "ENV A=b", "CMD [\"sh\"]", ...
  std::string repo;                  // "name[:tag]", "" for an untagged image
  std::string tag;                   // overrides a tag in `repo`
  std::string message;               // commit message; "" → "Imported from -"
  std::string platform;              // "os[/arch[/variant]]", "" = the host's
};

struct ListOptions {
  bool all = false;
  Filters filters;  // dangling, label, reference, before, since, until
  bool sharedSize = false;
  bool digests = false;
  std::string apiVersion = "1.44";  // VirtualSize is only sent before 1.44
};

// One line of dockerd's delete reply: {"Untagged": x} or {"Deleted": x}.
struct DeleteItem {
  std::string untagged;
  std::string deleted;
};
nlohmann::json deleteItemsJson(const std::vector<DeleteItem>& items);

struct PruneReport {
  std::vector<DeleteItem> deleted;
  int64_t spaceReclaimed = 0;
};

struct LoadReport {
  std::vector<std::string> imageIds;
  // What `docker load` prints: "Loaded image: busybox:latest" / "Loaded image ID: sha256:…".
  std::vector<std::string> messages;
};

class ImageService final : public ImageStore {
 public:
  using EventSink = std::function<void(events::Event)>;
  using Clock = std::function<int64_t()>;  // nanoseconds since the epoch

  // `root` is <data-root>/image. `events` may be empty (no events).
  ImageService(store::Store& store, std::string root, EventSink events, Clock clock = nullptr);

  // Prepares the layer directory and deletes what a crash left: unfinished
  // layers, and layers no image record refers to.
  Status init();

  // Set once the container service exists; until then no image is in use.
  void setUsage(const ImageUsage* usage);

  Result<ImageRecord> resolve(std::string_view nameOrId) override;

  // docker import: a root filesystem tar (compressed or not) → image id.
  Result<std::string> importImage(ByteSource& tar, const ImportRequest& req);
  Result<std::string> importImage(std::string_view tar, const ImportRequest& req);

  // docker load: a docker-save archive (manifest.json) or an OCI image layout
  // (index.json). All images of the archive are stored or none is.
  Result<LoadReport> load(std::string_view archive);

  // docker save: a docker-save archive, with the OCI layout files, to `sink`.
  Status save(const std::vector<std::string>& names,
              const std::function<Status(std::string_view)>& sink);

  Result<nlohmann::json> list(const ListOptions& opts);
  Result<nlohmann::json> inspect(std::string_view name, std::string_view apiVersion = "1.44");
  Result<nlohmann::json> history(std::string_view name);

  // docker tag: `repo` is a name (with an optional tag); `tag` overrides it.
  Status tag(std::string_view source, std::string_view repo, std::string_view tag);

  // docker rmi, with dockerd's rules for tags, ids, force and containers.
  Result<std::vector<DeleteItem>> remove(std::string_view name, bool force, bool noprune);

  // docker image prune: dangling images, or with dangling=false every unused one.
  Result<PruneReport> prune(const Filters& filters);

  const LayerStore& layers() const { return layers_; }

 private:
  struct Found {
    StoredImage image;
    bool byId = false;             // the name was an id or id prefix
    std::optional<Reference> ref;  // the tag reference the name meant, if not an id
  };
  Result<Found> find(std::string_view nameOrId);
  Result<std::vector<StoredImage>> allImages();
  ImageRecord recordOf(const StoredImage& img) const;

  // Sets `ref` (tagged) on image `id` inside `txn`, moving it off another image.
  Status tagInTxn(store::Txn& txn, const std::string& id, const Reference& ref, int64_t now);
  // Deletes the image record and all its tags inside `txn`.
  Status deleteInTxn(store::Txn& txn, const StoredImage& img);
  // Removes the layers of `candidates` no image refers to any more.
  Result<std::map<std::string, int64_t>> collectLayers(const std::vector<std::string>& candidates);

  // remove() with mu_ held; adds the bytes of deleted layers to *reclaimed.
  Result<std::vector<DeleteItem>> removeLocked(std::string_view name, bool force,
                                               int64_t* reclaimed);
  // Deletes one image unless a conflict forbids it (quietly skipped when `quiet`
  // and the image is in use or still tagged), as dockerd's imageDeleteHelper.
  Status deleteImage(const StoredImage& img, bool force, bool quiet, std::vector<DeleteItem>& out,
                     int64_t* reclaimed);
  std::vector<ImageUser> usersOf(const std::string& id) const;

  void emit(const std::string& action, const std::string& id, const std::string& name,
            const nlohmann::json* config = nullptr);
  int64_t now() const;

  store::Store& store_;
  std::string root_;
  LayerStore layers_;
  EventSink events_;
  Clock clock_;
  store::Collection<StoredImage> images_;
  store::Collection<TagRecord> tags_;
  // Serialises the metadata writes of tag/remove/prune/import/load; layer
  // unpacking happens outside it.
  std::mutex mu_;
  std::atomic<const ImageUsage*> usage_{nullptr};
};

}  // namespace berth::image
