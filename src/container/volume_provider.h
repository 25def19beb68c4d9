// What the container service asks of volumes (implemented by volume/'s
// VolumeService). Uses are recorded in the volume's own record, so a volume
// in use is never removed or pruned, also across berthd restarts.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/result.h"

namespace berth::container {

// A volume one container uses, as its mounts name it.
struct VolumeUse {
  std::string name;
  std::string driver;  // "" = local
  std::map<std::string, std::string> driverOpts;
  std::map<std::string, std::string> labels;  // for a volume created by this use
};

// Where and how a started container mounts a volume (for the mount event).
struct VolumeMountInfo {
  std::string destination;
  bool readOnly = false;
  std::string propagation;
  // Non-empty: the container's root filesystem; an empty volume is first
  // filled with what the image holds at `destination` (dockerd's copy-up).
  std::string copyFromRootfs;
};

class VolumeProvider {
 public:
  virtual ~VolumeProvider() = default;
  // At create: creates the missing volumes and records `containerId` as a
  // user of each. All or nothing; invalid-argument for a bad name or options,
  // not-found for an unknown driver.
  virtual Status acquire(const std::string& containerId, const std::vector<VolumeUse>& uses) = 0;
  // At start: the host directory holding the volume's data (mounting it
  // first for drivers that mount; the mount is recorded, so it still counts
  // after a berthd restart). Idempotent per (volume, container). Copy-up
  // happens only at the container's first start.
  virtual Result<std::string> mount(const std::string& name, const std::string& containerId,
                                    const VolumeMountInfo& info) = 0;
  // When the container stops: unmounts every volume it mounted (none: no-op).
  virtual Status unmountAll(const std::string& containerId) = 0;
  // At remove: forgets the container's uses of `names`; with
  // `removeAnonymous`, deletes the volumes in `anonymous` that nothing else uses.
  virtual Status release(const std::string& containerId, const std::vector<std::string>& names,
                         const std::vector<std::string>& anonymous, bool removeAnonymous) = 0;
  // The host path inspect shows as a volume's Source ("" when unknown).
  virtual std::string sourceOf(const std::string& name) const = 0;
};

}  // namespace berth::container
