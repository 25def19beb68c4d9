// HostConfig.VolumesFrom as parseMountPoints resolves it: dockerd's
// registerMountPoints (RW = lender's RW && mode's, no copy-up) and
// ParseVolumesFrom's refusals.
#include <gtest/gtest.h>

#include "container/mount_points.h"

namespace berth::container {
namespace {

using nlohmann::json;

// A lender "data" with a named volume, a read-only volume, a bind and a tmpfs.
Result<std::vector<MountPoint>> lender(const std::string& id) {
  if (id != "data") {
    return notFound("No such container: " + id);
  }
  MountPoint vol;
  vol.source = "shared";
  vol.destination = "/shared";
  MountPoint roVol;
  roVol.source = "frozen";
  roVol.destination = "/frozen";
  roVol.readOnly = true;
  MountPoint bind;
  bind.type = MountType::kBind;
  bind.source = "/srv/www";
  bind.destination = "/www";
  MountPoint tmp;
  tmp.type = MountType::kTmpfs;
  tmp.destination = "/scratch";
  return std::vector<MountPoint>{vol, roVol, bind, tmp};
}

Result<std::vector<MountPoint>> parse(const std::vector<std::string>& from) {
  return parseMountPoints(json::object(), {{"VolumesFrom", from}}, "c1", lender);
}

const MountPoint* at(const std::vector<MountPoint>& ms, const std::string& dest) {
  for (const MountPoint& m : ms) {
    if (m.destination == dest) {
      return &m;
    }
  }
  return nullptr;
}

TEST(VolumesFrom, LendsVolumesAndBindsKeepingReadOnly) {
  for (const char* spec : {"data", "data:rw"}) {
    auto m = parse({spec});
    ASSERT_TRUE(m.ok()) << m.error().message();
    ASSERT_EQ(m->size(), 3U) << spec;  // tmpfs mounts are not lent
    ASSERT_NE(at(*m, "/shared"), nullptr);
    EXPECT_FALSE(at(*m, "/shared")->readOnly) << spec;
    EXPECT_TRUE(at(*m, "/frozen")->readOnly) << spec;  // ":rw" never makes it writable
    ASSERT_NE(at(*m, "/www"), nullptr);
    EXPECT_EQ(at(*m, "/www")->type, MountType::kBind);
    EXPECT_EQ(at(*m, "/www")->source, "/srv/www");
    // The lender's data is there already: never copied over from this image.
    EXPECT_TRUE(at(*m, "/shared")->noCopy);
    EXPECT_FALSE(at(*m, "/shared")->anonymous);
  }
  auto ro = parse({"data:ro"});
  ASSERT_TRUE(ro.ok());
  for (const MountPoint& m : *ro) {
    EXPECT_TRUE(m.readOnly) << m.destination;
  }
}

TEST(VolumesFrom, UserMountsReplaceLentOnes) {
  auto m = parseMountPoints(json::object(),
                            {{"VolumesFrom", {"data"}}, {"Binds", {"mine:/shared:ro"}}}, "c1",
                            lender);
  ASSERT_TRUE(m.ok()) << m.error().message();
  ASSERT_NE(at(*m, "/shared"), nullptr);
  EXPECT_EQ(at(*m, "/shared")->source, "mine");
  EXPECT_FALSE(at(*m, "/shared")->noCopy);
}

TEST(VolumesFrom, RefusalsReadLikeDockerd) {
  struct Case {
    std::string spec;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {"", "volumes-from specification cannot be an empty string"},
           {"data:bogus", "invalid mode: bogus"},
           {"data:ro,rw", "invalid mode: ro,rw"},
           {"data:shared", "invalid mode: shared"},
           {"data:nocopy", "invalid mode: nocopy"},
       }) {
    auto m = parse({c.spec});
    ASSERT_FALSE(m.ok()) << c.spec;
    EXPECT_EQ(m.error().kind(), ErrorKind::kInvalidArgument) << c.spec;
    EXPECT_EQ(m.error().message(), c.message) << c.spec;
  }
  EXPECT_TRUE(parse({"data:ro,z"}).ok());
  auto missing = parse({"nope:ro"});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message(), "No such container: nope");
}

}  // namespace
}  // namespace berth::container
