#include "store/migrations.h"

#include <fmt/format.h>

#include <string>

#include "store/sqlite_db.h"

namespace berth::store {
namespace {

constexpr Migration kMigrations[] = {
    {1, "key-value table and meta",
     R"sql(
CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT INTO meta (key, value) VALUES ('revision', 0);
CREATE TABLE kv (key TEXT PRIMARY KEY, value BLOB, create_rev INTEGER, mod_rev INTEGER);
)sql"},
    // v1 kept kv in a rowid table with a separate key index: every lookup and
    // prefix scan paid two B-tree searches and the index doubled the file. A
    // WITHOUT ROWID table is clustered by key, which is exactly the etcd-style
    // ordered range scan the store does; the NOT NULLs and CHECK turn a corrupt
    // row into a failed write instead of a surprise on read.
    {2, "cluster kv by key",
     R"sql(
CREATE TABLE kv_v2 (
  key TEXT PRIMARY KEY NOT NULL,
  value BLOB NOT NULL,
  create_rev INTEGER NOT NULL,
  mod_rev INTEGER NOT NULL,
  CHECK (create_rev > 0 AND mod_rev >= create_rev)
) WITHOUT ROWID;
INSERT INTO kv_v2 (key, value, create_rev, mod_rev)
  SELECT key, coalesce(value, x''), create_rev, mod_rev FROM kv;
DROP TABLE kv;
ALTER TABLE kv_v2 RENAME TO kv;
)sql"},
};

Status applyStep(Database& db, const Migration& step) {
  BERTH_TRY(db.exec(std::string(step.sql)));
  BERTH_ASSIGN_OR_RETURN(CachedStatement set,
                         db.cached("INSERT INTO meta (key, value) VALUES ('schema_version', ?1) "
                                   "ON CONFLICT (key) DO UPDATE SET value = excluded.value"));
  BERTH_TRY(set->bindInt(1, step.version));
  return set->run();
}

}  // namespace

std::span<const Migration> schemaMigrations() { return kMigrations; }

int latestSchemaVersion() { return schemaMigrations().back().version; }

Result<int> readSchemaVersion(Database& db) {
  BERTH_ASSIGN_OR_RETURN(Statement tables,
                         db.prepare("SELECT count(*), coalesce(sum(name = 'meta'), 0) "
                                    "FROM sqlite_schema WHERE type = 'table'"));
  BERTH_TRY(tables.step());
  int64_t tableCount = tables.columnInt(0);
  bool hasMeta = tables.columnInt(1) > 0;
  if (tableCount == 0) {
    return 0;
  }
  if (!hasMeta) {
    return invalidArgument("database has tables but no meta table: not a berth store");
  }
  BERTH_ASSIGN_OR_RETURN(Statement version,
                         db.prepare("SELECT value FROM meta WHERE key = 'schema_version'"));
  BERTH_ASSIGN_OR_RETURN(bool row, version.step());
  if (!row) {
    return internal("store meta table has no schema_version");
  }
  return static_cast<int>(version.columnInt(0));
}

Status migrate(Database& db, std::span<const Migration> steps) {
  for (size_t i = 0; i < steps.size(); ++i) {
    if (steps[i].version != static_cast<int>(i) + 1) {
      return internal(fmt::format("store schema step {} has version {}; steps must be 1, 2, 3...",
                                  i, steps[i].version));
    }
  }
  BERTH_ASSIGN_OR_RETURN(int current, readSchemaVersion(db));
  int latest = steps.empty() ? 0 : steps.back().version;
  if (current > latest) {
    return unavailable(fmt::format(
        "store schema version {} is newer than this build of berth knows ({}); run a newer "
        "berthd or restore the data root from a backup",
        current, latest));
  }
  for (const Migration& step : steps) {
    if (step.version <= current) {
      continue;
    }
    // IMMEDIATE takes the write lock up front, so that two processes racing to
    // migrate the same file serialize instead of failing half way.
    BERTH_TRY(db.exec("BEGIN IMMEDIATE"));
    Status applied = applyStep(db, step);
    if (applied.ok()) {
      applied = db.exec("COMMIT");
    }
    if (!applied.ok()) {
      if (db.inTransaction()) {
        (void)db.exec("ROLLBACK");
      }
      Error err = std::move(applied).error();
      err.withContext(
          fmt::format("migrate store schema to version {} ({})", step.version, step.description));
      return err;
    }
    current = step.version;
  }
  return okStatus();
}

}  // namespace berth::store
