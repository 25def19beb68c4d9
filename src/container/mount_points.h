// A container's mounts (image VOLUMEs, VolumesFrom, Binds, Mounts) parsed
// with dockerd's rules and wording (volume/mounts/linux_parser.go). Pure: the
// same record always gives the same mounts, so start, remove and inspect
// derive them again instead of storing them.
#pragma once

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/result.h"
#include "runtime/units.h"

namespace berth::container {

enum class MountType { kBind, kVolume, kTmpfs };

struct MountPoint {
  MountType type = MountType::kVolume;
  std::string source;  // bind: absolute host path; volume: its name; tmpfs: ""
  std::string destination;
  bool readOnly = false;
  std::string mode;  // -v's mode text as inspect shows it ("z", "ro", ...)
  std::string propagation;
  bool nonRecursive = false;
  // volume
  std::string driver;  // "" = the default (local)
  std::map<std::string, std::string> driverOpts;
  std::map<std::string, std::string> labels;
  bool anonymous = false;
  bool noCopy = false;
  // bind
  bool createHostPath = false;  // -v creates a missing host path; --mount refuses it
  // tmpfs
  TmpfsOptions tmpfs;
};

// The label dockerd ≥ 23 puts on anonymous volumes; prune without `all` takes only these.
inline constexpr char kAnonymousVolumeLabel[] = "com.docker.volume.anonymous";

// The name of the anonymous volume at `destination` of `containerId`: 64 hex
// digits like dockerd's random ones, but derived so it needs no storage.
std::string anonymousVolumeName(const std::string& containerId, const std::string& destination);

// Mounts another container lends through VolumesFrom ("name[:ro|rw]").
using MountsOfContainer =
    std::function<Result<std::vector<MountPoint>>(const std::string& idOrName)>;

// Parses Config.Volumes, HostConfig.VolumesFrom, .Binds and .Mounts in
// dockerd's order (later ones replace image volumes at the same target; two
// user mounts on one target are refused). `volumesFrom` may be null when the
// request has no VolumesFrom.
Result<std::vector<MountPoint>> parseMountPoints(const nlohmann::json& config,
                                                 const nlohmann::json& hostConfig,
                                                 const std::string& containerId,
                                                 const MountsOfContainer& volumesFrom = {});

// dockerd's inspect "Mounts" entry; `volumeSource` gives a volume's host path.
nlohmann::json mountPointJson(const MountPoint& m, const std::string& volumeSource);

}  // namespace berth::container
