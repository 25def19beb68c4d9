// Writes a docker-save archive as dockerd 25 does: OCI layout blobs
// (blobs/sha256/<layer|config|manifest>), index.json and oci-layout, plus the
// legacy manifest.json and repositories that `docker load` reads.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "image/image_record.h"
#include "image/layer_store.h"
#include "image/reference.h"

namespace berth::image {

struct SaveItem {
  StoredImage image;
  std::vector<Reference> refs;  // tagged references to name it by; empty for an id
};

Status writeSaveArchive(const std::vector<SaveItem>& items, const LayerStore& layers,
                        const std::function<Status(std::string_view)>& sink);

}  // namespace berth::image
