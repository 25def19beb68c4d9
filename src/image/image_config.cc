#include "image/image_config.h"

#include <sys/utsname.h>

#include "common/strings.h"
#include "common/time_format.h"
#include "image/reference.h"

namespace berth::image {

namespace {

std::string goArch(const std::string& machine) {
  static const std::map<std::string, std::string> kNames = {
      {"x86_64", "amd64"},    {"aarch64", "arm64"}, {"i686", "386"},
      {"i386", "386"},        {"armv7l", "arm"},    {"armv6l", "arm"},
      {"ppc64le", "ppc64le"}, {"s390x", "s390x"},   {"riscv64", "riscv64"}};
  auto it = kNames.find(machine);
  return it == kNames.end() ? machine : it->second;
}

}  // namespace

Platform hostPlatform() {
  Platform p;
  struct utsname u {};
  if (::uname(&u) == 0) {
    p.architecture = goArch(u.machine);
    if (std::string(u.machine) == "armv7l") {
      p.variant = "v7";
    }
  }
  return p;
}

Result<Platform> parsePlatform(std::string_view s) {
  if (s.empty()) {
    return hostPlatform();
  }
  auto parts = split(toLower(s), '/');
  if (parts.size() > 3 || parts[0].empty()) {
    return invalidArgument("invalid platform '" + std::string(s) +
                           "': expected os[/arch[/variant]]");
  }
  if (parts[0] != "linux") {
    return invalidArgument("operating system \"" + parts[0] + "\" is not supported");
  }
  Platform p;
  p.architecture = parts.size() > 1 ? parts[1] : hostPlatform().architecture;
  p.variant = parts.size() > 2 ? parts[2] : "";
  if (p.architecture.empty()) {
    return invalidArgument("invalid platform '" + std::string(s) + "': empty architecture");
  }
  return p;
}

Result<ParsedConfig> parseImageConfig(std::string_view raw) {
  ParsedConfig out;
  out.json = nlohmann::json::parse(raw, nullptr, false);
  if (out.json.is_discarded() || !out.json.is_object()) {
    return invalidArgument("invalid image config: not a JSON object");
  }
  const auto& j = out.json;
  std::string os = j.contains("os") && j["os"].is_string() ? j["os"].get<std::string>() : "linux";
  if (os != "linux") {
    return invalidArgument("cannot load " + os + " image on linux");
  }
  if (!j.contains("rootfs") || !j["rootfs"].is_object()) {
    return invalidArgument("invalid image config: no rootfs");
  }
  const auto& rootfs = j["rootfs"];
  if (rootfs.value("type", "") != "layers") {
    return invalidArgument("invalid image config: rootfs type must be \"layers\"");
  }
  if (rootfs.contains("diff_ids")) {
    if (!rootfs["diff_ids"].is_array()) {
      return invalidArgument("invalid image config: rootfs.diff_ids is not a list");
    }
    for (const auto& d : rootfs["diff_ids"]) {
      if (!d.is_string() || !isImageDigest(d.get<std::string>())) {
        return invalidArgument("invalid image config: bad diff id " + d.dump());
      }
      out.diffIds.push_back(d.get<std::string>());
    }
  }
  if (j.contains("created") && j["created"].is_string()) {
    auto t = parseRfc3339(j["created"].get<std::string>());
    if (t.ok()) {
      out.createdNano = *t;
    }
  }
  return out;
}

std::string makeImportConfig(const ImportSpec& spec) {
  std::string created = formatRfc3339Nano(spec.createdNano);
  nlohmann::json history = {{"created", created}};
  nlohmann::json j = {
      {"architecture", spec.platform.architecture},
      {"config", spec.containerConfig},
      {"created", created},
      {"docker_version", std::string("berth-") + BERTH_VERSION},
      {"history", nlohmann::json::array({history})},
      {"os", spec.platform.os},
      {"rootfs", {{"type", "layers"}, {"diff_ids", nlohmann::json::array({spec.diffId})}}},
  };
  if (!spec.comment.empty()) {
    j["comment"] = spec.comment;
    j["history"][0]["comment"] = spec.comment;
  }
  if (!spec.platform.variant.empty()) {
    j["variant"] = spec.platform.variant;
  }
  return j.dump();
}

std::map<std::string, std::string> imageLabels(const nlohmann::json& config) {
  std::map<std::string, std::string> out;
  if (config.contains("config") && config["config"].is_object()) {
    const auto& c = config["config"];
    if (c.contains("Labels") && c["Labels"].is_object()) {
      for (const auto& [k, v] : c["Labels"].items()) {
        if (v.is_string()) {
          out[k] = v.get<std::string>();
        }
      }
    }
  }
  return out;
}

}  // namespace berth::image
