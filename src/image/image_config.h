// Image configs (the OCI/docker image JSON whose sha256 is the image id):
// reading and checking one from an archive, writing one for an import.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace berth::image {

struct Platform {
  std::string os = "linux";
  std::string architecture;  // Go's names: amd64, arm64, ...
  std::string variant;
};

// The platform this engine runs on.
Platform hostPlatform();

// "os[/arch[/variant]]"; "" is the host platform. Only linux is supported.
Result<Platform> parsePlatform(std::string_view s);

struct ParsedConfig {
  nlohmann::json json;
  std::vector<std::string> diffIds;
  int64_t createdNano = 0;
};

// Checks an image config from an archive: a JSON object, os linux, rootfs of
// type "layers" with sha256 diff ids.
Result<ParsedConfig> parseImageConfig(std::string_view raw);

struct ImportSpec {
  nlohmann::json containerConfig;  // after the changes were applied
  Platform platform;
  int64_t createdNano = 0;
  std::string comment;
  std::string diffId;
};

// The config of an imported image, serialised once: its bytes define the id.
std::string makeImportConfig(const ImportSpec& spec);

// The image's labels (config.Labels), empty when none.
std::map<std::string, std::string> imageLabels(const nlohmann::json& config);

}  // namespace berth::image
