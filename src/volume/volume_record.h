// What the store keeps per volume (key "volumes/<name>"): dockerd's volume
// fields plus the containers using and mounting it, so "in use" and the mount
// counts survive berthd restarts.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace berth::volume {

inline constexpr char kVolumesPrefix[] = "volumes/";

struct VolumeRecord {
  std::string name;
  std::string driver = "local";
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> options;  // the driver's options as given
  bool labelsNull = true;                      // dockerd shows null, not {}, when none were sent
  bool optionsNull = true;
  int64_t createdNano = 0;
  std::string scope = "local";
  std::string mountpoint;          // the local driver's _data, or the plugin's last answer
  std::vector<std::string> users;  // ids of the containers using it
  // Containers that have it mounted now (between start and stop): the
  // driver's mount counts are rebuilt from these after a berthd restart.
  std::vector<std::string> mountedBy;
  // Users that have not run yet: their first start copies the image's content
  // into the volume when it is empty (dockerd copies once, at create).
  std::vector<std::string> copyPending;

  bool anonymous() const;
};

void to_json(nlohmann::json& j, const VolumeRecord& r);
void from_json(const nlohmann::json& j, VolumeRecord& r);

// dockerd's volume JSON (GET /volumes/{name}, list entries, create's reply).
nlohmann::json volumeJson(const VolumeRecord& r, const nlohmann::json& status = nullptr);

// time.RFC3339 in UTC, as dockerd's CreatedAt.
std::string rfc3339Seconds(int64_t unixNano);

}  // namespace berth::volume
