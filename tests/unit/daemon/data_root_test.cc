#include "daemon/data_root.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace berth::daemon {
namespace {

class DataRootTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/berth-dataroot-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(DataRootTest, SecondLockOnTheSameRootIsRefused) {
  auto first = DataRootLock::acquire(dir_);
  ASSERT_TRUE(first.ok());
  auto second = DataRootLock::acquire(dir_);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().kind(), ErrorKind::kConflict);
  EXPECT_NE(second.error().message().find(std::to_string(getpid())), std::string::npos);
}

TEST_F(DataRootTest, EngineIdPersists) {
  auto a = loadEngineId(dir_);
  auto b = loadEngineId(dir_);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(a->size(), 64U);
}

TEST_F(DataRootTest, PidFileRemovedOnDestruction) {
  std::string path = dir_ + "/sub/berthd.pid";
  {
    auto pf = PidFile::create(path);
    ASSERT_TRUE(pf.ok());
    std::ifstream in(path);
    int pid = 0;
    in >> pid;
    EXPECT_EQ(pid, getpid());
  }
  EXPECT_FALSE(std::filesystem::exists(path));
}

}  // namespace
}  // namespace berth::daemon
