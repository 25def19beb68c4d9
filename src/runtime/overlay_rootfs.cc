#include "runtime/overlay_rootfs.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>

#include "common/error.h"
#include "runtime/fs_util.h"

namespace berth {
namespace {

// Container ids are berth's 64 hex digits; tests use readable names. Either
// way the id becomes a path component, so nothing that could leave the dir.
Status validateId(const std::string& id) {
  bool ok = !id.empty() && id.size() <= 128 && id != "." && id != ".." &&
            std::all_of(id.begin(), id.end(), [](char c) {
              return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                     c == '_' || c == '-' || c == '.';
            });
  if (!ok) {
    return Unexpected(
        invalidArgument("invalid container id for a root filesystem: \"" + id + "\""));
  }
  return okStatus();
}

Status checkLayerDir(const std::string& dir) {
  if (dir.empty() || dir.front() != '/') {
    return Unexpected(invalidArgument("image layer directory must be absolute: \"" + dir + "\""));
  }
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) {
    if (errno == ENOENT) {
      return Unexpected(notFound("image layer directory " + dir + " does not exist"));
    }
    return Unexpected(systemError("stat image layer " + dir, errno));
  }
  if (!S_ISDIR(st.st_mode)) {
    return Unexpected(invalidArgument("image layer " + dir + " is not a directory"));
  }
  return okStatus();
}

}  // namespace

OverlayRootfsManager::OverlayRootfsManager(std::string dataRoot, OverlayMountMethod method)
    : root_(std::move(dataRoot) + "/overlay"), method_(method) {}

std::string OverlayRootfsManager::containerDir(const std::string& id) const {
  return root_ + "/" + id;
}

std::string OverlayRootfsManager::mergedDir(const std::string& id) const {
  return containerDir(id) + "/merged";
}

Result<std::string> OverlayRootfsManager::mount(const std::string& id,
                                                const std::vector<std::string>& layerDirs) {
  BERTH_TRY(validateId(id));
  for (const auto& dir : layerDirs) {
    BERTH_TRY(checkLayerDir(dir));
  }
  std::lock_guard<std::mutex> lock(mu_);
  const std::string dir = containerDir(id);
  const std::string merged = mergedDir(id);
  if (auto mounted = isMountPoint(merged); mounted.ok() && *mounted) {
    return merged;
  }
  BERTH_TRY(makeDirs(root_, 0700));
  BERTH_ASSIGN_OR_RETURN(bool created, makeDirs(dir, 0700));
  // A directory made now goes again if the mount fails; an existing one
  // holds a stopped container's changes and stays.
  auto fail = [&](Error e) -> Result<std::string> {
    if (created) {
      (void)removeTree(dir);
    }
    return Unexpected(std::move(e.withContext("mount root filesystem of " + id)));
  };
  // The upper dir's mode becomes the mode of the container's "/".
  for (const auto& [sub, mode] :
       {std::pair<const char*, mode_t>{"upper", 0755}, {"work", 0700}, {"merged", 0755}}) {
    if (auto made = makeDirs(dir + "/" + sub, mode); !made.ok()) {
      return fail(std::move(made).error());
    }
  }
  OverlayMount layout;
  layout.lowerDirs.assign(layerDirs.rbegin(), layerDirs.rend());
  if (layout.lowerDirs.empty()) {
    // overlayfs needs a lower dir; an image without layers gets an empty one.
    std::string empty = dir + "/empty";
    if (auto made = makeDirs(empty, 0755); !made.ok()) {
      return fail(std::move(made).error());
    }
    layout.lowerDirs.push_back(empty);
  }
  layout.upperDir = dir + "/upper";
  layout.workDir = dir + "/work";
  layout.target = merged;
  if (Status st = mountOverlay(layout, method_); !st.ok()) {
    return fail(std::move(st).error());
  }
  return merged;
}

Status OverlayRootfsManager::unmount(const std::string& id) {
  BERTH_TRY(validateId(id));
  std::lock_guard<std::mutex> lock(mu_);
  return unmountOrDetach(mergedDir(id));
}

Status OverlayRootfsManager::remove(const std::string& id) {
  BERTH_TRY(validateId(id));
  std::lock_guard<std::mutex> lock(mu_);
  BERTH_TRY(unmountOrDetach(mergedDir(id)));
  // removeTree refuses to go below a mount, so a merged dir that is somehow
  // still mounted can never lead to deleting the container's image files.
  Status st = removeTree(containerDir(id));
  if (!st.ok()) {
    return Unexpected(
        std::move(std::move(st).error().withContext("remove root filesystem of " + id)));
  }
  return okStatus();
}

}  // namespace berth
