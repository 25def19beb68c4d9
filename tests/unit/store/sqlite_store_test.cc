// What is specific to the SQLite backend: files, pragmas, locking, reopening.
#include "store/sqlite_store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "store/migrations.h"
#include "store/sqlite_db.h"
#include "store_test_util.h"

namespace berth::store {
namespace {

using testing::putOne;
using testing::TempDir;

TEST(SqliteStoreTest, ReopenKeepsDataAndRevision) {
  TempDir dir;
  const std::string path = dir.file("berth.db");
  {
    auto store = SqliteStore::open(path);
    ASSERT_TRUE(store.ok()) << store.error().message();
    putOne(**store, "networks/a", "A");
    putOne(**store, "networks/b", "B");
    ASSERT_TRUE((*store)->update([](Txn& txn) { return txn.del("networks/a"); }).ok());
    EXPECT_EQ((*store)->revision(), 3);
  }
  auto store = SqliteStore::open(path);
  ASSERT_TRUE(store.ok()) << store.error().message();
  EXPECT_EQ((*store)->revision(), 3);
  EXPECT_FALSE((*store)->get("networks/a")->has_value());
  auto b = (*store)->get("networks/b");
  ASSERT_TRUE(b.ok() && b->has_value());
  EXPECT_EQ((*b)->value, "B");
  EXPECT_EQ((*b)->createRevision, 2);
  EXPECT_EQ(putOne(**store, "networks/c", "C"), 4);
}

TEST(SqliteStoreTest, FileUsesWalAndCurrentSchema) {
  TempDir dir;
  const std::string path = dir.file("berth.db");
  {
    auto store = SqliteStore::open(path);
    ASSERT_TRUE(store.ok());
    putOne(**store, "k", "v");
    // Exclusive locking keeps the WAL index in heap memory: no -shm file.
    EXPECT_TRUE(std::filesystem::exists(path + "-wal"));
    EXPECT_FALSE(std::filesystem::exists(path + "-shm"));
  }
  auto db = Database::open(path);
  ASSERT_TRUE(db.ok());
  auto mode = db->prepare("PRAGMA journal_mode");
  ASSERT_TRUE(mode.ok());
  ASSERT_TRUE(*mode->step());
  EXPECT_EQ(mode->columnBytes(0), "wal");
  auto version = readSchemaVersion(*db);
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(*version, latestSchemaVersion());
}

TEST(SqliteStoreTest, SecondOpenerOfTheSameFileIsUnavailable) {
  TempDir dir;
  const std::string path = dir.file("berth.db");
  SqliteStoreOptions quick;
  quick.busyTimeoutMs = 50;
  auto first = SqliteStore::open(path, quick);
  ASSERT_TRUE(first.ok());
  auto second = SqliteStore::open(path, quick);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().kind(), ErrorKind::kUnavailable);
  EXPECT_NE(second.error().message().find(path), std::string::npos);
  first->reset();
  auto third = SqliteStore::open(path, quick);
  EXPECT_TRUE(third.ok());
}

TEST(SqliteStoreTest, NonStoreDatabaseIsRejected) {
  TempDir dir;
  const std::string path = dir.file("other.db");
  {
    auto db = Database::open(path);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(db->exec("CREATE TABLE users (name TEXT)").ok());
  }
  auto store = SqliteStore::open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().kind(), ErrorKind::kInvalidArgument);
}

TEST(SqliteStoreTest, UnopenablePathIsAnError) {
  auto store = SqliteStore::open("/nonexistent-dir-for-berth/berth.db");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().kind(), ErrorKind::kUnavailable);
}

}  // namespace
}  // namespace berth::store
