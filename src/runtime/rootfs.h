// RootfsManager: a container's root filesystem, made of the image's layer
// directories plus a writable layer of its own.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"

namespace berth {

class RootfsManager {
 public:
  virtual ~RootfsManager() = default;

  // Mounts the root filesystem of container `id` over `layerDirs` (lowest
  // layer first, as ImageRecord::layerDirs lists them) and returns the
  // mounted directory. Idempotent: when it is already mounted, returns the
  // same path. Keeps an existing writable layer (a restarted container).
  virtual Result<std::string> mount(const std::string& id,
                                    const std::vector<std::string>& layerDirs) = 0;

  // Unmounts it, keeping the container's changes. Not mounted is fine.
  virtual Status unmount(const std::string& id) = 0;

  // Unmounts it and deletes the container's writable layer. Missing is fine.
  virtual Status remove(const std::string& id) = 0;
};

}  // namespace berth
