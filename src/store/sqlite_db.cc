#include "store/sqlite_db.h"

#include <sqlite3.h>

#include <utility>

namespace berth::store {
namespace {

// The start of a statement, enough to recognise it in an error message.
std::string shortSql(std::string_view sql) {
  constexpr size_t kMax = 60;
  std::string out(sql.substr(0, kMax));
  for (char& c : out) {
    if (c == '\n') {
      c = ' ';
    }
  }
  if (sql.size() > kMax) {
    out += "...";
  }
  return out;
}

}  // namespace

Error sqliteError(sqlite3* db, int rc, std::string_view what) {
  std::string message(what);
  message += ": ";
  // The connection's message is more specific, but only while it still
  // describes rc (it may be stale, or db may be null after a failed open).
  if (db != nullptr && sqlite3_extended_errcode(db) == rc) {
    message += sqlite3_errmsg(db);
  } else {
    message += sqlite3_errstr(rc);
  }
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
      return unavailable(std::move(message));
    default:
      return internal(std::move(message));
  }
}

void Statement::Finalize::operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }

Statement::Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}

Status Statement::bindText(int index, std::string_view text) {
  // A null data pointer would bind SQL NULL instead of an empty string.
  const char* data = text.data() != nullptr ? text.data() : "";
  int rc =
      sqlite3_bind_text64(stmt_.get(), index, data, text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK) {
    return sqliteError(db_, rc, "bind text");
  }
  return okStatus();
}

Status Statement::bindBlob(int index, std::string_view bytes) {
  const char* data = bytes.data() != nullptr ? bytes.data() : "";
  int rc = sqlite3_bind_blob64(stmt_.get(), index, data, bytes.size(), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) {
    return sqliteError(db_, rc, "bind blob");
  }
  return okStatus();
}

Status Statement::bindInt(int index, int64_t value) {
  int rc = sqlite3_bind_int64(stmt_.get(), index, value);
  if (rc != SQLITE_OK) {
    return sqliteError(db_, rc, "bind integer");
  }
  return okStatus();
}

Result<bool> Statement::step() {
  int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) {
    return true;
  }
  if (rc == SQLITE_DONE) {
    return false;
  }
  const char* sql = sqlite3_sql(stmt_.get());
  return sqliteError(db_, rc, "run '" + shortSql(sql != nullptr ? sql : "") + "'");
}

Status Statement::run() {
  while (true) {
    BERTH_ASSIGN_OR_RETURN(bool row, step());
    if (!row) {
      return okStatus();
    }
  }
}

std::string Statement::columnBytes(int index) const {
  // sqlite3_column_blob returns text bytes unchanged for TEXT columns; the
  // pointer must be taken before asking for the size.
  const void* data = sqlite3_column_blob(stmt_.get(), index);
  int size = sqlite3_column_bytes(stmt_.get(), index);
  if (data == nullptr || size <= 0) {
    return {};
  }
  return std::string(static_cast<const char*>(data), static_cast<size_t>(size));
}

int64_t Statement::columnInt(int index) const { return sqlite3_column_int64(stmt_.get(), index); }

void Statement::reset() {
  sqlite3_reset(stmt_.get());
  sqlite3_clear_bindings(stmt_.get());
}

CachedStatement::~CachedStatement() {
  if (stmt_ != nullptr) {
    stmt_->reset();
  }
}

CachedStatement::CachedStatement(CachedStatement&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)) {}

void Database::Close::operator()(sqlite3* db) const {
  // close_v2 defers the close until any straggling statement is finalized.
  sqlite3_close_v2(db);
}

Database::Database(sqlite3* db) : db_(db) {}

Result<Database> Database::open(const std::string& path) {
  sqlite3* raw = nullptr;
  // NOMUTEX: the owner serializes all use of the connection with its own lock.
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  Database db(raw);  // owns raw even when the open failed
  if (rc != SQLITE_OK) {
    return sqliteError(raw, rc, "open " + path);
  }
  sqlite3_extended_result_codes(raw, 1);
  return db;
}

Status Database::exec(const std::string& sql) {
  // The connection's error message says the same as exec's errmsg out-param.
  int rc = sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) {
    return sqliteError(db_.get(), rc, "exec '" + shortSql(sql) + "'");
  }
  return okStatus();
}

Result<Statement> Database::prepare(std::string_view sql) {
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v3(db_.get(), sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
  Statement stmt(db_.get(), raw);
  if (rc != SQLITE_OK) {
    return sqliteError(db_.get(), rc, "prepare '" + shortSql(sql) + "'");
  }
  return stmt;
}

Result<CachedStatement> Database::cached(std::string_view sql) {
  auto it = cache_.find(std::string(sql));
  if (it == cache_.end()) {
    BERTH_ASSIGN_OR_RETURN(Statement stmt, prepare(sql));
    it = cache_.emplace(std::string(sql), std::make_unique<Statement>(std::move(stmt))).first;
  }
  return CachedStatement(*it->second);
}

bool Database::inTransaction() const { return sqlite3_get_autocommit(db_.get()) == 0; }

}  // namespace berth::store
