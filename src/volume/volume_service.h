// VolumeService: the volumes of berthd (dockerd's volume store). Records live
// in the Store ("volumes/<name>") with the containers using and mounting each
// volume (so both survive a berthd restart), data
// in the driver (local: <data-root>/volumes/<name>/_data, or a plugin). It is
// the container service's VolumeProvider. Every method blocks and serializes
// on one lock, which is what makes a prune racing a `run` safe: a volume
// a container create has claimed is never taken.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/filters.h"
#include "container/volume_provider.h"
#include "events/event_bus.h"
#include "store/store.h"
#include "volume/local_driver.h"
#include "volume/plugin_client.h"
#include "volume/volume_driver.h"
#include "volume/volume_record.h"

namespace berth::volume {

struct VolumeServiceOptions {
  std::string dataRoot;  // volumes live in <dataRoot>/volumes
  PluginDirs pluginDirs;
  std::chrono::milliseconds pluginTimeout{std::chrono::seconds(30)};
  std::function<int64_t()> clock;  // Unix ns; null = the system's
};

struct CreateVolumeRequest {
  std::string name;    // "" = a generated one
  std::string driver;  // "" = local
  DriverOptions options;
  std::map<std::string, std::string> labels;
  bool optionsNull = true;  // the client sent no DriverOpts
  bool labelsNull = true;
};

class VolumeService : public container::VolumeProvider {
 public:
  // `local` null: a LocalDriver over <dataRoot>/volumes with mount(2).
  VolumeService(store::Store& store, events::EventBus& events, VolumeServiceOptions options,
                std::shared_ptr<VolumeDriver> local = nullptr);

  // A driver by name beside local (tests; plugins are otherwise found on first use).
  void addDriver(std::shared_ptr<VolumeDriver> driver);

  // POST /volumes/create: the volume (an existing one of that name is returned as is).
  Result<nlohmann::json> create(const CreateVolumeRequest& req);
  // GET /volumes: {"Volumes": [...], "Warnings": null}; filters dangling, name, label, driver.
  Result<nlohmann::json> list(const Filters& filters);
  Result<nlohmann::json> inspect(const std::string& name);
  // DELETE /volumes/{name}: conflict "volume is in use - [ids]" while a container uses it;
  // `force` ignores a missing volume and a driver's failure to remove its data.
  Status remove(const std::string& name, bool force);
  // POST /volumes/prune: unused anonymous volumes, or with all=true every unused one.
  Result<nlohmann::json> prune(const Filters& filters);

  // container::VolumeProvider
  Status acquire(const std::string& containerId,
                 const std::vector<container::VolumeUse>& uses) override;
  Result<std::string> mount(const std::string& name, const std::string& containerId,
                            const container::VolumeMountInfo& info) override;
  Status unmountAll(const std::string& containerId) override;
  Status release(const std::string& containerId, const std::vector<std::string>& names,
                 const std::vector<std::string>& anonymous, bool removeAnonymous) override;
  std::string sourceOf(const std::string& name) const override;

 private:
  Result<std::shared_ptr<VolumeDriver>> driverFor(const std::string& name);
  Result<VolumeRecord> load(const std::string& name) const;
  // Makes the volume in its driver and the store; the caller holds mu_.
  Result<VolumeRecord> createLocked(const CreateVolumeRequest& req,
                                    const std::vector<std::string>& users);
  // At construction: hands the local driver the mounts recorded in the store
  // (containers still running across a berthd restart or crash).
  void restoreMounts();
  // Records (or forgets) `containerId` in the record's mountedBy; the caller holds mu_.
  Status recordMount(const std::string& name, const std::string& containerId,
                     const std::string& mountpoint);
  // Removes the data and the record; the caller holds mu_ and checked it is unused.
  Status destroyLocked(const VolumeRecord& rec, bool force);
  void emit(const std::string& action, const std::string& name,
            std::map<std::string, std::string> attrs);
  int64_t now() const;

  store::Store& store_;
  events::EventBus& events_;
  VolumeServiceOptions o_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<VolumeDriver>> drivers_;
};

}  // namespace berth::volume
