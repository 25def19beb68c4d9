// Unpacked layers on disk, one directory per diff id:
//   <root>/layers/<hex>/diff/         the tree, in overlayfs form (a lower dir)
//   <root>/layers/<hex>/size          bytes of file content in the tree
//   <root>/layers/<hex>/tar-size      bytes of the original (inflated) tar
//   <root>/layers/<hex>/layer.tar.gz  the original tar, for `save` (its sha256
//                                     is the diff id; a re-tar of diff/ would not be)
// A layer is unpacked into <root>/layers/tmp-<random>/ and renamed into place
// only when complete, so a crash never leaves a partial layer that looks whole;
// tmp-* leftovers are deleted by init(). Which layers are in use is not stored
// here: it is derived from the image records, so it cannot drift from them.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "common/result.h"
#include "image/archive_io.h"

namespace berth::image {

class LayerStore;

// The layers one operation is adding or using, protected from collection
// until it has recorded them in an image (or given up). Released on destruction.
class LayerPins {
 public:
  explicit LayerPins(LayerStore& store) : store_(store) {}
  ~LayerPins();
  LayerPins(const LayerPins&) = delete;
  LayerPins& operator=(const LayerPins&) = delete;
  // The layers this operation put on disk itself (as opposed to found there).
  const std::set<std::string>& added() const { return added_; }
  // Unpins everything now (so that a failed operation can collect what it added).
  void release();

 private:
  friend class LayerStore;
  LayerStore& store_;
  std::vector<std::string> pinned_;
  std::set<std::string> added_;
};

struct LayerInfo {
  std::string diffId;
  int64_t size = 0;
};

class LayerStore {
 public:
  explicit LayerStore(std::string root);

  // Creates <root>/layers and deletes what an interrupted operation left.
  Status init();

  std::string diffDir(std::string_view diffId) const;
  bool exists(std::string_view diffId) const;

  // Unpacks a layer from `src` and pins it. When `expectedDiffId` is set, a
  // layer whose content hashes differently is refused and nothing is kept.
  // Two adds of the same content may race: one tree is kept, the other dropped.
  Result<LayerInfo> add(ByteSource& src, std::string_view expectedDiffId, LayerPins& pins);

  // Pins the layer if it is on disk; false when it is not.
  bool pinIfPresent(std::string_view diffId, LayerPins& pins);

  Result<int64_t> size(std::string_view diffId) const;
  Result<uint64_t> tarSize(std::string_view diffId) const;

  // Streams the layer's original tar to `sink`, checking that it still hashes to the diff id.
  Status exportTar(std::string_view diffId,
                   const std::function<Status(std::string_view)>& sink) const;

  // Deletes each of `candidates` that is neither in the set `inUse()` returns
  // nor pinned; `inUse` runs under the store's lock, so that a concurrent add
  // is either pinned or sees the layer gone. Returns the removed layers and sizes.
  Result<std::map<std::string, int64_t>> collect(
      const std::vector<std::string>& candidates,
      const std::function<Result<std::set<std::string>>()>& inUse);

  // Every diff id with a complete layer on disk.
  Result<std::vector<std::string>> list() const;

 private:
  friend class LayerPins;
  void pinLocked(const std::string& diffId, LayerPins& pins);
  void unpin(LayerPins& pins);
  std::string layerDir(std::string_view diffId) const;
  std::string tempDir() const;

  std::string root_;
  std::mutex mu_;
  std::map<std::string, int> pins_;
};

}  // namespace berth::image
