// Schema versions and migrations of the SQLite store.
#include "store/migrations.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "store/sqlite_db.h"
#include "store/sqlite_store.h"
#include "store_test_util.h"

namespace berth::store {
namespace {

using testing::keysOf;
using testing::putOne;
using testing::TempDir;

// The v1 layout exactly as the first release wrote it, typed out here rather
// than taken from schemaMigrations() so that editing step 1 breaks this test.
void writeV1Database(const std::string& path) {
  auto db = Database::open(path);
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE(db->exec(R"sql(
    CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
    INSERT INTO meta (key, value) VALUES ('revision', 7), ('schema_version', 1);
    CREATE TABLE kv (key TEXT PRIMARY KEY, value BLOB, create_rev INTEGER, mod_rev INTEGER);
    INSERT INTO kv VALUES ('networks/b', x'7b7d', 2, 7), ('networks/a', NULL, 5, 5),
                          ('volumes/v', 'data', 3, 4);
  )sql")
                  .ok());
}

std::string tableSql(Database& db, const std::string& table) {
  auto stmt = db.prepare("SELECT sql FROM sqlite_schema WHERE name = ?1");
  EXPECT_TRUE(stmt.ok());
  EXPECT_TRUE(stmt->bindText(1, table).ok());
  auto row = stmt->step();
  return row.ok() && *row ? stmt->columnBytes(0) : "";
}

TEST(MigrationsTest, StepsAreNumberedFromOneWithoutGaps) {
  auto steps = schemaMigrations();
  ASSERT_FALSE(steps.empty());
  for (size_t i = 0; i < steps.size(); ++i) {
    EXPECT_EQ(steps[i].version, static_cast<int>(i) + 1);
    EXPECT_FALSE(steps[i].description.empty());
  }
  EXPECT_EQ(latestSchemaVersion(), steps.back().version);
}

TEST(MigrationsTest, FreshDatabaseGetsTheLatestSchema) {
  auto db = Database::open(":memory:");
  ASSERT_TRUE(db.ok());
  EXPECT_EQ(*readSchemaVersion(*db), 0);
  ASSERT_TRUE(migrate(*db).ok());
  EXPECT_EQ(*readSchemaVersion(*db), latestSchemaVersion());
  // Migrating again is a no-op.
  ASSERT_TRUE(migrate(*db).ok());
  EXPECT_EQ(*readSchemaVersion(*db), latestSchemaVersion());
}

TEST(MigrationsTest, HandMadeV1DatabaseIsMigratedWithItsData) {
  TempDir dir;
  const std::string path = dir.file("v1.db");
  writeV1Database(path);
  {
    auto store = SqliteStore::open(path);
    ASSERT_TRUE(store.ok()) << store.error().message();
    EXPECT_EQ((*store)->revision(), 7);
    auto all = (*store)->list("");
    ASSERT_TRUE(all.ok());
    EXPECT_EQ(keysOf(*all), (std::vector<std::string>{"networks/a", "networks/b", "volumes/v"}));
    EXPECT_EQ((*all)[0].value, "");  // v1 allowed NULL values; v2 stores them as empty
    EXPECT_EQ((*all)[1].value, "{}");
    EXPECT_EQ((*all)[1].createRevision, 2);
    EXPECT_EQ((*all)[1].modRevision, 7);
    EXPECT_EQ((*all)[2].value, "data");
    EXPECT_EQ(putOne(**store, "networks/c", "{}"), 8);
  }
  auto db = Database::open(path);
  ASSERT_TRUE(db.ok());
  EXPECT_EQ(*readSchemaVersion(*db), latestSchemaVersion());
  EXPECT_NE(tableSql(*db, "kv").find("WITHOUT ROWID"), std::string::npos);
  EXPECT_EQ(tableSql(*db, "kv_v2"), "");
}

TEST(MigrationsTest, NewerSchemaThanThisBuildIsAClearError) {
  TempDir dir;
  const std::string path = dir.file("future.db");
  {
    auto store = SqliteStore::open(path);
    ASSERT_TRUE(store.ok());
  }
  {
    auto db = Database::open(path);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(db->exec("UPDATE meta SET value = 99 WHERE key = 'schema_version'").ok());
  }
  auto store = SqliteStore::open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().kind(), ErrorKind::kUnavailable);
  EXPECT_NE(store.error().message().find("schema version 99 is newer"), std::string::npos)
      << store.error().message();
}

TEST(MigrationsTest, FailedStepRollsBackAndKeepsEarlierSteps) {
  const Migration steps[] = {
      {1, "meta", "CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);"},
      {2, "half done", "CREATE TABLE extra (x INTEGER); INSERT INTO no_such_table VALUES (1);"},
  };
  auto db = Database::open(":memory:");
  ASSERT_TRUE(db.ok());
  Status status = migrate(*db, steps);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message().find("version 2 (half done)"), std::string::npos)
      << status.error().message();
  EXPECT_EQ(*readSchemaVersion(*db), 1);
  EXPECT_EQ(tableSql(*db, "extra"), "");  // the failed step left nothing behind
  EXPECT_FALSE(db->inTransaction());
}

TEST(MigrationsTest, MisnumberedStepsAreRejected) {
  const Migration steps[] = {{2, "skips one", "SELECT 1;"}};
  auto db = Database::open(":memory:");
  ASSERT_TRUE(db.ok());
  Status status = migrate(*db, steps);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().kind(), ErrorKind::kInternal);
}

}  // namespace
}  // namespace berth::store
