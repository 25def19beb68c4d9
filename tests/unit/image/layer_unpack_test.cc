// Unpacking layers: content and metadata kept, whiteouts converted, escapes refused.
#include "image/layer_unpack.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "image/digest.h"
#include "image/layer_store.h"
#include "test_tar.h"

namespace berth::image {
namespace {

using testing::dir;
using testing::file;
using testing::hardlink;
using testing::makeTar;
using testing::symlink;
using testing::TarEntry;
using testing::TempDir;

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string xattr(const std::string& path, const char* name) {
  char buf[256];
  ssize_t n = ::lgetxattr(path.c_str(), name, buf, sizeof buf);
  return n < 0 ? "" : std::string(buf, static_cast<size_t>(n));
}

Result<UnpackedLayer> unpack(std::string_view tar, const std::string& into) {
  MemorySource src(tar);
  return unpackLayer(src, into);
}

class LayerUnpackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) {
      GTEST_SKIP() << "needs root (mknod, chown, trusted.* xattrs)";
    }
    ASSERT_FALSE(tmp_.path().empty());
    out_ = tmp_.path() + "/diff";
    ASSERT_EQ(::mkdir(out_.c_str(), 0755), 0);
  }
  TempDir tmp_;
  std::string out_;
};

TEST_F(LayerUnpackTest, KeepsContentModesOwnersLinksAndXattrs) {
  TarEntry exe = file("bin/tool", "#!/bin/sh\n", 04755);
  exe.uid = 1000;
  exe.gid = 50;
  exe.xattrs["user.origin"] = "test";
  exe.xattrs["trusted.overlay.redirect"] = "/evil";  // must not pass through
  TarEntry dev = TarEntry{};
  dev.path = "dev/null";
  dev.type = 'c';
  dev.mode = 0666;
  dev.rdevMajor = 1;
  dev.rdevMinor = 3;
  std::string tar = makeTar({dir("bin", 0700), exe, symlink("bin/sh", "/bin/busybox"),
                             hardlink("bin/tool2", "bin/tool"), file("etc/motd", "hello"),
                             dir("tmp", 01777), dev});
  auto r = unpack(tar, out_);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->diffId, sha256Digest(tar));
  EXPECT_EQ(r->tarSize, tar.size());
  EXPECT_EQ(r->size, 10 + 5);

  struct stat st {};
  ASSERT_EQ(::lstat((out_ + "/bin/tool").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 04755u);
  EXPECT_EQ(st.st_uid, 1000u);
  EXPECT_EQ(st.st_gid, 50u);
  EXPECT_EQ(st.st_mtime, 1000000000);
  EXPECT_EQ(st.st_nlink, 2u);
  EXPECT_EQ(xattr(out_ + "/bin/tool", "user.origin"), "test");
  EXPECT_EQ(xattr(out_ + "/bin/tool", "trusted.overlay.redirect"), "");
  ASSERT_EQ(::lstat((out_ + "/bin").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u);
  EXPECT_EQ(st.st_mtime, 1000000000);  // set after its children were created
  ASSERT_EQ(::lstat((out_ + "/tmp").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 01777u);
  char target[64] = {};
  ASSERT_GT(::readlink((out_ + "/bin/sh").c_str(), target, sizeof target - 1), 0);
  EXPECT_STREQ(target, "/bin/busybox");
  EXPECT_EQ(slurp(out_ + "/etc/motd"), "hello");
  ASSERT_EQ(::lstat((out_ + "/dev/null").c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(major(st.st_rdev), 1u);
  EXPECT_EQ(minor(st.st_rdev), 3u);
}

TEST_F(LayerUnpackTest, WhiteoutsBecomeOverlayfsWhiteouts) {
  std::string tar = makeTar({dir("etc"), file("etc/.wh.passwd", ""), dir("var/cache"),
                             file("var/cache/.wh..wh..opq", ""), file("var/cache/new", "n"),
                             file("opt/x/.wh..wh..opq", ""), file(".wh..wh.plnk", "")});
  auto r = unpack(tar, out_);
  ASSERT_TRUE(r.ok()) << r.error().message();
  struct stat st {};
  ASSERT_EQ(::lstat((out_ + "/etc/passwd").c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(st.st_rdev, makedev(0, 0));
  EXPECT_NE(::lstat((out_ + "/etc/.wh.passwd").c_str(), &st), 0);
  EXPECT_EQ(xattr(out_ + "/var/cache", "trusted.overlay.opaque"), "y");
  EXPECT_EQ(xattr(out_ + "/opt/x", "trusted.overlay.opaque"), "y");  // dir made for the marker
  EXPECT_EQ(slurp(out_ + "/var/cache/new"), "n");
  EXPECT_NE(::lstat((out_ + "/var/cache/.wh..wh..opq").c_str(), &st), 0);
  EXPECT_NE(::lstat((out_ + "/.wh..wh.plnk").c_str(), &st), 0);
}

TEST_F(LayerUnpackTest, CompressedLayersHashTheInflatedStream) {
  std::string tar = makeTar({file("a", "alpha"), file("b/c", "gamma")});
  std::string gz = testing::gzip(tar);
  ASSERT_NE(gz, tar);
  auto r = unpack(gz, out_);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->diffId, sha256Digest(tar));
  EXPECT_EQ(slurp(out_ + "/b/c"), "gamma");
  MemorySource src(gz);
  auto h = hashLayer(src);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->diffId, sha256Digest(tar));
  for (const char* filter : {"xz", "bzip2", "zstd"}) {
    std::string packed = testing::compress(tar, filter);
    ASSERT_NE(packed, tar) << filter;
    MemorySource other(packed);
    auto hashed = hashLayer(other);
    ASSERT_TRUE(hashed.ok()) << filter << ": " << hashed.error().message();
    EXPECT_EQ(hashed->diffId, sha256Digest(tar)) << filter;
  }
}

TEST_F(LayerUnpackTest, EscapesAreRefused) {
  std::string outside = tmp_.path() + "/outside";
  struct Case {
    const char* what;
    std::vector<TarEntry> entries;
  };
  std::vector<Case> cases = {
      {"dotdot", {file("../outside", "x")}},
      {"nested dotdot", {dir("a"), file("a/../../outside", "x")}},
      {"through an absolute symlink", {symlink("up", tmp_.path()), file("up/outside", "x")}},
      {"through a relative symlink", {symlink("up", ".."), file("up/outside", "x")}},
      {"whiteout through a symlink", {symlink("up", tmp_.path()), file("up/.wh.outside", "")}},
      {"opaque through a symlink", {symlink("up", tmp_.path()), file("up/.wh..wh..opq", "")}},
      {"hardlink out", {hardlink("h", "../outside")}},
      {"hardlink through a symlink", {symlink("up", tmp_.path()), hardlink("h", "up/outside")}},
  };
  for (const auto& c : cases) {
    std::ofstream(outside) << "keep";
    std::string into = tmp_.path() + "/case";
    std::filesystem::remove_all(into);
    ASSERT_EQ(::mkdir(into.c_str(), 0755), 0);
    auto r = unpack(makeTar(c.entries), into);
    EXPECT_FALSE(r.ok()) << c.what;
    if (!r.ok()) {
      EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidArgument)
          << c.what << ": " << r.error().message();
    }
    EXPECT_EQ(slurp(outside), "keep") << c.what;
    EXPECT_EQ(xattr(tmp_.path(), "trusted.overlay.opaque"), "") << c.what;
  }
}

TEST_F(LayerUnpackTest, NotATarIsAClearError) {
  auto r = unpack("this is not a tar archive, not even close to one", out_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidArgument);
  EXPECT_NE(r.error().message().find("layer"), std::string::npos) << r.error().message();
}

TEST_F(LayerUnpackTest, LayerStoreAddsAtomicallyAndRefusesAWrongDiffId) {
  LayerStore store(tmp_.path() + "/root");
  ASSERT_TRUE(store.init().ok());
  std::string tar = makeTar({file("a", "1")});
  {
    LayerPins pins(store);
    MemorySource src(tar);
    auto r = store.add(src, "sha256:" + std::string(64, '0'), pins);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message().find("invalid diffID"), std::string::npos);
    auto all = store.list();
    ASSERT_TRUE(all.ok());
    EXPECT_TRUE(all->empty());
    EXPECT_TRUE(std::filesystem::is_empty(tmp_.path() + "/root/layers"));
  }
  LayerPins pins(store);
  MemorySource src(tar);
  auto r = store.add(src, sha256Digest(tar), pins);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_TRUE(store.exists(r->diffId));
  EXPECT_EQ(slurp(store.diffDir(r->diffId) + "/a"), "1");
  std::string back;
  ASSERT_TRUE(store
                  .exportTar(r->diffId,
                             [&](std::string_view d) {
                               back.append(d);
                               return okStatus();
                             })
                  .ok());
  EXPECT_EQ(back, tar);
  // Pinned: not collected even though no image uses it.
  auto none = [] { return Result<std::set<std::string>>(std::set<std::string>{}); };
  auto removed = store.collect({r->diffId}, none);
  ASSERT_TRUE(removed.ok());
  EXPECT_TRUE(removed->empty());
  // A leftover temp dir goes at init.
  ASSERT_EQ(::mkdir((tmp_.path() + "/root/layers/tmp-crashed").c_str(), 0700), 0);
  ASSERT_TRUE(store.init().ok());
  EXPECT_FALSE(std::filesystem::exists(tmp_.path() + "/root/layers/tmp-crashed"));
}

}  // namespace
}  // namespace berth::image

namespace berth::image {
namespace {

TEST_F(LayerUnpackTest, EmptyArchivesAreEmptyLayers) {
  std::string tar = makeTar({});
  auto r = unpack(tar, out_);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->diffId, sha256Digest(tar));
  EXPECT_TRUE(std::filesystem::is_empty(out_));
  auto none = unpack("", out_);
  EXPECT_FALSE(none.ok());
}

}  // namespace
}  // namespace berth::image
