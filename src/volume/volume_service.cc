#include "volume/volume_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <regex>

#include "common/ids.h"
#include "common/strings.h"
#include "store/collection.h"
#include "volume/copy_up.h"
#include "volume/plugin_driver.h"

namespace berth::volume {
namespace {

using nlohmann::json;

// dockerd's OpErr text: "<op> <name>: <err>".
Error opError(const Error& e, const std::string& op, const std::string& name) {
  std::string text = op + (name.empty() ? "" : " " + name) + ": " + e.message();
  return Error(e.kind(), text);
}

Error noSuchVolume(const std::string& name) {
  return notFound("get " + name + ": no such volume");
}

// Go's strconv.ParseBool, as the "all" and "dangling" filters use it.
std::optional<bool> parseBool(const std::string& v) {
  for (const char* t : {"1", "t", "T", "TRUE", "true", "True"}) {
    if (v == t) {
      return true;
    }
  }
  for (const char* f : {"0", "f", "F", "FALSE", "false", "False"}) {
    if (v == f) {
      return false;
    }
  }
  return std::nullopt;
}

// dockerd's filters.Match: each value is a regular expression searched in the
// name (a value that is no valid expression matches as a substring).
bool nameMatches(const Filters& f, const std::string& name) {
  if (!f.contains("name")) {
    return true;
  }
  for (const std::string& v : f.get("name")) {
    try {
      if (std::regex_search(name, std::regex(v))) {
        return true;
      }
    } catch (const std::regex_error&) {
      if (name.find(v) != std::string::npos) {
        return true;
      }
    }
  }
  return false;
}

bool contains(const std::vector<std::string>& ids, const std::string& id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

bool hasUser(const VolumeRecord& r, const std::string& id) { return contains(r.users, id); }

void addOnce(std::vector<std::string>& ids, const std::string& id) {
  if (!contains(ids, id)) {
    ids.push_back(id);
  }
}

}  // namespace

VolumeService::VolumeService(store::Store& store, events::EventBus& events,
                             VolumeServiceOptions options, std::shared_ptr<VolumeDriver> local)
    : store_(store), events_(events), o_(std::move(options)) {
  if (!local) {
    local = std::make_shared<LocalDriver>(o_.dataRoot + "/volumes");
  }
  drivers_["local"] = std::move(local);
  restoreMounts();
}

void VolumeService::restoreMounts() {
  store::Collection<VolumeRecord> coll(store_, kVolumesPrefix, "volume");
  auto all = coll.list();
  if (!all.ok()) {
    spdlog::error("volumes: cannot read the mounts to restore: {}", all.error().message());
    return;
  }
  // Plugins keep their own counts; VolumeService::unmountAll still sends them
  // the Unmount of every recorded mount when its container stops.
  for (const VolumeRecord& r : *all) {
    if (r.driver == "local") {
      drivers_["local"]->restoreMounts(r.name, r.mountedBy);
    }
  }
}

void VolumeService::addDriver(std::shared_ptr<VolumeDriver> driver) {
  std::lock_guard<std::mutex> lock(mu_);
  drivers_[driver->name()] = std::move(driver);
}

int64_t VolumeService::now() const {
  if (o_.clock) {
    return o_.clock();
  }
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void VolumeService::emit(const std::string& action, const std::string& name,
                         std::map<std::string, std::string> attrs) {
  events_.publish(events::Event{"volume", action, name, std::move(attrs), "local", 0});
}

Result<std::shared_ptr<VolumeDriver>> VolumeService::driverFor(const std::string& name) {
  std::string n = name.empty() ? "local" : name;
  if (auto it = drivers_.find(n); it != drivers_.end()) {
    return it->second;
  }
  // A plugin: found by name in the plugin directories and activated once.
  BERTH_ASSIGN_OR_RETURN(PluginAddress addr, findPlugin(o_.pluginDirs, n));
  auto driver = std::make_shared<PluginDriver>(n, PluginClient(addr, o_.pluginTimeout));
  BERTH_TRY(driver->activate());
  spdlog::info("volume plugin {} activated at {}", n, addr.text);
  drivers_[n] = driver;
  return std::shared_ptr<VolumeDriver>(driver);
}

Result<VolumeRecord> VolumeService::load(const std::string& name) const {
  if (name.empty() || name.find('/') != std::string::npos) {
    return Unexpected(noSuchVolume(name));
  }
  store::Collection<VolumeRecord> coll(store_, kVolumesPrefix, "volume");
  auto rec = coll.get(name);
  if (!rec.ok() && rec.error().kind() == ErrorKind::kNotFound) {
    return Unexpected(noSuchVolume(name));
  }
  return rec;
}

Result<VolumeRecord> VolumeService::createLocked(const CreateVolumeRequest& req,
                                                 const std::vector<std::string>& users) {
  std::string name = req.name.empty() ? generateId() : req.name;
  auto driver = driverFor(req.driver);
  if (!driver.ok()) {
    return Unexpected(opError(driver.error(), "create", name));
  }
  if (auto st = (*driver)->validate(name, req.options); !st.ok()) {
    return Unexpected(opError(st.error(), "create", name));
  }
  auto existing = load(name);
  if (existing.ok()) {
    if (!req.driver.empty() && req.driver != existing->driver) {
      return Unexpected(conflict("create " + name + ": volume name must be unique"));
    }
    return existing;
  }
  if (auto st = (*driver)->create(name, req.options); !st.ok()) {
    return Unexpected(opError(st.error(), "create", name));
  }
  VolumeRecord rec;
  rec.name = name;
  rec.driver = (*driver)->name();
  rec.labels = req.labels;
  rec.options = req.options;
  rec.labelsNull = req.labelsNull;
  rec.optionsNull = req.optionsNull;
  rec.createdNano = now();
  auto scope = (*driver)->scope();
  rec.scope = scope.ok() ? *scope : "local";
  auto path = (*driver)->path(name);
  rec.mountpoint = path.ok() ? *path : "";
  rec.users = users;
  store::Collection<VolumeRecord> coll(store_, kVolumesPrefix, "volume");
  auto r = store_.update([&](store::Txn& txn) { return coll.create(txn, name, rec); });
  if (!r.ok()) {
    (void)(*driver)->remove(name);
    return Unexpected(opError(r.error(), "create", name));
  }
  emit("create", name, {{"driver", rec.driver}});
  return rec;
}

Result<json> VolumeService::create(const CreateVolumeRequest& req) {
  std::lock_guard<std::mutex> lock(mu_);
  BERTH_ASSIGN_OR_RETURN(VolumeRecord rec, createLocked(req, {}));
  return volumeJson(rec);
}

Result<json> VolumeService::list(const Filters& filters) {
  BERTH_TRY(filters.validateKeys({"dangling", "name", "label", "label!", "driver"}));
  std::optional<bool> dangling;
  for (const std::string& v : filters.get("dangling")) {
    auto b = parseBool(v);
    if (!b) {
      return invalidArgument("invalid filter 'dangling=" + v + "'");
    }
    dangling = *b;
  }
  store::Collection<VolumeRecord> coll(store_, kVolumesPrefix, "volume");
  BERTH_ASSIGN_OR_RETURN(std::vector<VolumeRecord> all, coll.list());
  json out = json::array();
  for (const VolumeRecord& r : all) {
    if (dangling && r.users.empty() != *dangling) {
      continue;
    }
    if (!nameMatches(filters, r.name) || !filters.exactMatch("driver", r.driver) ||
        !filters.matchKVList("label", r.labels)) {
      continue;
    }
    if (filters.contains("label!") && filters.matchKVList("label!", r.labels)) {
      continue;
    }
    out.push_back(volumeJson(r));
  }
  return json{{"Volumes", out}, {"Warnings", nullptr}};
}

Result<json> VolumeService::inspect(const std::string& name) {
  BERTH_ASSIGN_OR_RETURN(VolumeRecord rec, load(name));
  json status = nullptr;
  if (rec.driver != "local") {
    std::lock_guard<std::mutex> lock(mu_);
    auto driver = driverFor(rec.driver);
    if (driver.ok()) {
      auto s = (*driver)->status(name);
      status = s.ok() ? *s : json(nullptr);
    }
  }
  return volumeJson(rec, status);
}

Status VolumeService::destroyLocked(const VolumeRecord& rec, bool force) {
  auto driver = driverFor(rec.driver);
  if (!driver.ok() && !force) {
    return Unexpected(opError(driver.error(), "remove", rec.name));
  }
  if (driver.ok()) {
    Status st = (*driver)->remove(rec.name);
    if (!st.ok() && !force) {
      return Unexpected(opError(st.error(), "remove", rec.name));
    }
  }
  store::Collection<VolumeRecord> coll(store_, kVolumesPrefix, "volume");
  BERTH_TRY(store_.update([&](store::Txn& txn) { return coll.del(txn, rec.name); }));
  emit("destroy", rec.name, {{"driver", rec.driver}});
  return okStatus();
}

Status VolumeService::remove(const std::string& name, bool force) {
  std::lock_guard<std::mutex> lock(mu_);
  auto rec = load(name);
  if (!rec.ok()) {
    if (force && rec.error().kind() == ErrorKind::kNotFound) {
      return okStatus();
    }
    return Unexpected(rec.error());
  }
  if (!rec->users.empty()) {
    return conflict("remove " + name + ": volume is in use - [" + join(rec->users, ", ") + "]");
  }
  return destroyLocked(*rec, force);
}

Result<json> VolumeService::prune(const Filters& filters) {
  BERTH_TRY(filters.validateKeys({"label", "label!", "all"}));
  bool all = false;
  for (const std::string& v : filters.get("all")) {
    auto b = parseBool(v);
    if (!b) {
      return invalidArgument("invalid filter 'all=" + v + "': invalid value");
    }
    all = *b;
  }
  std::lock_guard<std::mutex> lock(mu_);
  store::Collection<VolumeRecord> coll(store_, kVolumesPrefix, "volume");
  BERTH_ASSIGN_OR_RETURN(std::vector<VolumeRecord> records, coll.list());
  std::vector<std::string> deleted;
  int64_t reclaimed = 0;
  for (const VolumeRecord& r : records) {
    if (!r.users.empty() || (!all && !r.anonymous())) {
      continue;
    }
    if (!filters.matchKVList("label", r.labels) ||
        (filters.contains("label!") && filters.matchKVList("label!", r.labels))) {
      continue;
    }
    int64_t size = r.driver == "local" && !r.mountpoint.empty() ? directorySize(r.mountpoint) : 0;
    Status st = destroyLocked(r, false);
    if (!st.ok()) {
      spdlog::warn("prune: cannot remove volume {}: {}", r.name, st.error().message());
      continue;
    }
    deleted.push_back(r.name);
    reclaimed += size;
  }
  events_.publish(events::Event{
      "volume", "prune", "", {{"reclaimed", std::to_string(reclaimed)}}, "local", 0});
  return json{{"VolumesDeleted", deleted.empty() ? json(nullptr) : json(deleted)},
              {"SpaceReclaimed", reclaimed}};
}

Status VolumeService::acquire(const std::string& containerId,
                              const std::vector<container::VolumeUse>& uses) {
  std::lock_guard<std::mutex> lock(mu_);
  // Everything is checked before the first volume is made.
  for (const container::VolumeUse& u : uses) {
    auto driver = driverFor(u.driver);
    if (!driver.ok()) {
      return Unexpected(opError(driver.error(), "create", u.name));
    }
    if (auto st = (*driver)->validate(u.name, u.driverOpts); !st.ok()) {
      return Unexpected(opError(st.error(), "create", u.name));
    }
    auto existing = load(u.name);
    if (existing.ok() && !u.driver.empty() && u.driver != existing->driver) {
      return conflict("create " + u.name + ": volume name must be unique");
    }
  }
  std::vector<VolumeRecord> made;
  auto undo = [&] {
    for (const VolumeRecord& r : made) {
      (void)destroyLocked(r, true);
    }
  };
  for (const container::VolumeUse& u : uses) {
    if (load(u.name).ok()) {
      continue;
    }
    CreateVolumeRequest req{u.name, u.driver, u.driverOpts, u.labels, u.driverOpts.empty(),
                            u.labels.empty()};
    auto rec = createLocked(req, {});
    if (!rec.ok()) {
      undo();
      return Unexpected(rec.error());
    }
    made.push_back(*rec);
  }
  store::Collection<VolumeRecord> coll(store_, kVolumesPrefix, "volume");
  auto r = store_.update([&](store::Txn& txn) -> Status {
    for (const container::VolumeUse& u : uses) {
      BERTH_ASSIGN_OR_RETURN(VolumeRecord rec, coll.get(txn, u.name));
      if (!hasUser(rec, containerId)) {
        rec.users.push_back(containerId);
        addOnce(rec.copyPending, containerId);
      }
      BERTH_TRY(coll.put(txn, u.name, rec));
    }
    return okStatus();
  });
  if (!r.ok()) {
    undo();
    return Unexpected(r.error());
  }
  return okStatus();
}

Status VolumeService::recordMount(const std::string& name, const std::string& containerId,
                                  const std::string& mountpoint) {
  store::Collection<VolumeRecord> coll(store_, kVolumesPrefix, "volume");
  BERTH_TRY(store_.update([&](store::Txn& txn) -> Status {
    BERTH_ASSIGN_OR_RETURN(VolumeRecord fresh, coll.get(txn, name));
    if (fresh.mountpoint == mountpoint && contains(fresh.mountedBy, containerId)) {
      return okStatus();
    }
    fresh.mountpoint = mountpoint;
    addOnce(fresh.mountedBy, containerId);
    return coll.put(txn, name, fresh);
  }));
  return okStatus();
}

Result<std::string> VolumeService::mount(const std::string& name, const std::string& containerId,
                                         const container::VolumeMountInfo& info) {
  std::lock_guard<std::mutex> lock(mu_);
  BERTH_ASSIGN_OR_RETURN(VolumeRecord rec, load(name));
  BERTH_ASSIGN_OR_RETURN(std::shared_ptr<VolumeDriver> driver, driverFor(rec.driver));
  auto path = driver->mount(name, containerId);
  if (!path.ok()) {
    return Unexpected(opError(path.error(), "mount", name));
  }
  // Recorded before the container runs, so a restarted berthd knows the
  // mount is in use (and unmounts it when the container stops).
  if (Status st = recordMount(name, containerId, *path); !st.ok()) {
    (void)driver->unmount(name, containerId);
    return Unexpected(opError(st.error(), "mount", name));
  }
  // dockerd copies once per container (at its create); berth at the
  // container's first start, every mount of that start (copyPending is
  // cleared when it stops). copyUp itself copies only into an empty volume.
  if (!info.copyFromRootfs.empty() && contains(rec.copyPending, containerId)) {
    auto copied = copyUp(info.copyFromRootfs, info.destination, *path);
    if (!copied.ok()) {
      spdlog::warn("volume {}: {}", name, copied.error().message());
    }
  }
  emit("mount", name,
       {{"driver", rec.driver},
        {"container", containerId},
        {"destination", info.destination},
        {"read/write", info.readOnly ? "false" : "true"},
        {"propagation", info.propagation}});
  return path;
}

Status VolumeService::unmountAll(const std::string& containerId) {
  std::lock_guard<std::mutex> lock(mu_);
  store::Collection<VolumeRecord> coll(store_, kVolumesPrefix, "volume");
  BERTH_ASSIGN_OR_RETURN(std::vector<VolumeRecord> all, coll.list());
  std::vector<std::string> names;
  std::vector<std::string> errors;
  for (const VolumeRecord& r : all) {
    if (!contains(r.mountedBy, containerId)) {
      continue;
    }
    names.push_back(r.name);
    auto driver = driverFor(r.driver);
    Status st = driver.ok() ? (*driver)->unmount(r.name, containerId)
                            : Status(Unexpected(driver.error()));
    if (!st.ok()) {
      errors.push_back("unmount " + r.name + ": " + st.error().message());
      continue;
    }
    emit("unmount", r.name, {{"driver", r.driver}, {"container", containerId}});
  }
  if (!names.empty()) {
    // Forgotten even when the driver failed: its own count dropped the caller.
    auto updated = store_.update([&](store::Txn& txn) -> Status {
      for (const std::string& name : names) {
        auto rec = coll.get(txn, name);
        if (!rec.ok()) {
          continue;  // removed meanwhile
        }
        std::erase(rec->mountedBy, containerId);
        std::erase(rec->copyPending, containerId);  // its first run is over
        BERTH_TRY(coll.put(txn, name, *rec));
      }
      return okStatus();
    });
    if (!updated.ok()) {
      errors.push_back(updated.error().message());
    }
  }
  if (!errors.empty()) {
    return internal(join(errors, "; "));
  }
  return okStatus();
}

Status VolumeService::release(const std::string& containerId, const std::vector<std::string>& names,
                              const std::vector<std::string>& anonymous, bool removeAnonymous) {
  (void)names;  // every use of the container goes, VolumesFrom's included
  (void)unmountAll(containerId);
  std::lock_guard<std::mutex> lock(mu_);
  store::Collection<VolumeRecord> coll(store_, kVolumesPrefix, "volume");
  std::vector<VolumeRecord> freed;
  auto updated = store_.update([&](store::Txn& txn) -> Status {
    freed.clear();
    BERTH_ASSIGN_OR_RETURN(std::vector<VolumeRecord> all, coll.list(txn));
    for (VolumeRecord& r : all) {
      if (!hasUser(r, containerId)) {
        continue;
      }
      std::erase(r.users, containerId);
      std::erase(r.mountedBy, containerId);
      std::erase(r.copyPending, containerId);
      BERTH_TRY(coll.put(txn, r.name, r));
      freed.push_back(r);
    }
    return okStatus();
  });
  if (!updated.ok()) {
    return Unexpected(std::move(updated).error());
  }
  if (!removeAnonymous) {
    return okStatus();
  }
  std::vector<std::string> errors;
  for (const VolumeRecord& r : freed) {
    bool wasAnonymous =
        std::find(anonymous.begin(), anonymous.end(), r.name) != anonymous.end() && r.anonymous();
    if (!wasAnonymous || !r.users.empty()) {
      continue;
    }
    Status st = destroyLocked(r, false);
    if (!st.ok()) {
      errors.push_back(st.error().message());
    }
  }
  if (!errors.empty()) {
    return internal(join(errors, "; "));
  }
  return okStatus();
}

std::string VolumeService::sourceOf(const std::string& name) const {
  auto rec = load(name);
  return rec.ok() ? rec->mountpoint : "";
}

}  // namespace berth::volume
