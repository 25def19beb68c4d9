#include "image/layer_store.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>

#include "common/ids.h"
#include "common/strings.h"
#include "image/digest.h"
#include "image/fs_util.h"
#include "image/layer_unpack.h"
#include "kernel/unique_fd.h"

namespace berth::image {

namespace {

constexpr std::string_view kTempPrefix = "tmp-";

class FdSource final : public ByteSource {
 public:
  explicit FdSource(int fd) : fd_(fd) {}
  Result<size_t> read(char* buf, size_t n) override {
    while (true) {
      ssize_t got = ::read(fd_, buf, n);
      if (got >= 0) {
        return static_cast<size_t>(got);
      }
      if (errno != EINTR) {
        return systemError("read layer copy", errno);
      }
    }
  }

 private:
  int fd_;
};

Status writeAll(int fd, std::string_view data, const std::string& what) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return systemError("write " + what, errno);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return okStatus();
}

Result<int64_t> readNumber(const std::string& path) {
  BERTH_ASSIGN_OR_RETURN(std::string text, readWholeFile(path));
  std::string_view t = trim(text);
  int64_t v = 0;
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc() || p != t.data() + t.size()) {
    return internal(path + " does not hold a number");
  }
  return v;
}

}  // namespace

LayerPins::~LayerPins() { store_.unpin(*this); }

void LayerPins::release() { store_.unpin(*this); }

LayerStore::LayerStore(std::string root) : root_(std::move(root)) {}

std::string LayerStore::layerDir(std::string_view diffId) const {
  return root_ + "/layers/" + std::string(digestHex(diffId));
}

std::string LayerStore::diffDir(std::string_view diffId) const {
  return layerDir(diffId) + "/diff";
}

std::string LayerStore::tempDir() const {
  return root_ + "/layers/" + std::string(kTempPrefix) + generateId().substr(0, 16);
}

bool LayerStore::exists(std::string_view diffId) const { return pathExists(layerDir(diffId)); }

Status LayerStore::init() {
  BERTH_TRY(makeDirsAll(root_ + "/layers", 0700));
  BERTH_ASSIGN_OR_RETURN(std::vector<std::string> names, dirNames(root_ + "/layers"));
  std::vector<std::string> stale;
  for (const auto& name : names) {
    if (startsWith(name, kTempPrefix)) {
      stale.push_back(name);
    }
  }
  for (const auto& name : stale) {
    spdlog::info("image: removing unfinished layer directory {}", name);
    BERTH_TRY(removeTree(root_ + "/layers/" + name));
  }
  return okStatus();
}

Result<LayerInfo> LayerStore::add(ByteSource& src, std::string_view expectedDiffId,
                                  LayerPins& pins) {
  std::string tmp = tempDir();
  BERTH_TRY(makeDirsAll(tmp + "/diff", 0700));
  // Whatever happens below, the temporary tree goes unless it was renamed.
  struct Cleanup {
    std::string path;
    ~Cleanup() {
      if (!path.empty()) {
        (void)removeTree(path);
      }
    }
  } cleanup{tmp};
  // The diff dir becomes an overlay lower dir: 0755 like a root directory.
  if (::chmod((tmp + "/diff").c_str(), 0755) != 0) {
    return systemError("chmod " + tmp + "/diff", errno);
  }

  UniqueFd copyFd(
      ::open((tmp + "/layer.tar.gz").c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!copyFd) {
    return systemError("create layer copy", errno);
  }
  ArchiveWriter copy(
      [fd = copyFd.get()](std::string_view data) { return writeAll(fd, data, "layer copy"); });
  BERTH_TRY(copy.open(ArchiveWriter::Format::kGzipRaw));
  archive_entry* e = archive_entry_new();
  archive_entry_set_pathname(e, "layer.tar");
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_perm(e, 0600);
  Status st = copy.writeHeader(e);
  archive_entry_free(e);
  BERTH_TRY(st);

  BERTH_ASSIGN_OR_RETURN(
      UnpackedLayer layer,
      unpackLayer(src, tmp + "/diff", [&copy](std::string_view d) { return copy.writeData(d); }));
  BERTH_TRY(copy.close());
  if (!expectedDiffId.empty() && layer.diffId != expectedDiffId) {
    return invalidArgument("invalid diffID for layer: expected \"" + std::string(expectedDiffId) +
                           "\", got \"" + layer.diffId + "\"");
  }
  BERTH_TRY(writeFileAtomic(tmp + "/size", std::to_string(layer.size)));
  BERTH_TRY(writeFileAtomic(tmp + "/tar-size", std::to_string(layer.tarSize)));

  std::lock_guard<std::mutex> lock(mu_);
  std::string final = layerDir(layer.diffId);
  if (!pathExists(final)) {
    if (::rename(tmp.c_str(), final.c_str()) != 0) {
      return systemError("rename layer into place", errno);
    }
    cleanup.path.clear();
    pins.added_.insert(layer.diffId);
  }
  // else: the same content is already there (an earlier or concurrent add); ours is dropped.
  pinLocked(layer.diffId, pins);
  return LayerInfo{layer.diffId, layer.size};
}

bool LayerStore::pinIfPresent(std::string_view diffId, LayerPins& pins) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!exists(diffId)) {
    return false;
  }
  pinLocked(std::string(diffId), pins);
  return true;
}

void LayerStore::pinLocked(const std::string& diffId, LayerPins& pins) {
  ++pins_[diffId];
  pins.pinned_.push_back(diffId);
}

void LayerStore::unpin(LayerPins& pins) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& id : pins.pinned_) {
    auto it = pins_.find(id);
    if (it != pins_.end() && --it->second <= 0) {
      pins_.erase(it);
    }
  }
  pins.pinned_.clear();
}

Result<int64_t> LayerStore::size(std::string_view diffId) const {
  return readNumber(layerDir(diffId) + "/size");
}

Result<uint64_t> LayerStore::tarSize(std::string_view diffId) const {
  BERTH_ASSIGN_OR_RETURN(int64_t n, readNumber(layerDir(diffId) + "/tar-size"));
  return static_cast<uint64_t>(n);
}

Status LayerStore::exportTar(std::string_view diffId,
                             const std::function<Status(std::string_view)>& sink) const {
  std::string path = layerDir(diffId) + "/layer.tar.gz";
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    return systemError("open " + path, errno);
  }
  FdSource file(fd.get());
  DecompressSource inflated(file);
  BERTH_TRY(inflated.open("stored layer"));
  HashingSource hashed(inflated, sink);
  BERTH_TRY(hashed.drain());
  if (hashed.digest() != diffId) {
    return internal("stored layer " + std::string(diffId) + " is damaged: its tar hashes to " +
                    hashed.digest());
  }
  return okStatus();
}

Result<std::map<std::string, int64_t>> LayerStore::collect(
    const std::vector<std::string>& candidates,
    const std::function<Result<std::set<std::string>>()>& inUse) {
  std::map<std::string, int64_t> removed;
  std::vector<std::string> doomed;
  {
    std::lock_guard<std::mutex> lock(mu_);
    BERTH_ASSIGN_OR_RETURN(std::set<std::string> used, inUse());
    for (const auto& id : candidates) {
      if (used.count(id) != 0 || pins_.count(id) != 0 || removed.count(id) != 0 || !exists(id)) {
        continue;
      }
      auto sz = size(id);
      std::string tmp = tempDir();
      // Renamed under the lock: from here on the layer is gone for add() and pinIfPresent().
      if (::rename(layerDir(id).c_str(), tmp.c_str()) != 0) {
        return systemError("remove layer " + id, errno);
      }
      removed[id] = sz.ok() ? *sz : 0;
      doomed.push_back(tmp);
    }
  }
  for (const auto& path : doomed) {
    Status st = removeTree(path);
    if (!st.ok()) {
      // The layer is already out of the store; init() retries the deletion.
      spdlog::warn("image: {}", st.error().message());
    }
  }
  return removed;
}

Result<std::vector<std::string>> LayerStore::list() const {
  std::vector<std::string> out;
  BERTH_ASSIGN_OR_RETURN(std::vector<std::string> names, dirNames(root_ + "/layers"));
  for (const auto& name : names) {
    if (name.size() == 64 && isHexIdPrefix(name)) {
      out.push_back("sha256:" + name);
    }
  }
  return out;
}

}  // namespace berth::image
