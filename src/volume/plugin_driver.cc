#include "volume/plugin_driver.h"

#include <algorithm>

namespace berth::volume {

using nlohmann::json;

PluginDriver::PluginDriver(std::string name, PluginClient client)
    : name_(std::move(name)), client_(std::move(client)) {}

Status PluginDriver::activate() {
  auto reply = client_.call("Plugin.Activate", json(nullptr));
  if (!reply.ok()) {
    return Unexpected(Error(reply.error()).withContext("activate plugin " + name_));
  }
  auto impl = reply->find("Implements");
  bool volume = impl != reply->end() && impl->is_array() &&
                std::find(impl->begin(), impl->end(), json("VolumeDriver")) != impl->end();
  if (!volume) {
    return notFound("error looking up volume plugin " + name_ + ": plugin \"" + name_ +
                    "\" does not implement VolumeDriver");
  }
  return okStatus();
}

Result<json> PluginDriver::volumeCall(const std::string& method, const json& body) {
  auto reply = client_.call("VolumeDriver." + method, body);
  if (!reply.ok()) {
    if (reply.error().kind() == ErrorKind::kInternal &&
        reply.error().message().rfind("VolumeDriver.", 0) == 0) {
      return Unexpected(reply.error());  // already "VolumeDriver.X: <Err>"
    }
    return Unexpected(Error(reply.error()).withContext("volume plugin " + name_));
  }
  if (reply->is_object()) {
    std::string err = reply->value("Err", std::string());
    if (!err.empty()) {
      return internal("VolumeDriver." + method + ": " + err);
    }
  }
  return reply;
}

Result<std::string> PluginDriver::scope() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!scope_.empty()) {
      return scope_;
    }
  }
  auto caps = volumeCall("Capabilities", json::object());
  std::string s = "local";
  // An old plugin without Capabilities is local, as in dockerd.
  if (caps.ok() && caps->contains("Capabilities") && (*caps)["Capabilities"].is_object()) {
    std::string got = (*caps)["Capabilities"].value("Scope", std::string());
    if (got == "global") {
      s = got;
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  scope_ = s;
  return s;
}

Status PluginDriver::validate(const std::string& volume, const DriverOptions&) {
  if (volume.empty() || volume.find('/') != std::string::npos) {
    return invalidArgument("invalid volume name: \"" + volume + "\"");
  }
  return okStatus();
}

Status PluginDriver::create(const std::string& volume, const DriverOptions& opts) {
  BERTH_TRY(volumeCall("Create", {{"Name", volume}, {"Opts", opts}}));
  return okStatus();
}

Status PluginDriver::remove(const std::string& volume) {
  BERTH_TRY(volumeCall("Remove", {{"Name", volume}}));
  return okStatus();
}

Result<std::string> PluginDriver::mount(const std::string& volume, const std::string& callerId) {
  BERTH_ASSIGN_OR_RETURN(json r, volumeCall("Mount", {{"Name", volume}, {"ID", callerId}}));
  std::string mp = r.value("Mountpoint", std::string());
  if (mp.empty() || mp[0] != '/') {
    return internal("VolumeDriver.Mount: the plugin returned no absolute Mountpoint for " +
                    volume);
  }
  return mp;
}

Status PluginDriver::unmount(const std::string& volume, const std::string& callerId) {
  BERTH_TRY(volumeCall("Unmount", {{"Name", volume}, {"ID", callerId}}));
  return okStatus();
}

Result<std::string> PluginDriver::path(const std::string& volume) {
  BERTH_ASSIGN_OR_RETURN(json r, volumeCall("Path", {{"Name", volume}}));
  return r.value("Mountpoint", std::string());
}

Result<json> PluginDriver::status(const std::string& volume) {
  BERTH_ASSIGN_OR_RETURN(json r, volumeCall("Get", {{"Name", volume}}));
  if (r.contains("Volume") && r["Volume"].is_object() && r["Volume"].contains("Status")) {
    return r["Volume"]["Status"];
  }
  return json(nullptr);
}

Result<json> PluginDriver::list() {
  BERTH_ASSIGN_OR_RETURN(json r, volumeCall("List", json::object()));
  return r.value("Volumes", json::array());
}

}  // namespace berth::volume
