// What the image store keeps in the Store:
//   images/<hex of image id>   a StoredImage (the config exactly as hashed, layers, tags)
//   image-tags/<name:tag>      the image id a tag points at ('/' in the name as %2F,
//                              since a Store id is one key segment)
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "store/collection.h"

namespace berth::image {

struct StoredImage {
  std::string id;                     // "sha256:<hex>" = sha256 of `config`
  std::string config;                 // the image config JSON, byte for byte
  std::vector<std::string> diffIds;   // rootfs.diff_ids, lowest first
  std::vector<int64_t> layerSizes;    // content bytes of each layer
  std::vector<std::string> repoTags;  // familiar "name:tag", in tagging order
  int64_t createdNano = 0;            // the config's "created", 0 when absent
  int64_t lastTagTimeNano = 0;        // when a tag was last set here, 0 never
  int64_t addedNano = 0;              // when this engine stored the image

  int64_t size() const;
};

void to_json(nlohmann::json& j, const StoredImage& s);
void from_json(const nlohmann::json& j, StoredImage& s);

struct TagRecord {
  std::string id;  // the image id the tag points at
};

void to_json(nlohmann::json& j, const TagRecord& t);
void from_json(const nlohmann::json& j, TagRecord& t);

inline constexpr char kImagesPrefix[] = "images/";
inline constexpr char kTagsPrefix[] = "image-tags/";

// "localhost:5000/app:v1" → "localhost:5000%2Fapp:v1" and back.
std::string tagKeyId(const std::string& familiarTag);
std::string tagFromKeyId(const std::string& keyId);

}  // namespace berth::image
