#include "runtime/user.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "test_support.h"

namespace berth {
namespace {

using testsupport::TempDir;
using testsupport::writeFile;

class ResolveUserTest : public ::testing::Test {
 protected:
  void SetUp() override {
    writeFile(root_ / "etc/passwd",
              "root:x:0:0:root:/root:/bin/sh\n"
              "# a comment\n"
              "\n"
              "daemon:x:1:1:daemon:/usr/sbin:/bin/false\n"
              "app:x:1000:1000:App:/home/app:/bin/sh\n"
              "broken:x:notanumber:1\n"
              "app:x:1001:1001:second entry loses:/:/bin/sh\n");
    writeFile(root_ / "etc/group",
              "root:x:0:\n"
              "bin:x:1:root,daemon\n"
              "wheel:x:10:root\n"
              "app:x:1000:\n"
              "staff:x:50:app, daemon\n"
              "docker:x:999:app\n");
  }
  TempDir root_;
};

TEST_F(ResolveUserTest, EmptyUserIsRootWithItsGroups) {
  auto u = resolveUser(root_.path(), UserSpec{});
  ASSERT_TRUE(u.ok()) << u.error().message();
  EXPECT_EQ(u->uid, 0U);
  EXPECT_EQ(u->gid, 0U);
  EXPECT_EQ(u->additionalGids, (std::vector<uint32_t>{1, 10}));
}

TEST_F(ResolveUserTest, NameGivesUidGidAndSupplementaryGroups) {
  auto u = resolveUser(root_.path(), UserSpec{"app", ""});
  ASSERT_TRUE(u.ok()) << u.error().message();
  EXPECT_EQ(u->uid, 1000U);
  EXPECT_EQ(u->gid, 1000U);
  EXPECT_EQ(u->additionalGids, (std::vector<uint32_t>{50, 999}));
}

TEST_F(ResolveUserTest, ExplicitGroupReplacesPrimaryAndDropsSupplementary) {
  auto u = resolveUser(root_.path(), UserSpec{"app", "staff"});
  ASSERT_TRUE(u.ok()) << u.error().message();
  EXPECT_EQ(u->uid, 1000U);
  EXPECT_EQ(u->gid, 50U);
  EXPECT_TRUE(u->additionalGids.empty());
}

TEST_F(ResolveUserTest, NumericIdsNeedNoEntry) {
  auto u = resolveUser(root_.path(), UserSpec{"4242", "4343"});
  ASSERT_TRUE(u.ok()) << u.error().message();
  EXPECT_EQ(u->uid, 4242U);
  EXPECT_EQ(u->gid, 4343U);
  // A numeric uid that has an entry takes its primary group.
  auto known = resolveUser(root_.path(), UserSpec{"1000", ""});
  ASSERT_TRUE(known.ok());
  EXPECT_EQ(known->gid, 1000U);
}

TEST_F(ResolveUserTest, UnknownNamesFailLikeDocker) {
  auto u = resolveUser(root_.path(), UserSpec{"nobody", ""});
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.error().kind(), ErrorKind::kInvalidArgument);
  EXPECT_EQ(u.error().message(), "unable to find user nobody: no matching entries in passwd file");
  auto g = resolveUser(root_.path(), UserSpec{"app", "nogroup"});
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.error().message(), "unable to find group nogroup: no matching entries in group file");
}

TEST_F(ResolveUserTest, GroupAdd) {
  auto u = resolveUser(root_.path(), UserSpec{"app", ""}, {"wheel", "4000"});
  ASSERT_TRUE(u.ok()) << u.error().message();
  EXPECT_EQ(u->additionalGids, (std::vector<uint32_t>{50, 999, 10, 4000}));
  auto bad = resolveUser(root_.path(), UserSpec{}, {"nosuchgroup"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(), "Unable to find group nosuchgroup");
}

TEST(ResolveUser, MissingFilesAreEmpty) {
  TempDir empty;
  auto root = resolveUser(empty.path(), UserSpec{});
  ASSERT_TRUE(root.ok()) << root.error().message();
  EXPECT_EQ(root->uid, 0U);
  EXPECT_TRUE(root->additionalGids.empty());
  auto numeric = resolveUser(empty.path(), UserSpec{"10", "20"});
  ASSERT_TRUE(numeric.ok());
  EXPECT_EQ(numeric->uid, 10U);
  EXPECT_EQ(numeric->gid, 20U);
  EXPECT_FALSE(resolveUser(empty.path(), UserSpec{"app", ""}).ok());
}

TEST(ResolveUser, SymlinksStayInsideTheRootfs) {
  // An image whose /etc/passwd points at "/etc/hostpasswd" must read the
  // rootfs's file of that name, never the host's.
  TempDir root;
  TempDir host;
  writeFile(host / "etc/hostpasswd", "evil:x:0:0::/:/bin/sh\n");
  writeFile(root / "etc/hostpasswd", "app:x:1234:1234::/:/bin/sh\n");
  ASSERT_EQ(::symlink("/etc/hostpasswd", (root / "etc/passwd").c_str()), 0);
  auto u = resolveUser(root.path(), UserSpec{"app", ""});
  ASSERT_TRUE(u.ok()) << u.error().message();
  EXPECT_EQ(u->uid, 1234U);
  // ".." cannot climb out either.
  ASSERT_EQ(::unlink((root / "etc/passwd").c_str()), 0);
  ASSERT_EQ(::symlink(("../../../../../../.." + host.path() + "/etc/hostpasswd").c_str(),
                      (root / "etc/passwd").c_str()),
            0);
  EXPECT_FALSE(resolveUser(root.path(), UserSpec{"evil", ""}).ok());
}

}  // namespace
}  // namespace berth
