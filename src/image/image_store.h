// The seam the container service uses (docs/containers-design.md).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace berth::image {

struct ImageRecord {
  std::string id;  // "sha256:<hex>"
  nlohmann::json
      config;  // the full image config (architecture, os, config{Env,Cmd,...}, rootfs, history)
  std::vector<std::string> repoTags;   // "busybox:latest"
  std::vector<std::string> layerDirs;  // overlayfs lower dirs, lowest layer first
};

class ImageStore {
 public:
  virtual ~ImageStore() = default;
  // "busybox" means "busybox:latest"; full ids, "sha256:<hex>" and id prefixes work.
  // kNotFound "No such image: busybox:latest"; kInvalidArgument for a malformed name.
  virtual Result<ImageRecord> resolve(std::string_view nameOrId) = 0;
};

}  // namespace berth::image
