#include "runtime/fs_util.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_support.h"

namespace berth {
namespace {

using testsupport::TempDir;
using testsupport::writeFile;

TEST(MakeDirs, CreatesParentsWithMode) {
  TempDir tmp;
  auto made = makeDirs(tmp / "a/b/c", 0700);
  ASSERT_TRUE(made.ok());
  EXPECT_TRUE(*made);
  struct stat st {};
  ASSERT_EQ(::stat((tmp / "a/b/c").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700U);
  EXPECT_FALSE(*makeDirs(tmp / "a/b/c"));
  writeFile(tmp / "file", "x");
  EXPECT_EQ(makeDirs(tmp / "file").error().kind(), ErrorKind::kConflict);
}

TEST(RemoveTree, RemovesEverythingButFollowsNoSymlink) {
  TempDir tmp;
  TempDir outside;
  writeFile(outside / "keep", "precious");
  writeFile(tmp / "t/a/b/file", "x");
  ASSERT_EQ(::mkdir((tmp / "t/locked").c_str(), 0), 0);
  writeFile(tmp / "t/locked-file", "x", 0);
  ASSERT_EQ(::symlink(outside.path().c_str(), (tmp / "t/link").c_str()), 0);
  ASSERT_TRUE(removeTree(tmp / "t").ok());
  EXPECT_NE(::access((tmp / "t").c_str(), F_OK), 0);
  EXPECT_EQ(testsupport::readFileOrEmpty(outside / "keep"), "precious");
  EXPECT_TRUE(removeTree(tmp / "t").ok());  // already gone
}

TEST(WriteFileAtomic, ReplacesContent) {
  TempDir tmp;
  ASSERT_TRUE(writeFileAtomic(tmp / "f", "one").ok());
  ASSERT_TRUE(writeFileAtomic(tmp / "f", "two").ok());
  EXPECT_EQ(*readFile(tmp / "f"), "two");
  EXPECT_EQ(readFile(tmp / "missing").error().kind(), ErrorKind::kNotFound);
}

}  // namespace
}  // namespace berth
