#include "volume/volume_record.h"

#include <ctime>

#include "container/mount_points.h"

namespace berth::volume {

using nlohmann::json;

bool VolumeRecord::anonymous() const {
  return labels.count(container::kAnonymousVolumeLabel) != 0;
}

void to_json(json& j, const VolumeRecord& r) {
  j = {{"name", r.name},
       {"driver", r.driver},
       {"labels", r.labels},
       {"options", r.options},
       {"labelsNull", r.labelsNull},
       {"optionsNull", r.optionsNull},
       {"createdNano", r.createdNano},
       {"scope", r.scope},
       {"mountpoint", r.mountpoint},
       {"users", r.users},
       {"mountedBy", r.mountedBy},
       {"copyPending", r.copyPending}};
}

void from_json(const json& j, VolumeRecord& r) {
  r.name = j.at("name").get<std::string>();
  r.driver = j.value("driver", std::string("local"));
  r.labels = j.value("labels", std::map<std::string, std::string>{});
  r.options = j.value("options", std::map<std::string, std::string>{});
  r.labelsNull = j.value("labelsNull", r.labels.empty());
  r.optionsNull = j.value("optionsNull", r.options.empty());
  r.createdNano = j.value("createdNano", int64_t{0});
  r.scope = j.value("scope", std::string("local"));
  r.mountpoint = j.value("mountpoint", std::string());
  r.users = j.value("users", std::vector<std::string>{});
  r.mountedBy = j.value("mountedBy", std::vector<std::string>{});
  r.copyPending = j.value("copyPending", std::vector<std::string>{});
}

std::string rfc3339Seconds(int64_t unixNano) {
  std::time_t secs = static_cast<std::time_t>(unixNano / 1000000000);
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  char buf[32];
  size_t n = std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return std::string(buf, n);
}

json volumeJson(const VolumeRecord& r, const json& status) {
  json j = {{"CreatedAt", rfc3339Seconds(r.createdNano)},
            {"Driver", r.driver},
            {"Labels", r.labelsNull && r.labels.empty() ? json(nullptr) : json(r.labels)},
            {"Mountpoint", r.mountpoint},
            {"Name", r.name},
            {"Options", r.optionsNull && r.options.empty() ? json(nullptr) : json(r.options)},
            {"Scope", r.scope}};
  if (status.is_object() && !status.empty()) {
    j["Status"] = status;
  }
  return j;
}

}  // namespace berth::volume
