// RootfsManager on overlayfs: <data-root>/overlay/<id>/{upper,work,merged},
// the image layers as lower directories (top first in lowerdir=).
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "kernel/mount.h"
#include "runtime/rootfs.h"

namespace berth {

class OverlayRootfsManager : public RootfsManager {
 public:
  // `dataRoot`: berthd's --data-root. `method` is for tests that force one
  // of mountOverlay()'s ways of passing long layer lists.
  explicit OverlayRootfsManager(std::string dataRoot,
                                OverlayMountMethod method = OverlayMountMethod::kAuto);

  Result<std::string> mount(const std::string& id,
                            const std::vector<std::string>& layerDirs) override;
  Status unmount(const std::string& id) override;
  Status remove(const std::string& id) override;

  // <data-root>/overlay/<id>, and the merged directory inside it.
  std::string containerDir(const std::string& id) const;
  std::string mergedDir(const std::string& id) const;

 private:
  std::string root_;  // <data-root>/overlay
  OverlayMountMethod method_;
  std::mutex mu_;  // one mount/unmount at a time, so two starts of one container cannot race
};

}  // namespace berth
