// RAII wrappers over one SQLite connection and its prepared statements, turning
// SQLite result codes into berth Errors. Not thread-safe: the owner serializes.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace berth::store {

// An Error for rc returned by a call on db: busy/locked/full/can't-open are
// kUnavailable (the world may change), everything else kInternal.
Error sqliteError(sqlite3* db, int rc, std::string_view what);

class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt);
  Statement(Statement&&) noexcept = default;
  Statement& operator=(Statement&&) noexcept = default;

  // Parameters are 1-based, as in SQLite. Text and blobs are copied.
  Status bindText(int index, std::string_view text);
  Status bindBlob(int index, std::string_view bytes);
  Status bindInt(int index, int64_t value);

  // Steps once: true when a row is ready to read, false when done.
  Result<bool> step();
  // Steps to completion; for statements whose rows (if any) are not wanted.
  Status run();

  // Column readers for the current row; 0-based, as in SQLite.
  std::string columnBytes(int index) const;  // TEXT or BLOB, "" for NULL
  int64_t columnInt(int index) const;

  // Resets and clears bindings so the statement can run again.
  void reset();

 private:
  struct Finalize {
    void operator()(sqlite3_stmt* stmt) const;
  };
  sqlite3* db_;
  std::unique_ptr<sqlite3_stmt, Finalize> stmt_;
};

// A cached statement on loan: reset (releasing its read cursor) when the loan ends.
class CachedStatement {
 public:
  explicit CachedStatement(Statement& stmt) : stmt_(&stmt) {}
  ~CachedStatement();
  CachedStatement(CachedStatement&& other) noexcept;
  CachedStatement& operator=(CachedStatement&&) = delete;
  CachedStatement(const CachedStatement&) = delete;
  CachedStatement& operator=(const CachedStatement&) = delete;

  Statement* operator->() const { return stmt_; }
  Statement& operator*() const { return *stmt_; }

 private:
  Statement* stmt_;
};

class Database {
 public:
  // Opens (creating) path read-write with extended result codes; ":memory:" works.
  static Result<Database> open(const std::string& path);

  Database(Database&&) noexcept = default;
  Database& operator=(Database&&) noexcept = default;

  // Runs one or more ;-separated statements that return no rows of interest.
  Status exec(const std::string& sql);
  Result<Statement> prepare(std::string_view sql);
  // The statement for sql, prepared once per connection and reused.
  Result<CachedStatement> cached(std::string_view sql);

  // True while an explicit transaction is open.
  bool inTransaction() const;
  sqlite3* handle() const { return db_.get(); }

 private:
  struct Close {
    void operator()(sqlite3* db) const;
  };
  explicit Database(sqlite3* db);

  // Declared before the cache so that it is destroyed after every statement.
  std::unique_ptr<sqlite3, Close> db_;
  std::unordered_map<std::string, std::unique_ptr<Statement>> cache_;
};

}  // namespace berth::store
