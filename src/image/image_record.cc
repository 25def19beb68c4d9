#include "image/image_record.h"

namespace berth::image {

int64_t StoredImage::size() const {
  int64_t total = 0;
  for (int64_t s : layerSizes) {
    total += s;
  }
  return total;
}

void to_json(nlohmann::json& j, const StoredImage& s) {
  j = {{"id", s.id},
       {"config", s.config},
       {"diffIds", s.diffIds},
       {"layerSizes", s.layerSizes},
       {"repoTags", s.repoTags},
       {"createdNano", s.createdNano},
       {"lastTagTimeNano", s.lastTagTimeNano},
       {"addedNano", s.addedNano}};
}

void from_json(const nlohmann::json& j, StoredImage& s) {
  j.at("id").get_to(s.id);
  j.at("config").get_to(s.config);
  j.at("diffIds").get_to(s.diffIds);
  j.at("layerSizes").get_to(s.layerSizes);
  j.at("repoTags").get_to(s.repoTags);
  s.createdNano = j.value("createdNano", int64_t{0});
  s.lastTagTimeNano = j.value("lastTagTimeNano", int64_t{0});
  s.addedNano = j.value("addedNano", int64_t{0});
}

void to_json(nlohmann::json& j, const TagRecord& t) { j = {{"id", t.id}}; }

void from_json(const nlohmann::json& j, TagRecord& t) { j.at("id").get_to(t.id); }

std::string tagKeyId(const std::string& familiarTag) {
  std::string out;
  for (char c : familiarTag) {
    if (c == '/') {
      out += "%2F";
    } else if (c == '%') {
      out += "%25";
    } else {
      out += c;
    }
  }
  return out;
}

std::string tagFromKeyId(const std::string& keyId) {
  std::string out;
  for (size_t i = 0; i < keyId.size(); ++i) {
    if (keyId[i] == '%' && i + 2 < keyId.size() + 0 && keyId.compare(i, 3, "%2F") == 0) {
      out += '/';
      i += 2;
    } else if (keyId[i] == '%' && keyId.compare(i, 3, "%25") == 0) {
      out += '%';
      i += 2;
    } else {
      out += keyId[i];
    }
  }
  return out;
}

}  // namespace berth::image
