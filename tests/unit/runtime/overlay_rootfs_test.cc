// OverlayRootfsManager against the real kernel, inside the test process's
// private mount namespace (private_mount_ns.cc).
#include "runtime/overlay_rootfs.h"

#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cstdio>

#include "kernel/mount.h"
#include "runtime/fs_util.h"
#include "../../lib/private_mount_ns.h"
#include "test_support.h"

namespace berth {
namespace {

using testsupport::mountsUnder;
using testsupport::readFileOrEmpty;
using testsupport::TempDir;
using testsupport::writeFile;

#define BERTH_REQUIRE_PRIVATE_MOUNT_NS()                            \
  do {                                                              \
    std::string why;                                                \
    if (::geteuid() != 0) {                                         \
      GTEST_SKIP() << "needs root";                                 \
    }                                                               \
    ASSERT_TRUE(testlib::inPrivateMountNamespace(&why)) << why; \
  } while (false)

bool exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

class OverlayRootfsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    BERTH_REQUIRE_PRIVATE_MOUNT_NS();
    lower_ = tmp_ / "image/layers/1111/diff";
    top_ = tmp_ / "image/layers/2222/diff";
    writeFile(lower_ + "/a.txt", "from lower");
    writeFile(lower_ + "/common.txt", "lower");
    writeFile(top_ + "/b.txt", "from top");
    writeFile(top_ + "/common.txt", "top");
  }
  void TearDown() override { EXPECT_TRUE(mountsUnder(tmp_.path()).empty()) << "left mounted"; }

  // `count` layer dirs with 64-hex names, lowest first; layer i holds file-i.
  std::vector<std::string> manyLayers(int count) {
    std::vector<std::string> dirs;
    for (int i = 0; i < count; ++i) {
      char hex[65];
      (void)std::snprintf(hex, sizeof(hex), "%064x", i + 1);
      std::string dir = tmp_ / ("image/layers/" + std::string(hex) + "/diff");
      writeFile(dir + "/file-" + std::to_string(i), std::to_string(i));
      writeFile(dir + "/which", std::to_string(i));
      dirs.push_back(dir);
    }
    return dirs;
  }

  TempDir tmp_;
  std::string lower_;
  std::string top_;
};

TEST_F(OverlayRootfsTest, MountsLayersTopFirstAndKeepsChangesAcrossUnmount) {
  OverlayRootfsManager mgr(tmp_ / "data");
  auto merged = mgr.mount("c1", {lower_, top_});
  ASSERT_TRUE(merged.ok()) << merged.error().message();
  EXPECT_EQ(*merged, tmp_ / "data/overlay/c1/merged");
  EXPECT_EQ(readFileOrEmpty(*merged + "/common.txt"), "top");
  EXPECT_EQ(readFileOrEmpty(*merged + "/a.txt"), "from lower");
  EXPECT_EQ(readFileOrEmpty(*merged + "/b.txt"), "from top");

  writeFile(*merged + "/new.txt", "container change");
  writeFile(*merged + "/common.txt", "changed");
  EXPECT_EQ(readFileOrEmpty(top_ + "/common.txt"), "top");  // layers stay untouched
  EXPECT_EQ(readFileOrEmpty(tmp_ / "data/overlay/c1/upper/new.txt"), "container change");

  auto again = mgr.mount("c1", {lower_, top_});
  ASSERT_TRUE(again.ok()) << again.error().message();
  EXPECT_EQ(*again, *merged);
  EXPECT_EQ(mountsUnder(*merged).size(), 1U);

  ASSERT_TRUE(mgr.unmount("c1").ok());
  EXPECT_FALSE(*isMountPoint(*merged));
  EXPECT_FALSE(exists(*merged + "/a.txt"));
  ASSERT_TRUE(mgr.unmount("c1").ok());  // not mounted is fine

  auto remounted = mgr.mount("c1", {lower_, top_});
  ASSERT_TRUE(remounted.ok());
  EXPECT_EQ(readFileOrEmpty(*remounted + "/new.txt"), "container change");
  EXPECT_EQ(readFileOrEmpty(*remounted + "/common.txt"), "changed");

  ASSERT_TRUE(mgr.remove("c1").ok());
  EXPECT_FALSE(exists(tmp_ / "data/overlay/c1"));
  EXPECT_TRUE(exists(lower_ + "/a.txt"));
  ASSERT_TRUE(mgr.remove("c1").ok());  // already gone
}

TEST_F(OverlayRootfsTest, ImageWithoutLayers) {
  OverlayRootfsManager mgr(tmp_ / "data");
  auto merged = mgr.mount("empty", {});
  ASSERT_TRUE(merged.ok()) << merged.error().message();
  writeFile(*merged + "/x", "x");
  EXPECT_EQ(readFileOrEmpty(*merged + "/x"), "x");
  ASSERT_TRUE(mgr.remove("empty").ok());
}

TEST_F(OverlayRootfsTest, BadInputCreatesNothing) {
  OverlayRootfsManager mgr(tmp_ / "data");
  EXPECT_EQ(mgr.mount("../escape", {lower_}).error().kind(), ErrorKind::kInvalidArgument);
  EXPECT_EQ(mgr.mount("", {lower_}).error().kind(), ErrorKind::kInvalidArgument);
  EXPECT_EQ(mgr.mount("c1", {tmp_ / "no/such/layer"}).error().kind(), ErrorKind::kNotFound);
  EXPECT_EQ(mgr.mount("c1", {"relative/layer"}).error().kind(), ErrorKind::kInvalidArgument);
  // Rejected by the overlay layer after the container's dirs were made: they go again.
  std::string colon = tmp_ / "image/layers/with:colon";
  writeFile(colon + "/f", "f");
  auto r = mgr.mount("c1", {colon});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidArgument);
  EXPECT_FALSE(exists(tmp_ / "data/overlay/c1"));
  EXPECT_EQ(mgr.remove("../x").error().kind(), ErrorKind::kInvalidArgument);
}

TEST_F(OverlayRootfsTest, EveryMountMethodWorks) {
  for (auto method : {OverlayMountMethod::kAbsolutePaths, OverlayMountMethod::kRelativePaths,
                      OverlayMountMethod::kNewMountApi}) {
    OverlayRootfsManager mgr(tmp_ / "data", method);
    auto merged = mgr.mount("m", {lower_, top_});
    ASSERT_TRUE(merged.ok()) << static_cast<int>(method) << ": " << merged.error().message();
    EXPECT_EQ(readFileOrEmpty(*merged + "/common.txt"), "top") << static_cast<int>(method);
    EXPECT_EQ(readFileOrEmpty(*merged + "/a.txt"), "from lower");
    ASSERT_TRUE(mgr.remove("m").ok());
  }
}

TEST_F(OverlayRootfsTest, LayerListsLongerThanAPage) {
  // 50 layers: absolute paths overflow mount(2)'s page, relative ones fit.
  auto fifty = manyLayers(50);
  OverlayRootfsManager absolute(tmp_ / "data", OverlayMountMethod::kAbsolutePaths);
  EXPECT_EQ(absolute.mount("long", fifty).error().kind(), ErrorKind::kInvalidArgument);
  OverlayRootfsManager automatic(tmp_ / "data");
  auto merged = automatic.mount("long", fifty);
  ASSERT_TRUE(merged.ok()) << merged.error().message();
  EXPECT_EQ(readFileOrEmpty(*merged + "/which"), "49");  // the last listed is the top
  EXPECT_EQ(readFileOrEmpty(*merged + "/file-0"), "0");
  EXPECT_EQ(readFileOrEmpty(*merged + "/file-49"), "49");
  bool relative = false;
  for (const auto& line : mountsUnder(*merged)) {
    relative = relative ||
               line.find("lowerdir=" + std::string(64 - 2, '0') + "32/diff:") != std::string::npos;
  }
  EXPECT_TRUE(relative) << "expected relative lowerdirs";
  ASSERT_TRUE(automatic.remove("long").ok());

  // 120 layers: even relative paths overflow; the new mount API takes them.
  auto many = manyLayers(120);
  OverlayRootfsManager relativeOnly(tmp_ / "data", OverlayMountMethod::kRelativePaths);
  EXPECT_EQ(relativeOnly.mount("longer", many).error().kind(), ErrorKind::kInvalidArgument);
  auto merged2 = automatic.mount("longer", many);
  ASSERT_TRUE(merged2.ok()) << merged2.error().message();
  EXPECT_EQ(readFileOrEmpty(*merged2 + "/which"), "119");
  EXPECT_EQ(readFileOrEmpty(*merged2 + "/file-0"), "0");
  EXPECT_EQ(readFileOrEmpty(*merged2 + "/file-77"), "77");
  ASSERT_TRUE(automatic.remove("longer").ok());
}

TEST_F(OverlayRootfsTest, RemoveTreeNeverCrossesAMount) {
  std::string dir = tmp_ / "tree";
  ASSERT_TRUE(makeDirs(dir + "/sub/mnt").ok());
  ASSERT_EQ(::mount("tmpfs", (dir + "/sub/mnt").c_str(), "tmpfs", 0, "size=1m"), 0);
  MountGuard guard(dir + "/sub/mnt");
  writeFile(dir + "/sub/mnt/precious", "keep");
  auto st = removeTree(dir);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().kind(), ErrorKind::kConflict);
  EXPECT_EQ(readFileOrEmpty(dir + "/sub/mnt/precious"), "keep");
  // The same for a bind mount of the same filesystem, which has the same st_dev.
  ASSERT_TRUE(makeDirs(dir + "/bind").ok());
  ASSERT_TRUE(bindMount(lower_, dir + "/bind").ok());
  MountGuard bindGuard(dir + "/bind");
  guard.reset();
  EXPECT_EQ(removeTree(dir).error().kind(), ErrorKind::kConflict);
  EXPECT_EQ(readFileOrEmpty(lower_ + "/a.txt"), "from lower");
  bindGuard.reset();
  EXPECT_TRUE(removeTree(dir).ok());
}

}  // namespace
}  // namespace berth
