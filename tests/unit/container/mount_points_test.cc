// parseMountPoints: dockerd's mount rules and wording (volume/mounts/linux_parser.go).
#include "container/mount_points.h"

#include <gtest/gtest.h>

namespace berth::container {
namespace {

using nlohmann::json;

Result<std::vector<MountPoint>> parse(const json& config, const json& hc) {
  return parseMountPoints(config, hc, "c0ffee");
}

TEST(MountPoints, BindsVolumesAndAnonymous) {
  auto m = parse({{"Volumes", {{"/img", json::object()}}}},
                 {{"Binds", {"/host:/h:ro", "named:/n", "/anon"}}});
  ASSERT_TRUE(m.ok()) << m.error().message();
  ASSERT_EQ(m->size(), 4U);
  EXPECT_EQ((*m)[0].destination, "/img");
  EXPECT_TRUE((*m)[0].anonymous);
  EXPECT_EQ((*m)[0].source, anonymousVolumeName("c0ffee", "/img"));
  EXPECT_EQ((*m)[0].labels.count(kAnonymousVolumeLabel), 1U);
  EXPECT_EQ((*m)[1].type, MountType::kBind);
  EXPECT_TRUE((*m)[1].readOnly);
  EXPECT_TRUE((*m)[1].createHostPath);
  EXPECT_EQ((*m)[1].propagation, "rprivate");
  EXPECT_EQ((*m)[2].type, MountType::kVolume);
  EXPECT_EQ((*m)[2].source, "named");
  EXPECT_EQ((*m)[2].mode, "z");
  EXPECT_TRUE((*m)[3].anonymous);
  json j = mountPointJson((*m)[2], "/var/lib/berth/volumes/named/_data");
  EXPECT_EQ(j["Name"], "named");
  EXPECT_EQ(j["Driver"], "local");
  EXPECT_EQ(j["RW"], true);
}

TEST(MountPoints, UserMountReplacesImageVolume) {
  auto m = parse({{"Volumes", {{"/data", json::object()}}}},
                 {{"Mounts", {{{"Type", "volume"}, {"Source", "bizvol"}, {"Target", "/data"}}}}});
  ASSERT_TRUE(m.ok()) << m.error().message();
  ASSERT_EQ(m->size(), 1U);
  EXPECT_EQ((*m)[0].source, "bizvol");
  EXPECT_FALSE((*m)[0].anonymous);
}

TEST(MountPoints, MountFields) {
  json mounts = {{{"Type", "volume"},
                  {"Source", "v"},
                  {"Target", "/v"},
                  {"VolumeOptions",
                   {{"NoCopy", true},
                    {"DriverConfig", {{"Name", "plug"}, {"Options", {{"size", "1"}}}}}}}},
                 {{"Type", "tmpfs"}, {"Target", "/t"}, {"TmpfsOptions", {{"SizeBytes", 1024}}}},
                 {{"Type", "bind"}, {"Source", "/srv"}, {"Target", "/s"}, {"ReadOnly", true}}};
  auto m = parse(json::object(), {{"Mounts", mounts}});
  ASSERT_TRUE(m.ok()) << m.error().message();
  ASSERT_EQ(m->size(), 3U);
  EXPECT_TRUE((*m)[0].noCopy);
  EXPECT_EQ((*m)[0].driver, "plug");
  EXPECT_EQ((*m)[0].driverOpts.at("size"), "1");
  EXPECT_EQ((*m)[1].type, MountType::kTmpfs);
  EXPECT_EQ((*m)[1].tmpfs.sizeBytes, 1024);
  EXPECT_FALSE((*m)[2].createHostPath);
}

TEST(MountPoints, BadInput) {
  struct Case {
    json hc;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{{"Binds", {"/a:rel"}}},
       "invalid mount config for type \"bind\": invalid mount path: 'rel' mount path must be "
       "absolute"},
      {{{"Binds", {"a:b:c:d"}}}, "invalid volume specification: 'a:b:c:d'"},
      {{{"Binds", {"v:/x:bogus"}}}, "invalid mode: bogus"},
      {{{"Binds", {"v:/"}}},
       "invalid mount config for type \"volume\": invalid specification: destination can't be "
       "'/'"},
      {{{"Binds", {"v:/x"}}, {"Mounts", {{{"Type", "volume"}, {"Source", "w"}, {"Target", "/x"}}}}},
       "Duplicate mount point: /x"},
      {{{"Mounts", {{{"Type", "bind"}, {"Target", "/x"}}}}},
       "invalid mount config for type \"bind\": field Source must not be empty"},
      {{{"Mounts", {{{"Type", "tmpfs"}, {"Source", "s"}, {"Target", "/x"}}}}},
       "invalid mount config for type \"tmpfs\": field Source must not be specified"},
      {{{"Mounts", {{{"Type", "volume"}}}}},
       "invalid mount config for type \"volume\": field Target must not be empty"},
      {{{"Mounts", {{{"Type", "volume"}, {"Target", "/x"}, {"ReadOnly", true}}}}},
       "invalid mount config for type \"volume\": must not set ReadOnly mode when using "
       "anonymous volumes"},
      {{{"Mounts", {{{"Type", "npipe"}, {"Target", "/x"}}}}},
       "invalid mount config for type \"npipe\": mount type unknown"},
  };
  for (const Case& c : cases) {
    auto m = parse(json::object(), c.hc);
    ASSERT_FALSE(m.ok()) << c.hc.dump();
    EXPECT_EQ(m.error().message(), c.message) << c.hc.dump();
  }
}

TEST(MountPoints, VolumesFrom) {
  MountsOfContainer lender = [](const std::string& id) -> Result<std::vector<MountPoint>> {
    if (id != "src") {
      return notFound("No such container: " + id);
    }
    MountPoint m;
    m.source = "shared";
    m.destination = "/shared";
    return std::vector<MountPoint>{m};
  };
  auto m = parseMountPoints(json::object(), {{"VolumesFrom", {"src:ro"}}}, "c1", lender);
  ASSERT_TRUE(m.ok()) << m.error().message();
  ASSERT_EQ(m->size(), 1U);
  EXPECT_TRUE((*m)[0].readOnly);
  EXPECT_EQ((*m)[0].source, "shared");
  auto missing = parseMountPoints(json::object(), {{"VolumesFrom", {"nope"}}}, "c1", lender);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind(), ErrorKind::kNotFound);
}

}  // namespace
}  // namespace berth::container
