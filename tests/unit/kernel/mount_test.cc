#include "kernel/mount.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "../../lib/private_mount_ns.h"

namespace berth {
namespace {

#define BERTH_REQUIRE_PRIVATE_MOUNT_NS()                           \
  do {                                                             \
    std::string why;                                               \
    if (::geteuid() != 0) {                                        \
      GTEST_SKIP() << "needs root";                                \
    }                                                              \
    ASSERT_TRUE(testlib::inPrivateMountNamespace(&why)) << why; \
  } while (false)

class MountTest : public ::testing::Test {
 protected:
  void SetUp() override {
    BERTH_REQUIRE_PRIVATE_MOUNT_NS();
    char tmpl[] = "/tmp/berth-mount-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    if (!dir_.empty()) {
      // The tests unmount what they mount (and the private namespace drops
      // anything left when the process ends); this removes a plain tree.
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    }
  }
  std::string path(const std::string& rel) const { return dir_ + "/" + rel; }
  void mkdirs(const std::string& rel) const {
    std::error_code ec;
    std::filesystem::create_directories(path(rel), ec);
    ASSERT_FALSE(ec) << ec.message();
  }
  void write(const std::string& rel, const std::string& content) const {
    std::ofstream(path(rel)) << content;
  }
  std::string read(const std::string& rel) const {
    std::ifstream in(path(rel));
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  std::string dir_;
};

TEST_F(MountTest, IsMountPointSeesBindMountsOfTheSameFilesystem) {
  mkdirs("src");
  mkdirs("dst");
  EXPECT_FALSE(*isMountPoint(path("dst")));
  EXPECT_TRUE(*isMountPoint("/"));
  EXPECT_EQ(isMountPoint(path("missing")).error().kind(), ErrorKind::kNotFound);
  ASSERT_TRUE(bindMount(path("src"), path("dst")).ok());
  EXPECT_TRUE(*isMountPoint(path("dst")));
  ASSERT_TRUE(unmountOrDetach(path("dst")).ok());
  EXPECT_FALSE(*isMountPoint(path("dst")));
}

TEST_F(MountTest, ReadOnlyBindMount) {
  mkdirs("src");
  mkdirs("dst");
  write("src/f", "x");
  ASSERT_TRUE(bindMount(path("src"), path("dst"), {.readOnly = true}).ok());
  MountGuard guard(path("dst"));
  EXPECT_EQ(read("dst/f"), "x");
  int fd = ::open(path("dst/new").c_str(), O_WRONLY | O_CREAT, 0644);
  EXPECT_LT(fd, 0);
  EXPECT_EQ(errno, EROFS);
  // The source stays writable.
  write("src/new", "y");
  EXPECT_EQ(read("dst/new"), "y");
}

TEST_F(MountTest, BindMountFailureIsReported) {
  mkdirs("dst");
  auto st = bindMount(path("nope"), path("dst"));
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message().find("bind mount"), std::string::npos);
  EXPECT_FALSE(*isMountPoint(path("dst")));
}

TEST_F(MountTest, UnmountDetachesABusyMount) {
  mkdirs("mnt");
  ASSERT_EQ(::mount("tmpfs", path("mnt").c_str(), "tmpfs", 0, "size=1m"), 0);
  write("mnt/f", "x");
  int busy = ::open(path("mnt/f").c_str(), O_RDONLY);
  ASSERT_GE(busy, 0);
  ASSERT_TRUE(unmountOrDetach(path("mnt")).ok());
  EXPECT_FALSE(*isMountPoint(path("mnt")));
  char c = 0;
  EXPECT_EQ(::read(busy, &c, 1), 1);  // the open file still works
  ::close(busy);
  EXPECT_TRUE(unmountOrDetach(path("mnt")).ok());      // not mounted: fine
  EXPECT_TRUE(unmountOrDetach(path("missing")).ok());  // missing: fine
}

TEST_F(MountTest, MountGuardUnmountsUnlessReleased) {
  mkdirs("a");
  mkdirs("b");
  ASSERT_EQ(::mount("tmpfs", path("a").c_str(), "tmpfs", 0, "size=1m"), 0);
  ASSERT_EQ(::mount("tmpfs", path("b").c_str(), "tmpfs", 0, "size=1m"), 0);
  {
    MountGuard a(path("a"));
    MountGuard b(path("b"));
    b.release();
    MountGuard moved = std::move(a);
    EXPECT_EQ(moved.target(), path("a"));
  }
  EXPECT_FALSE(*isMountPoint(path("a")));
  EXPECT_TRUE(*isMountPoint(path("b")));
  ASSERT_TRUE(unmountOrDetach(path("b")).ok());
}

TEST_F(MountTest, OverlayRejectsBadLayouts) {
  OverlayMount layout{{path("l")}, path("u"), path("w"), path("m")};
  auto expectInvalid = [](const OverlayMount& l, const std::string& fragment) {
    Status st = mountOverlay(l);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().kind(), ErrorKind::kInvalidArgument);
    EXPECT_NE(st.error().message().find(fragment), std::string::npos) << st.error().message();
  };
  OverlayMount l = layout;
  l.lowerDirs.clear();
  expectInvalid(l, "at least one lower");
  l = layout;
  l.lowerDirs = {"relative"};
  expectInvalid(l, "absolute");
  l = layout;
  l.upperDir = path("u,x");
  expectInvalid(l, "cannot carry");
  l = layout;
  l.lowerDirs.push_back(path("a:b"));
  expectInvalid(l, "cannot carry");
}

TEST_F(MountTest, OverlayErrorsFromTheKernelNameTheProblem) {
  mkdirs("u");
  mkdirs("w");
  mkdirs("m");
  OverlayMount layout{{path("missing-lower")}, path("u"), path("w"), path("m")};
  for (auto method : {OverlayMountMethod::kAbsolutePaths, OverlayMountMethod::kNewMountApi}) {
    Status st = mountOverlay(layout, method);
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.error().message().find("overlay"), std::string::npos) << st.error().message();
    EXPECT_FALSE(*isMountPoint(path("m")));
  }
}

}  // namespace
}  // namespace berth
