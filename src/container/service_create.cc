// create, remove, rename and prune: the container's life in the store.
#include <spdlog/spdlog.h>

#include <sys/stat.h>

#include <csignal>

#include "common/ids.h"
#include "common/strings.h"
#include "common/time_format.h"
#include "container/container_service.h"
#include "container/container_view.h"
#include "container/service_internal.h"
#include "runtime/fs_util.h"
#include "store/collection.h"

namespace berth::container {

namespace {

std::string nameConflictMessage(const std::string& name, const std::string& id) {
  return "Conflict. The container name \"" + name + "\" is already in use by container \"" + id +
         "\". You have to remove (or rename) that container to be able to reuse that name.";
}

// Claims container-names/<name> for `id` inside `txn`; conflict naming the holder.
Status claimName(store::Txn& txn, const std::string& name, const std::string& id) {
  std::string key = std::string(kNamesPrefix) + name.substr(1);
  BERTH_ASSIGN_OR_RETURN(auto existing, txn.get(key));
  if (existing) {
    auto j = nlohmann::json::parse(existing->value, nullptr, false);
    std::string holder = j.is_object() ? j.value("id", std::string()) : "";
    return conflict(nameConflictMessage(name, holder));
  }
  return txn.put(key, nlohmann::json(NameEntry{id}).dump());
}

std::string logPathFor(const std::string& dir, const std::string& id, const std::string& driver) {
  if (driver == "json-file") {
    return dir + "/" + id + "-json.log";
  }
  if (driver == "local") {
    return dir + "/local-logs/container.log";
  }
  return "";
}

// dockerd checks a --mount bind's source at create; -v creates it at start.
Status checkBindSources(const std::vector<MountPoint>& mounts) {
  for (const MountPoint& m : mounts) {
    struct stat st {};
    if (m.type == MountType::kBind && !m.createHostPath && ::stat(m.source.c_str(), &st) != 0) {
      return invalidArgument(
          "invalid mount config for type \"bind\": bind source path does not exist: " + m.source);
    }
  }
  return okStatus();
}

}  // namespace

MountsOfContainer ContainerService::volumesFromLookup() const {
  return [this](const std::string& idOrName) -> Result<std::vector<MountPoint>> {
    BERTH_ASSIGN_OR_RETURN(ContainerRecord src, find(idOrName));
    return mountsOf(src);
  };
}

Result<std::vector<MountPoint>> ContainerService::mountsOf(const ContainerRecord& rec) const {
  return parseMountPoints(rec.config, rec.hostConfig, rec.id, volumesFromLookup());
}

Status ContainerService::acquireVolumes(const std::string& id,
                                        const std::vector<MountPoint>& mounts,
                                        Rollback& rollback) {
  std::vector<VolumeUse> uses;
  std::vector<std::string> names;
  std::vector<std::string> anonymous;
  for (const MountPoint& m : mounts) {
    if (m.type != MountType::kVolume) {
      continue;
    }
    uses.push_back(VolumeUse{m.source, m.driver, m.driverOpts, m.labels});
    names.push_back(m.source);
    if (m.anonymous) {
      anonymous.push_back(m.source);
    }
  }
  if (uses.empty()) {
    return okStatus();
  }
  if (d_.volumes == nullptr) {
    return notImplemented("volumes are not supported by this daemon");
  }
  BERTH_TRY(d_.volumes->acquire(id, uses));
  rollback.add([this, id, names, anonymous] {
    (void)d_.volumes->release(id, names, anonymous, /*removeAnonymous=*/true);
  });
  return okStatus();
}

void ContainerService::releaseVolumes(const ContainerRecord& rec, bool removeAnonymous) {
  if (d_.volumes == nullptr) {
    return;
  }
  // The record's own mounts, without VolumesFrom's source (it may be gone):
  // the volumes it lent are named in this record's uses anyway.
  auto mounts = parseMountPoints(rec.config, rec.hostConfig, rec.id,
                                 [](const std::string&) -> Result<std::vector<MountPoint>> {
                                   return std::vector<MountPoint>{};
                                 });
  std::vector<std::string> names;
  std::vector<std::string> anonymous;
  if (mounts.ok()) {
    for (const MountPoint& m : *mounts) {
      if (m.type == MountType::kVolume) {
        names.push_back(m.source);
        if (m.anonymous) {
          anonymous.push_back(m.source);
        }
      }
    }
  }
  // Also drops uses through VolumesFrom: the provider forgets every use of `id`.
  Status st = d_.volumes->release(rec.id, names, anonymous, removeAnonymous);
  if (!st.ok()) {
    spdlog::warn("remove {}: volumes: {}", rec.id, st.error().message());
  }
}

Result<CreateResult> ContainerService::create(const CreateRequest& req) {
  return createLocked(req);
}

Result<CreateResult> ContainerService::createLocked(const CreateRequest& req) {
  // Everything is checked before anything is made.
  std::string name;
  if (!req.name.empty()) {
    BERTH_ASSIGN_OR_RETURN(name, validateContainerName(req.name));
  }
  if (!req.body.is_object()) {
    return invalidArgument("config cannot be empty in order to create a container");
  }
  if (req.body.contains("Image") && !req.body["Image"].is_string()) {
    return invalidArgument("invalid Config.Image: expected a string");
  }
  std::string imageRef = req.body.value("Image", std::string());
  if (imageRef.empty()) {
    return invalidArgument("no image specified: Config.Image is empty");
  }
  BERTH_ASSIGN_OR_RETURN(image::ImageRecord img, d_.images.resolve(imageRef));
  std::string id = generateId();
  CreateDefaults defaults;
  defaults.host = o_.host;
  defaults.logDriver = o_.defaultLogDriver;
  defaults.logOpts = o_.defaultLogOpts;
  defaults.runtime = o_.runtimeName;
  defaults.defaultNetworkMode = d_.sandboxes.defaultNetworkMode();
  defaults.volumesFrom = volumesFromLookup();
  BERTH_ASSIGN_OR_RETURN(CreatePlan plan, planCreate(req.body, img, id, defaults));
  BERTH_TRY(checkBindSources(plan.mounts));
  BERTH_TRY(d_.sandboxes.checkNetworkMode(plan.run.networkMode));
  if (!name.empty()) {
    // A friendlier early answer; the transaction below is the real check.
    auto holder = find(name);
    if (holder.ok()) {
      return conflict(nameConflictMessage(name, holder->id));
    }
  }

  ContainerRecord rec;
  rec.id = id;
  rec.createdNano = now();
  rec.path = plan.path;
  rec.args = plan.args;
  rec.imageId = img.id;
  rec.layerDirs = img.layerDirs;
  rec.config = plan.config;
  rec.hostConfig = plan.hostConfig;
  rec.networkingConfig = plan.networkingConfig;
  rec.logDriver = plan.run.logDriver;
  rec.logOpts = plan.run.logOpts;
  std::string dir = containerDir(o_.dataRoot, id);
  rec.logPath = logPathFor(dir, id, rec.logDriver);

  Rollback rollback;
  BERTH_TRY(makeDirs(dir, 0710));
  rollback.add([dir] { (void)removeTree(dir); });
  if (!rec.logPath.empty()) {
    // The shim opens the log file; its directory is ours to make.
    BERTH_TRY(makeDirs(rec.logPath.substr(0, rec.logPath.rfind('/')), 0710));
  }
  // Before the record exists: a prune or rm racing this create sees the use.
  BERTH_TRY(acquireVolumes(id, plan.mounts, rollback));

  store::Collection<ContainerRecord> coll(d_.store, kContainersPrefix, "container");
  bool generated = name.empty();
  for (unsigned attempt = 0;; ++attempt) {
    rec.name = generated ? "/" + randomContainerName(attempt) : name;
    auto r = d_.store.update([&](store::Txn& txn) -> Status {
      BERTH_TRY(claimName(txn, rec.name, id));
      return coll.create(txn, id, rec);
    });
    if (r.ok()) {
      break;
    }
    if (!generated || r.error().kind() != ErrorKind::kConflict || attempt >= 10) {
      return Unexpected(std::move(r).error());
    }
  }
  rollback.commit();
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto& slot = lives_[id];
    if (!slot) {
      slot = std::make_shared<Live>();
    }
    slot->restart.reset(plan.run.restart);
  }
  emit(rec, "create");
  return CreateResult{id, {}};
}

Status ContainerService::cleanupRun(const ContainerRecord& rec, std::vector<std::string>* errors) {
  auto note = [errors](const std::string& what, const Status& st) {
    if (!st.ok()) {
      spdlog::warn("cleanup: {}: {}", what, st.error().message());
      if (errors != nullptr) {
        errors->push_back(what + ": " + st.error().message());
      }
    }
  };
  Status del = d_.runtime.remove(rec.id, true);
  if (!del.ok() && del.error().kind() != ErrorKind::kNotFound) {
    note("delete runtime state", del);
  }
  note("destroy sandbox",
       d_.sandboxes.destroy(rec.id, rec.hostConfig.value("NetworkMode", std::string())));
  unmountVolumes(rec);
  note("unmount root filesystem", d_.rootfs.unmount(rec.id));
  return okStatus();
}

Status ContainerService::remove(std::string_view idOrName, const RemoveOptions& opts) {
  if (opts.link) {
    return invalidArgument("legacy container links are not supported");
  }
  return withContainer(idOrName, [&](Live& l, ContainerRecord rec) {
    return removeLocked(l, std::move(rec), opts);
  });
}

Status ContainerService::removeLocked(Live& l, ContainerRecord rec, const RemoveOptions& opts) {
  const std::string id = rec.id;
  if (rec.state.removalInProgress) {
    return conflict("removal of container " + id + " is already in progress");
  }
  if (rec.state.running) {
    if (!opts.force) {
      if (rec.state.paused) {
        return conflict(
            "You cannot remove a paused container " + id +
            ". Unpause and then stop the container before attempting removal or force remove");
      }
      return conflict("You cannot remove a running container " + id +
                      ". Stop the container before attempting removal or force remove");
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      l.restart.cancel();
    }
    BERTH_ASSIGN_OR_RETURN(
        rec, mutate(id, [](ContainerRecord& r) { r.state.hasBeenManuallyStopped = true; }));
    if (rec.state.restarting) {
      BERTH_ASSIGN_OR_RETURN(rec, mutate(id, [](ContainerRecord& r) {
                               r.state.running = false;
                               r.state.restarting = false;
                             }));
    } else {
      Status k = sendSignal(l, rec, SIGKILL);
      if (!k.ok()) {
        spdlog::debug("remove {}: kill: {}", id, k.error().message());
      }
      if (rec.state.paused) {
        (void)d_.runtime.resume(id);
      }
      if (!waitForExit(l, o_.killGrace)) {
        return internal("could not kill running container " + id + ", cannot remove");
      }
    }
  }
  BERTH_ASSIGN_OR_RETURN(rec,
                         mutate(id, [](ContainerRecord& r) { r.state.removalInProgress = true; }));

  std::vector<std::string> errors;
  (void)cleanupRun(rec, &errors);
  for (const auto& [what, st] :
       {std::pair<std::string, Status>{"remove root filesystem", d_.rootfs.remove(id)},
        {"remove container directory", removeTree(containerDir(o_.dataRoot, id))},
        {"remove runtime directory", removeTree(bundleDir(id))}}) {
    if (!st.ok()) {
      errors.push_back(what + ": " + st.error().message());
    }
  }
  if (!errors.empty()) {
    (void)mutate(id, [](ContainerRecord& r) {
      r.state.removalInProgress = false;
      r.state.dead = true;
    });
    return internal("unable to remove container " + id + ": " + join(errors, "; "));
  }
  store::Collection<ContainerRecord> coll(d_.store, kContainersPrefix, "container");
  auto r = d_.store.update([&](store::Txn& txn) -> Status {
    std::string nameKey = std::string(kNamesPrefix) + rec.shortName();
    BERTH_ASSIGN_OR_RETURN(auto entry, txn.get(nameKey));
    if (entry && entry->value.find(id) != std::string::npos) {
      BERTH_TRY(txn.del(nameKey));
    }
    return coll.del(txn, id);
  });
  if (!r.ok()) {
    return Unexpected(std::move(r).error());
  }
  d_.sandboxes.containerRemoved(id);
  releaseVolumes(rec, opts.volumes);
  dropExecsOf(id, /*all=*/true);
  resolveWaiters(l, rec, /*removed=*/true);
  forgetLive(id);
  emit(rec, "destroy");
  return okStatus();
}

namespace {

// NetworkSettings.Networks.*.DNSNames of a running container name it; a
// rename replaces that entry, as dockerd's inspect shows at once.
void renameInDnsNames(nlohmann::json& networks, const std::string& from, const std::string& to) {
  if (!networks.is_object()) {
    return;
  }
  for (auto& settings : networks) {
    auto names = settings.find("DNSNames");
    if (names == settings.end() || !names->is_array()) {
      continue;
    }
    for (auto& n : *names) {
      if (n.is_string() && n.get<std::string>() == from) {
        n = to;
      }
    }
  }
}

}  // namespace

Status ContainerService::rename(std::string_view idOrName, std::string_view newName) {
  if (idOrName.empty() || newName.empty()) {
    return invalidArgument("Neither old nor new names may be empty");
  }
  BERTH_ASSIGN_OR_RETURN(std::string name, validateContainerName(newName));
  return withContainer(idOrName, [&](Live&, ContainerRecord rec) -> Status {
    if (rec.name == name) {
      return invalidArgument("Renaming a container with the same name as its current name");
    }
    std::string oldName = rec.name;
    store::Collection<ContainerRecord> coll(d_.store, kContainersPrefix, "container");
    auto setName = [&](const std::string& from, const std::string& to) {
      return d_.store.update([&](store::Txn& txn) -> Status {
        BERTH_TRY(claimName(txn, to, rec.id));
        BERTH_TRY(txn.del(std::string(kNamesPrefix) + from.substr(1)));
        ContainerRecord updated = rec;
        updated.name = to;
        renameInDnsNames(updated.networks, from.substr(1), to.substr(1));
        return coll.put(txn, rec.id, updated);
      });
    };
    if (auto r = setName(oldName, name); !r.ok()) {
      return Unexpected(std::move(r).error());
    }
    // The endpoints' DNS names and records follow at once (dockerd's sb.Rename);
    // if they cannot, the old name comes back so both sides agree.
    if (Status st = d_.sandboxes.renameEndpoints(rec.id, name.substr(1)); !st.ok()) {
      (void)setName(name, oldName);
      return st;
    }
    rec.name = name;
    emit(rec, "rename", {{"oldName", oldName}});
    return okStatus();
  });
}

Result<PruneReport> ContainerService::prune(const Filters& filters) {
  BERTH_TRY(filters.validateKeys({"until", "label", "label!"}));
  std::optional<int64_t> until;
  for (const std::string& v : filters.get("until")) {
    BERTH_ASSIGN_OR_RETURN(int64_t t, parseFilterTimestamp(v, now()));
    until = t;
  }
  store::Collection<ContainerRecord> coll(d_.store, kContainersPrefix, "container");
  BERTH_ASSIGN_OR_RETURN(std::vector<ContainerRecord> all, coll.list());
  PruneReport report;
  for (const ContainerRecord& rec : all) {
    if (rec.state.running) {
      continue;
    }
    if (until && rec.createdNano >= *until) {
      continue;
    }
    auto labels = rec.labels();
    if (!filters.matchKVList("label", labels)) {
      continue;
    }
    if (filters.contains("label!") && filters.matchKVList("label!", labels)) {
      continue;
    }
    std::optional<Sizes> size = sizesOf(rec);
    Status st = remove(rec.id, RemoveOptions{});
    if (!st.ok()) {
      spdlog::warn("prune: cannot remove container {}: {}", rec.id, st.error().message());
      continue;
    }
    report.deleted.push_back(rec.id);
    report.spaceReclaimed += size ? size->rw : 0;
  }
  d_.events.publish(events::Event{"container",
                                  "prune",
                                  "",
                                  {{"reclaimed", std::to_string(report.spaceReclaimed)}},
                                  "local",
                                  0});
  return report;
}

}  // namespace berth::container
