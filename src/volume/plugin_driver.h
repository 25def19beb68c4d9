// A volume driver served by a plugin (dockerd's volume plugin protocol, v1):
// activated once, then /VolumeDriver.* calls whose "Err" becomes our error.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "volume/plugin_client.h"
#include "volume/volume_driver.h"

namespace berth::volume {

class PluginDriver : public VolumeDriver {
 public:
  PluginDriver(std::string name, PluginClient client);

  // POST /Plugin.Activate; refuses a plugin that does not implement VolumeDriver.
  Status activate();

  std::string name() const override { return name_; }
  Result<std::string> scope() override;
  Status validate(const std::string& volume, const DriverOptions& opts) override;
  Status create(const std::string& volume, const DriverOptions& opts) override;
  Status remove(const std::string& volume) override;
  Result<std::string> mount(const std::string& volume, const std::string& callerId) override;
  Status unmount(const std::string& volume, const std::string& callerId) override;
  Result<std::string> path(const std::string& volume) override;
  Result<nlohmann::json> status(const std::string& volume) override;
  // /VolumeDriver.List: the plugin's volumes ({"Name", "Mountpoint"}).
  Result<nlohmann::json> list();

 private:
  // One /VolumeDriver.<method> call; a non-empty "Err" is an error naming the method.
  Result<nlohmann::json> volumeCall(const std::string& method, const nlohmann::json& body);

  std::string name_;
  PluginClient client_;
  std::mutex mu_;
  std::string scope_;  // cached Capabilities
};

}  // namespace berth::volume
