// The JSON dockerd shows for a container: `inspect` and one `ps` entry, and
// the human status line ("Up 5 seconds", "Exited (0) 3 minutes ago").
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "container/container_record.h"

namespace berth::container {

// go-units' HumanDuration: "Less than a second", "5 seconds", "About a minute", ...
std::string humanDuration(std::chrono::nanoseconds d);

// dockerd's State.String(): what `docker ps` prints under STATUS.
std::string statusText(const ContainerState& s, int64_t nowNano);

// "sh -c echo hi": Path and Args joined by spaces, as `ps` shows COMMAND.
std::string commandString(const ContainerRecord& r);

struct Sizes {
  int64_t rw = 0;      // the container's writable layer
  int64_t rootFs = 0;  // the writable layer plus the image
};

struct InspectContext {
  std::string dataRoot;
  std::vector<std::string> execIds;
  std::optional<Sizes> sizes;
};

// Per-container paths under the data root.
std::string containerDir(const std::string& dataRoot, const std::string& id);
std::string hostnamePath(const std::string& dataRoot, const std::string& id);
std::string hostsPath(const std::string& dataRoot, const std::string& id);
std::string resolvConfPath(const std::string& dataRoot, const std::string& id);
std::string overlayDir(const std::string& dataRoot, const std::string& id);

nlohmann::json inspectJson(const ContainerRecord& r, const InspectContext& ctx);
nlohmann::json listEntryJson(const ContainerRecord& r, int64_t nowNano,
                             const std::optional<Sizes>& sizes);

// NetworkSettings.Networks as shown: the recorded one, or an empty endpoint of
// the container's network mode before its first start.
nlohmann::json networksJson(const ContainerRecord& r);

}  // namespace berth::container
