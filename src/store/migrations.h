// The SQLite store's schema history: an ordered list of steps, each applied in
// its own transaction together with the bump of meta.schema_version, so that a
// crash mid-migration leaves the database at the last completed version.
#pragma once

#include <span>
#include <string_view>

#include "common/result.h"

namespace berth::store {

class Database;

struct Migration {
  int version;                   // the schema version after this step; steps are 1, 2, 3...
  std::string_view description;  // for error messages
  std::string_view sql;          // one or more ;-separated statements
};

// Every step this build knows, oldest first. Append only: never edit a step
// that has shipped, since databases out there are already past it.
std::span<const Migration> schemaMigrations();

// The version a database has after schemaMigrations().
int latestSchemaVersion();

// The database's schema version: 0 for an empty database; kInvalidArgument for a
// database that has tables but is not a berth store.
Result<int> readSchemaVersion(Database& db);

// Applies every step of steps newer than the database's version. A database
// newer than the last step is kUnavailable: this build cannot read it. A failed
// step is rolled back and reported; earlier steps stay applied.
Status migrate(Database& db, std::span<const Migration> steps = schemaMigrations());

}  // namespace berth::store
