#include "container/mount_points.h"

#include <set>

#include "common/strings.h"
#include "image/digest.h"

namespace berth::container {
namespace {

using nlohmann::json;

const char* typeName(MountType t) {
  switch (t) {
    case MountType::kBind:
      return "bind";
    case MountType::kVolume:
      return "volume";
    case MountType::kTmpfs:
      return "tmpfs";
  }
  return "volume";
}

Error mountConfigError(const std::string& type, const std::string& what) {
  return invalidArgument("invalid mount config for type \"" + type + "\": " + what);
}

bool isPropagation(const std::string& m) {
  static const std::set<std::string> kModes = {"private", "rprivate", "shared",
                                               "rshared", "slave",    "rslave"};
  return kModes.count(m) != 0;
}

// dockerd's ValidMountMode: comma-separated, each kind (rw/ro, z/Z,
// propagation, nocopy) at most once.
bool validMountMode(const std::string& mode) {
  if (mode.empty()) {
    return true;
  }
  int rw = 0;
  int label = 0;
  int prop = 0;
  int copy = 0;
  for (const std::string& o : split(mode, ',')) {
    if (o == "rw" || o == "ro") {
      ++rw;
    } else if (o == "z" || o == "Z") {
      ++label;
    } else if (isPropagation(o)) {
      ++prop;
    } else if (o == "nocopy") {
      ++copy;
    } else {
      return false;
    }
  }
  return rw <= 1 && label <= 1 && prop <= 1 && copy <= 1;
}

bool modeHas(const std::string& mode, const std::string& what) {
  for (const std::string& o : split(mode, ',')) {
    if (o == what) {
      return true;
    }
  }
  return false;
}

std::string modePropagation(const std::string& mode) {
  for (const std::string& o : split(mode, ',')) {
    if (isPropagation(o)) {
      return o;
    }
  }
  return "";
}

// validateMountConfig's checks on the target, shared by every type.
Result<std::string> checkTarget(const std::string& type, const std::string& target) {
  if (target.empty()) {
    return mountConfigError(type, "field Target must not be empty");
  }
  if (target == "/") {
    return mountConfigError(type, "invalid specification: destination can't be '/'");
  }
  if (target[0] != '/') {
    return mountConfigError(type,
                            "invalid mount path: '" + target + "' mount path must be absolute");
  }
  BERTH_ASSIGN_OR_RETURN(std::string clean, parseContainerPath(target));
  return clean;
}

Result<std::map<std::string, std::string>> stringMap(const json& j, const std::string& what) {
  std::map<std::string, std::string> out;
  if (j.is_null()) {
    return out;
  }
  if (!j.is_object()) {
    return invalidArgument("invalid " + what + ": expected an object");
  }
  for (const auto& [k, v] : j.items()) {
    if (!v.is_string()) {
      return invalidArgument("invalid " + what + ": values must be strings");
    }
    out[k] = v.get<std::string>();
  }
  return out;
}

// One HostConfig.Binds entry (dockerd's ParseMountRaw).
Result<MountPoint> parseBind(const std::string& raw, const std::string& volumeDriver) {
  std::vector<std::string> arr = split(raw, ':');
  std::string source;
  std::string target;
  std::string mode;
  switch (arr.size()) {
    case 1:
      target = arr[0];
      break;
    case 2:
      if (validMountMode(arr[1])) {
        target = arr[0];
        mode = arr[1];
      } else {
        source = arr[0];
        target = arr[1];
      }
      break;
    case 3:
      source = arr[0];
      target = arr[1];
      mode = arr[2];
      break;
    default:
      return invalidArgument("invalid volume specification: '" + raw + "'");
  }
  if (!validMountMode(mode)) {
    return invalidArgument("invalid mode: " + mode);
  }
  MountPoint m;
  m.type = !source.empty() && source[0] == '/' ? MountType::kBind : MountType::kVolume;
  BERTH_ASSIGN_OR_RETURN(m.destination, checkTarget(typeName(m.type), target));
  m.source = source;
  m.readOnly = modeHas(mode, "ro");
  m.mode = mode;
  m.propagation = modePropagation(mode);
  if (m.type == MountType::kBind) {
    m.createHostPath = true;
    if (m.propagation.empty()) {
      m.propagation = "rprivate";
    }
  } else {
    if (m.mode.empty()) {
      m.mode = "z";  // what dockerd shows for -v volumes
    }
    m.driver = volumeDriver;
    m.noCopy = modeHas(mode, "nocopy");
    if (source.empty()) {
      m.anonymous = true;
    }
  }
  return m;
}

Result<MountPoint> parseMount(const json& spec, const std::string& volumeDriver) {
  if (!spec.is_object()) {
    return invalidArgument("invalid HostConfig.Mounts: entries must be objects");
  }
  std::string type = spec.value("Type", std::string());
  std::string source = spec.contains("Source") && spec["Source"].is_string()
                           ? spec["Source"].get<std::string>()
                           : "";
  std::string target = spec.contains("Target") && spec["Target"].is_string()
                           ? spec["Target"].get<std::string>()
                           : "";
  auto has = [&spec](const char* key) {
    return spec.contains(key) && !spec[key].is_null();
  };
  MountPoint m;
  m.readOnly = spec.value("ReadOnly", false);
  if (type == "bind") {
    m.type = MountType::kBind;
  } else if (type == "volume") {
    m.type = MountType::kVolume;
  } else if (type == "tmpfs") {
    m.type = MountType::kTmpfs;
  } else {
    return mountConfigError(type, "mount type unknown");
  }
  BERTH_ASSIGN_OR_RETURN(m.destination, checkTarget(type, target));
  if (m.type == MountType::kBind) {
    if (source.empty()) {
      return mountConfigError(type, "field Source must not be empty");
    }
    if (has("VolumeOptions")) {
      return mountConfigError(type, "field VolumeOptions must not be specified");
    }
    if (source[0] != '/') {
      return mountConfigError(type,
                              "invalid mount path: '" + source + "' mount path must be absolute");
    }
    m.source = source;
    m.propagation = "rprivate";
    if (has("BindOptions")) {
      const json& bo = spec["BindOptions"];
      std::string p = bo.value("Propagation", std::string());
      if (!p.empty()) {
        if (!isPropagation(p)) {
          return mountConfigError(type, "invalid propagation mode: " + p);
        }
        m.propagation = p;
      }
      m.nonRecursive = bo.value("NonRecursive", false);
      m.createHostPath = bo.value("CreateMountpoint", false);
    }
    return m;
  }
  if (has("BindOptions")) {
    return mountConfigError(type, "field BindOptions must not be specified");
  }
  if (m.type == MountType::kTmpfs) {
    if (!source.empty()) {
      return mountConfigError(type, "field Source must not be specified");
    }
    if (has("VolumeOptions")) {
      return mountConfigError(type, "field VolumeOptions must not be specified");
    }
    if (has("TmpfsOptions")) {
      const json& to = spec["TmpfsOptions"];
      if (to.contains("SizeBytes") && to["SizeBytes"].is_number_integer() &&
          to["SizeBytes"].get<int64_t>() > 0) {
        m.tmpfs.sizeBytes = to["SizeBytes"].get<int64_t>();
      }
      if (to.contains("Mode") && to["Mode"].is_number_integer() && to["Mode"].get<int64_t>() > 0) {
        m.tmpfs.mode = static_cast<uint32_t>(to["Mode"].get<int64_t>() & 07777);
      }
    }
    m.tmpfs.readOnly = m.readOnly;
    return m;
  }
  // volume
  if (has("TmpfsOptions")) {
    return mountConfigError(type, "field TmpfsOptions must not be specified");
  }
  m.source = source;
  m.anonymous = source.empty();
  m.driver = volumeDriver;
  if (m.readOnly && m.anonymous) {
    return mountConfigError(type, "must not set ReadOnly mode when using anonymous volumes");
  }
  if (has("VolumeOptions")) {
    const json& vo = spec["VolumeOptions"];
    if (!vo.is_object()) {
      return mountConfigError(type, "VolumeOptions must be an object");
    }
    m.noCopy = vo.value("NoCopy", false);
    if (vo.contains("Subpath") && vo["Subpath"].is_string() &&
        !vo["Subpath"].get<std::string>().empty()) {
      return notImplemented("volume subpaths are not supported");
    }
    BERTH_ASSIGN_OR_RETURN(m.labels, stringMap(vo.value("Labels", json(nullptr)),
                                               "HostConfig.Mounts VolumeOptions.Labels"));
    if (vo.contains("DriverConfig") && vo["DriverConfig"].is_object()) {
      const json& dc = vo["DriverConfig"];
      std::string name = dc.value("Name", std::string());
      if (!name.empty()) {
        m.driver = name;
      }
      BERTH_ASSIGN_OR_RETURN(m.driverOpts,
                             stringMap(dc.value("Options", json(nullptr)),
                                       "HostConfig.Mounts VolumeOptions.DriverConfig.Options"));
    }
  }
  return m;
}

// "name[:mode]" of HostConfig.VolumesFrom (dockerd's ParseVolumesFrom): the
// mode is rw/ro (and z/Z); propagation and nocopy are refused, as the lent
// mounts keep the lender's.
Result<std::pair<std::string, std::string>> parseVolumesFrom(const std::string& spec) {
  if (spec.empty()) {
    return invalidArgument("volumes-from specification cannot be an empty string");
  }
  size_t colon = spec.find(':');
  std::string id = spec.substr(0, colon);
  std::string mode = colon == std::string::npos ? "" : spec.substr(colon + 1);
  if (!validMountMode(mode) || !modePropagation(mode).empty() || modeHas(mode, "nocopy")) {
    return invalidArgument("invalid mode: " + mode);
  }
  if (id.empty()) {
    return invalidArgument("invalid volumes-from specification: '" + spec + "'");
  }
  return std::make_pair(id, mode);
}

void place(std::vector<MountPoint>& out, MountPoint m) {
  for (MountPoint& existing : out) {
    if (existing.destination == m.destination) {
      existing = std::move(m);
      return;
    }
  }
  out.push_back(std::move(m));
}

}  // namespace

std::string anonymousVolumeName(const std::string& containerId, const std::string& destination) {
  return image::sha256Hex(containerId + ":" + destination);
}

Result<std::vector<MountPoint>> parseMountPoints(const json& config, const json& hostConfig,
                                                 const std::string& containerId,
                                                 const MountsOfContainer& volumesFrom) {
  std::vector<MountPoint> out;
  std::string volumeDriver = hostConfig.value("VolumeDriver", std::string());
  auto volumes = config.find("Volumes");
  if (volumes != config.end() && volumes->is_object()) {
    for (const auto& [dest, unused] : volumes->items()) {
      MountPoint m;
      m.type = MountType::kVolume;
      BERTH_ASSIGN_OR_RETURN(m.destination, checkTarget("volume", dest));
      m.anonymous = true;
      m.driver = volumeDriver;
      place(out, std::move(m));
    }
  }
  auto from = hostConfig.find("VolumesFrom");
  if (from != hostConfig.end() && from->is_array()) {
    for (const auto& entry : *from) {
      if (!entry.is_string()) {
        return invalidArgument("invalid HostConfig.VolumesFrom: expected a list of strings");
      }
      BERTH_ASSIGN_OR_RETURN(auto idMode, parseVolumesFrom(entry.get<std::string>()));
      if (!volumesFrom) {
        return notImplemented("HostConfig.VolumesFrom is not supported here");
      }
      BERTH_ASSIGN_OR_RETURN(std::vector<MountPoint> lent, volumesFrom(idMode.first));
      for (MountPoint m : lent) {
        if (m.type == MountType::kTmpfs) {
          continue;
        }
        // dockerd: RW = source's RW && mode's; ":rw" never makes a read-only
        // mount writable.
        m.readOnly = m.readOnly || modeHas(idMode.second, "ro");
        // The volume already exists and holds the lender's data: this
        // container only uses it, and never copies its image into it.
        m.anonymous = false;
        m.noCopy = true;
        place(out, std::move(m));
      }
    }
  }
  std::set<std::string> userTargets;
  auto binds = hostConfig.find("Binds");
  if (binds != hostConfig.end() && binds->is_array()) {
    for (const auto& b : *binds) {
      if (!b.is_string()) {
        return invalidArgument("invalid HostConfig.Binds: expected a list of strings");
      }
      BERTH_ASSIGN_OR_RETURN(MountPoint m, parseBind(b.get<std::string>(), volumeDriver));
      if (!userTargets.insert(m.destination).second) {
        return invalidArgument("Duplicate mount point: " + m.destination);
      }
      if (m.anonymous) {
        m.source.clear();
      }
      place(out, std::move(m));
    }
  }
  auto mounts = hostConfig.find("Mounts");
  if (mounts != hostConfig.end() && mounts->is_array()) {
    for (const auto& spec : *mounts) {
      BERTH_ASSIGN_OR_RETURN(MountPoint m, parseMount(spec, volumeDriver));
      if (!userTargets.insert(m.destination).second) {
        return invalidArgument("Duplicate mount point: " + m.destination);
      }
      place(out, std::move(m));
    }
  }
  for (MountPoint& m : out) {
    if (m.type == MountType::kVolume && m.anonymous) {
      m.source = anonymousVolumeName(containerId, m.destination);
      m.labels[kAnonymousVolumeLabel] = "";
    }
  }
  return out;
}

json mountPointJson(const MountPoint& m, const std::string& volumeSource) {
  json j = {{"Type", typeName(m.type)}};
  if (m.type == MountType::kVolume) {
    j["Name"] = m.source;
    j["Source"] = volumeSource;
  } else {
    j["Source"] = m.source;
  }
  j["Destination"] = m.destination;
  if (m.type == MountType::kVolume) {
    j["Driver"] = m.driver.empty() ? "local" : m.driver;
  }
  j["Mode"] = m.mode;
  j["RW"] = !m.readOnly;
  j["Propagation"] = m.propagation;
  return j;
}

}  // namespace berth::container
