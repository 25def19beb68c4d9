// Image references with docker's grammar and normalisation
// (github.com/distribution/reference): "busybox" is "docker.io/library/busybox",
// shown as "busybox"; a missing tag means "latest".
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace berth::image {

struct Reference {
  std::string domain;  // "docker.io", "localhost:5000"
  std::string path;    // "library/busybox"
  std::string tag;     // "" when none was given
  std::string digest;  // "sha256:<hex>", "" when none was given

  // "docker.io/library/busybox"
  std::string name() const;
  // "busybox", "user/app", "localhost:5000/app"
  std::string familiarName() const;
  // The familiar name with ":tag" and "@digest" as present: "busybox:latest".
  std::string familiarString() const;
  // The full form: "docker.io/library/busybox:latest".
  std::string string() const;

  bool nameOnly() const { return tag.empty() && digest.empty(); }
  bool operator==(const Reference&) const = default;
};

inline constexpr std::string_view kDefaultTag = "latest";

// Parses and normalises like reference.ParseNormalizedNamed, with its error
// messages ("invalid reference format: repository name (library/UPPER) must be lowercase").
Result<Reference> parseNormalizedNamed(std::string_view s);

// The reference with "latest" added when it has neither tag nor digest (TagNameOnly).
Reference withDefaultTag(Reference ref);

// A tag on its own: [\w][\w.-]{0,127}; "invalid tag format" otherwise.
Status validateTag(std::string_view tag);

// "sha256:" followed by 64 lowercase hex digits.
bool isImageDigest(std::string_view s);

}  // namespace berth::image
