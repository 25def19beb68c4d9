// dockerd's "local" volume driver: <root>/<name>/_data, or with type/device/o
// options a mount (tmpfs, a bind of a host directory, nfs, ...) made on
// _data while at least one container uses the volume.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "volume/volume_driver.h"

namespace berth::volume {

// mount(2)'s arguments for an optioned local volume.
struct LocalMountSpec {
  std::string type;
  std::string device;
  unsigned long flags = 0;  // MS_* from the "o" option
  std::string data;         // what "o" holds beyond flags
};

// "o=size=10m,ro,bind" → flags and data, as dockerd's mount.ParseOptions.
LocalMountSpec parseLocalMountOptions(const DriverOptions& opts);

class LocalDriver : public VolumeDriver {
 public:
  using Mounter = std::function<Status(const LocalMountSpec& spec, const std::string& target)>;
  using Unmounter = std::function<Status(const std::string& target)>;

  // `root` is <data-root>/volumes; null mounter/unmounter use mount(2)/umount2(2).
  explicit LocalDriver(std::string root, Mounter mounter = {}, Unmounter unmounter = {});

  std::string name() const override { return "local"; }
  Result<std::string> scope() override { return std::string("local"); }
  Status validate(const std::string& volume, const DriverOptions& opts) override;
  Status create(const std::string& volume, const DriverOptions& opts) override;
  Status remove(const std::string& volume) override;
  Result<std::string> mount(const std::string& volume, const std::string& callerId) override;
  Status unmount(const std::string& volume, const std::string& callerId) override;
  void restoreMounts(const std::string& volume, const std::vector<std::string>& callerIds) override;
  Result<std::string> path(const std::string& volume) override;
  Result<nlohmann::json> status(const std::string&) override { return nlohmann::json(nullptr); }

  std::string dataDir(const std::string& volume) const { return root_ + "/" + volume + "/_data"; }

 private:
  Result<DriverOptions> readOptions(const std::string& volume) const;

  std::string root_;
  Mounter mounter_;
  Unmounter unmounter_;
  std::mutex mu_;
  std::map<std::string, std::set<std::string>> active_;  // optioned volumes mounted, by user
};

// dockerd's local volume name rule; the error says how to pass a host directory.
Status validateLocalVolumeName(const std::string& name);

}  // namespace berth::volume
