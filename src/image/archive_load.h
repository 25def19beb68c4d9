// Reading what an image archive holds before anything is unpacked: the
// docker-save form (manifest.json [+ repositories]) and the OCI image layout
// (oci-layout, index.json, blobs/sha256/…). A plan names every layer entry and
// the diff id it must hash to, and is fully checked, so a bad archive fails
// before the first layer touches the disk.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "image/image_config.h"
#include "image/reference.h"

namespace berth::image {

struct PlannedLayer {
  std::string entry;       // path of the layer's file in the archive
  std::string diffId;      // what its inflated tar must hash to
  std::string blobDigest;  // sha256 of the file itself when the archive says (OCI), else ""
};

struct PlannedImage {
  std::string configRaw;  // exactly as in the archive: its sha256 is the image id
  ParsedConfig config;
  std::vector<PlannedLayer> layers;  // lowest first
  std::vector<Reference> tags;       // tagged references to set
};

struct LoadPlan {
  std::vector<PlannedImage> images;
};

// Reads the archive's metadata (one pass over it) and checks it.
Result<LoadPlan> planLoad(std::string_view archive);

// "./a//b" → "a/b"; "" for a path that leaves the archive.
std::string cleanArchivePath(std::string_view name);

}  // namespace berth::image
