// A volume driver: the built-in local one or a plugin. Calls may block
// (a plugin answers over HTTP); names are already valid for the driver.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/result.h"

namespace berth::volume {

using DriverOptions = std::map<std::string, std::string>;

class VolumeDriver {
 public:
  virtual ~VolumeDriver() = default;
  virtual std::string name() const = 0;
  // "local" or "global" (a plugin's Capabilities).
  virtual Result<std::string> scope() = 0;
  // invalid-argument for a name or options this driver refuses; nothing made.
  virtual Status validate(const std::string& volume, const DriverOptions& opts) = 0;
  virtual Status create(const std::string& volume, const DriverOptions& opts) = 0;
  virtual Status remove(const std::string& volume) = 0;
  // The host path to bind into a container; `callerId` names the user (the container).
  virtual Result<std::string> mount(const std::string& volume, const std::string& callerId) = 0;
  virtual Status unmount(const std::string& volume, const std::string& callerId) = 0;
  // At berthd start: the callers that still have `volume` mounted (running
  // containers), counted without mounting again; none: a mount left behind
  // by a crash may be undone. Default: the driver keeps no counts.
  virtual void restoreMounts(const std::string& /*volume*/,
                             const std::vector<std::string>& /*callerIds*/) {}
  // Where the data is (or would be) on the host; "" when the driver cannot tell yet.
  virtual Result<std::string> path(const std::string& volume) = 0;
  // The driver's "Status" for inspect (null when none).
  virtual Result<nlohmann::json> status(const std::string& volume) = 0;
};

}  // namespace berth::volume
