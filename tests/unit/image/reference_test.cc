#include "image/reference.h"

#include <gtest/gtest.h>

namespace berth::image {
namespace {

Reference parsed(std::string_view s) {
  auto r = parseNormalizedNamed(s);
  EXPECT_TRUE(r.ok()) << s << ": " << (r.ok() ? "" : r.error().message());
  return r.ok() ? *r : Reference{};
}

std::string error(std::string_view s) {
  auto r = parseNormalizedNamed(s);
  if (r.ok()) {
    ADD_FAILURE() << s << " was accepted";
    return "";
  }
  return r.error().message();
}

TEST(ReferenceTest, DockerHubNamesNormalise) {
  for (const char* s : {"busybox", "busybox:latest", "docker.io/library/busybox:latest",
                        "library/busybox", "index.docker.io/library/busybox"}) {
    Reference r = withDefaultTag(parsed(s));
    EXPECT_EQ(r.string(), "docker.io/library/busybox:latest") << s;
    EXPECT_EQ(r.familiarString(), "busybox:latest") << s;
    EXPECT_EQ(r.familiarName(), "busybox") << s;
  }
  EXPECT_EQ(parsed("user/app:1.0").string(), "docker.io/user/app:1.0");
  EXPECT_EQ(parsed("user/app:1.0").familiarString(), "user/app:1.0");
  EXPECT_EQ(parsed("library/a/b").familiarName(), "library/a/b");
}

TEST(ReferenceTest, OtherRegistriesKeepTheirDomain) {
  Reference r = parsed("localhost:5000/app:v1");
  EXPECT_EQ(r.domain, "localhost:5000");
  EXPECT_EQ(r.path, "app");
  EXPECT_EQ(r.tag, "v1");
  EXPECT_EQ(r.familiarString(), "localhost:5000/app:v1");
  EXPECT_EQ(parsed("localhost/app").domain, "localhost");
  EXPECT_EQ(parsed("registry.example.com/a/b").familiarName(), "registry.example.com/a/b");
  EXPECT_TRUE(parsed("busybox").nameOnly());
  EXPECT_EQ(withDefaultTag(parsed("busybox:1.36")).tag, "1.36");
}

TEST(ReferenceTest, DigestsParse) {
  std::string d = "sha256:" + std::string(64, 'a');
  Reference r = parsed("busybox@" + d);
  EXPECT_EQ(r.digest, d);
  EXPECT_TRUE(r.tag.empty());
  EXPECT_EQ(withDefaultTag(r).tag, "");  // a digest needs no tag
  EXPECT_TRUE(isImageDigest(d));
  EXPECT_FALSE(isImageDigest("sha256:abc"));
}

TEST(ReferenceTest, BadNamesGetDockersMessages) {
  EXPECT_EQ(error("UPPER:case"),
            "invalid reference format: repository name (library/UPPER) must be lowercase");
  EXPECT_EQ(error("a:b:c"), "invalid reference format");
  EXPECT_EQ(error("busybox:"), "invalid reference format");
  EXPECT_EQ(error("-bad"), "invalid reference format");
  EXPECT_EQ(error(""),
            "invalid reference format: repository name must have at least one component");
  EXPECT_EQ(error(std::string(64, 'a')), "invalid repository name (" + std::string(64, 'a') +
                                             "), cannot specify 64-byte hexadecimal strings");
  EXPECT_FALSE(parseNormalizedNamed("a/" + std::string(300, 'b')).ok());
  EXPECT_TRUE(validateTag("v1.0_RC-2").ok());
  EXPECT_FALSE(validateTag(".hidden").ok());
  EXPECT_FALSE(validateTag(std::string(129, 'a')).ok());
}

}  // namespace
}  // namespace berth::image
