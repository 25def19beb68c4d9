#include "store/sqlite_store.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
#include <exception>
#include <type_traits>
#include <utility>

#include "store/migrations.h"

namespace berth::store {
namespace {

constexpr std::string_view kGet = "SELECT value, create_rev, mod_rev FROM kv WHERE key = ?1";
constexpr std::string_view kListFrom =
    "SELECT key, value, create_rev, mod_rev FROM kv WHERE key >= ?1 ORDER BY key";
constexpr std::string_view kListRange =
    "SELECT key, value, create_rev, mod_rev FROM kv WHERE key >= ?1 AND key < ?2 ORDER BY key";
constexpr std::string_view kPut =
    "INSERT INTO kv (key, value, create_rev, mod_rev) VALUES (?1, ?2, ?3, ?3) "
    "ON CONFLICT (key) DO UPDATE SET value = excluded.value, mod_rev = excluded.mod_rev";
constexpr std::string_view kDel = "DELETE FROM kv WHERE key = ?1 RETURNING value";
constexpr std::string_view kDelFrom =
    "DELETE FROM kv WHERE key >= ?1 RETURNING key, value, create_rev, mod_rev";
constexpr std::string_view kDelRange =
    "DELETE FROM kv WHERE key >= ?1 AND key < ?2 RETURNING key, value, create_rev, mod_rev";
constexpr std::string_view kSetRevision = "UPDATE meta SET value = ?1 WHERE key = 'revision'";
constexpr std::string_view kGetRevision = "SELECT value FROM meta WHERE key = 'revision'";

// Binds the range [prefix, prefixEnd(prefix)) to ?1 and ?2 of one of two
// statements: with an upper bound, or open-ended when there is none.
Result<CachedStatement> rangeStatement(Database& db, std::string_view prefix,
                                       std::string_view bounded, std::string_view open) {
  std::optional<std::string> end = prefixEnd(prefix);
  BERTH_ASSIGN_OR_RETURN(CachedStatement stmt, db.cached(end ? bounded : open));
  BERTH_TRY(stmt->bindText(1, prefix));
  if (end) {
    BERTH_TRY(stmt->bindText(2, *end));
  }
  return stmt;
}

Result<std::vector<KeyValue>> readRows(Statement& stmt) {
  std::vector<KeyValue> out;
  while (true) {
    BERTH_ASSIGN_OR_RETURN(bool row, stmt.step());
    if (!row) {
      return out;
    }
    out.push_back(
        KeyValue{stmt.columnBytes(0), stmt.columnBytes(1), stmt.columnInt(2), stmt.columnInt(3)});
  }
}

// The first column of the first row of sql; kInternal without a row. The
// statement is finalized on return, so it holds no read cursor open.
template <typename T>
Result<T> queryOne(Database& db, std::string_view sql) {
  BERTH_ASSIGN_OR_RETURN(Statement stmt, db.prepare(sql));
  BERTH_ASSIGN_OR_RETURN(bool row, stmt.step());
  if (!row) {
    return internal("'" + std::string(sql) + "' returned no row");
  }
  if constexpr (std::is_same_v<T, int64_t>) {
    return stmt.columnInt(0);
  } else {
    return stmt.columnBytes(0);
  }
}
Result<std::string> queryText(Database& db, std::string_view sql) {
  return queryOne<std::string>(db, sql);
}
Result<int64_t> queryInt(Database& db, std::string_view sql) { return queryOne<int64_t>(db, sql); }

Status checkModRevision(std::string_view key, const std::optional<KeyValue>& current,
                        int64_t expected) {
  int64_t actual = current ? current->modRevision : 0;
  if (actual == expected) {
    return okStatus();
  }
  if (expected == 0) {
    return conflict(fmt::format("store key {} already exists (mod revision {})", key, actual));
  }
  if (actual == 0) {
    return conflict(
        fmt::format("store key {} does not exist (expected mod revision {})", key, expected));
  }
  return conflict(
      fmt::format("store key {} has mod revision {}, expected {}", key, actual, expected));
}

}  // namespace

// Writes go straight into the open SQLite transaction, which is how reads see
// them; events are collected for the watch hub and published after COMMIT.
class SqliteStore::TxnImpl final : public Txn {
 public:
  TxnImpl(SqliteStore& store, int64_t revision) : store_(store), revision_(revision) {}

  Result<std::optional<KeyValue>> get(std::string_view key) override {
    BERTH_TRY(validateKey(key));
    return store_.readKeyLocked(key);
  }

  Result<std::vector<KeyValue>> list(std::string_view prefix) override {
    return store_.readPrefixLocked(prefix);
  }

  Status put(std::string_view key, std::string_view value) override {
    BERTH_TRY(validateKey(key));
    BERTH_TRY(store_.writeKeyLocked(key, value, revision_));
    events_.push_back(
        WatchEvent{WatchEventType::kPut, std::string(key), std::string(value), revision_});
    return okStatus();
  }

  Status putIf(std::string_view key, std::string_view value, int64_t expectedModRevision) override {
    BERTH_TRY(validateKey(key));
    BERTH_ASSIGN_OR_RETURN(std::optional<KeyValue> current, store_.readKeyLocked(key));
    BERTH_TRY(checkModRevision(key, current, expectedModRevision));
    return put(key, value);
  }

  Status del(std::string_view key) override {
    BERTH_TRY(validateKey(key));
    BERTH_ASSIGN_OR_RETURN(std::optional<std::string> previous, store_.eraseKeyLocked(key));
    if (previous) {
      events_.push_back(
          WatchEvent{WatchEventType::kDelete, std::string(key), std::move(*previous), revision_});
    }
    return okStatus();
  }

  Status delIf(std::string_view key, int64_t expectedModRevision) override {
    BERTH_TRY(validateKey(key));
    if (expectedModRevision <= 0) {
      return invalidArgument(fmt::format("delIf {}: expected mod revision must be positive", key));
    }
    BERTH_ASSIGN_OR_RETURN(std::optional<KeyValue> current, store_.readKeyLocked(key));
    BERTH_TRY(checkModRevision(key, current, expectedModRevision));
    return del(key);
  }

  Result<int> delPrefix(std::string_view prefix) override {
    if (prefix.empty()) {
      return invalidArgument("delPrefix needs a non-empty prefix");
    }
    BERTH_ASSIGN_OR_RETURN(std::vector<KeyValue> erased, store_.erasePrefixLocked(prefix));
    for (KeyValue& kv : erased) {
      events_.push_back(
          WatchEvent{WatchEventType::kDelete, std::move(kv.key), std::move(kv.value), revision_});
    }
    return static_cast<int>(erased.size());
  }

  std::vector<WatchEvent> takeEvents() { return std::move(events_); }
  bool wrote() const { return !events_.empty(); }

 private:
  SqliteStore& store_;
  int64_t revision_;
  std::vector<WatchEvent> events_;
};

Result<std::unique_ptr<Store>> SqliteStore::open(const std::string& path,
                                                 const SqliteStoreOptions& options) {
  auto opened = [&]() -> Result<std::unique_ptr<Store>> {
    BERTH_ASSIGN_OR_RETURN(Database db, Database::open(path));
    sqlite3_busy_timeout(db.handle(), options.busyTimeoutMs);
    // Exclusive locking before WAL: the file belongs to this process alone, so
    // the cached revision_ can never be stale and a second berthd on the same
    // data root fails at once instead of corrupting the revision sequence. It
    // also keeps the WAL index in heap memory (no -shm file).
    BERTH_TRY(db.exec("PRAGMA locking_mode = EXCLUSIVE"));
    // The first access to the file, so the first to find it locked.
    auto journal = queryText(db, "PRAGMA journal_mode = WAL");
    if (!journal.ok()) {
      Error err = std::move(journal).error();
      err.withContext("lock the store file (is another berthd using this data root?)");
      return err;
    }
    const std::string& mode = *journal;
    if (mode != "wal" && mode != "memory") {
      return unavailable("cannot switch to WAL journal mode (got " + mode + ")");
    }
    // In WAL mode NORMAL syncs only at checkpoints: a commit survives a crash of
    // berthd, and a power loss can only drop the newest commits, never corrupt
    // the file. berthd reconciles with the kernel on start anyway, and FULL
    // would fsync on every small IPAM or endpoint transaction.
    BERTH_TRY(db.exec("PRAGMA synchronous = NORMAL"));
    // Make sure the write lock is ours from here on, even where the pragma
    // above needed only a read, so that "in use" is reported by open and never
    // by the first write.
    BERTH_TRY(db.exec("BEGIN IMMEDIATE"));
    BERTH_TRY(db.exec("COMMIT"));
    BERTH_TRY(migrate(db));
    BERTH_ASSIGN_OR_RETURN(int64_t revision, queryInt(db, kGetRevision));
    return std::unique_ptr<Store>(
        new SqliteStore(std::move(db), revision, options.watchHistoryEvents));
  }();
  if (!opened.ok()) {
    Error err = std::move(opened).error();
    err.withContext("open store " + path);
    return err;
  }
  return opened;
}

SqliteStore::SqliteStore(Database db, int64_t revision, size_t watchHistoryEvents)
    : db_(std::move(db)),
      revision_(revision),
      hub_(WatchHub::create(revision, watchHistoryEvents)) {}

SqliteStore::~SqliteStore() { hub_->stop(); }

Status SqliteStore::checkNotReentrant(std::string_view call) const {
  if (writer_.load() == std::this_thread::get_id()) {
    return internal(fmt::format(
        "store {} called inside update() on the same thread; use the Txn instead", call));
  }
  return okStatus();
}

Result<std::optional<KeyValue>> SqliteStore::get(std::string_view key) {
  BERTH_TRY(checkNotReentrant("get"));
  BERTH_TRY(validateKey(key));
  std::lock_guard lock(mu_);
  return readKeyLocked(key);
}

Result<std::vector<KeyValue>> SqliteStore::list(std::string_view prefix) {
  BERTH_TRY(checkNotReentrant("list"));
  std::lock_guard lock(mu_);
  return readPrefixLocked(prefix);
}

Result<int64_t> SqliteStore::update(const std::function<Status(Txn& txn)>& fn) {
  BERTH_TRY(checkNotReentrant("update"));
  std::lock_guard lock(mu_);
  // IMMEDIATE: take the write lock before fn reads, so its reads cannot go
  // stale under it (moot with one exclusive connection, but free).
  BERTH_TRY(db_.exec("BEGIN IMMEDIATE"));
  const int64_t next = revision_.load() + 1;
  TxnImpl txn(*this, next);
  Status status = okStatus();
  writer_.store(std::this_thread::get_id());
  try {
    status = fn(txn);
  } catch (const std::exception& e) {
    // An escaping exception must not leave the transaction (and mu_) wedged.
    status = internal(std::string("store update threw: ") + e.what());
  } catch (...) {
    status = internal("store update threw a non-standard exception");
  }
  writer_.store(std::thread::id());
  if (!status.ok()) {
    rollbackLocked();
    return std::move(status).error();
  }
  if (!txn.wrote()) {
    rollbackLocked();
    return revision_.load();
  }
  Status committed = [&]() -> Status {
    BERTH_ASSIGN_OR_RETURN(CachedStatement set, db_.cached(kSetRevision));
    BERTH_TRY(set->bindInt(1, next));
    BERTH_TRY(set->run());
    return db_.exec("COMMIT");
  }();
  if (!committed.ok()) {
    rollbackLocked();
    Error err = std::move(committed).error();
    err.withContext("commit store transaction");
    return err;
  }
  revision_.store(next);
  // Still under mu_, so the hub sees commits in revision order.
  hub_->publish(next, txn.takeEvents());
  return next;
}

int64_t SqliteStore::revision() const { return revision_.load(); }

std::unique_ptr<Watch> SqliteStore::watch(std::string prefix, int64_t afterRevision,
                                          WatchCallback cb) {
  return hub_->subscribe(std::move(prefix), afterRevision, std::move(cb));
}

Result<std::optional<KeyValue>> SqliteStore::readKeyLocked(std::string_view key) {
  BERTH_ASSIGN_OR_RETURN(CachedStatement stmt, db_.cached(kGet));
  BERTH_TRY(stmt->bindText(1, key));
  BERTH_ASSIGN_OR_RETURN(bool row, stmt->step());
  if (!row) {
    return std::optional<KeyValue>();
  }
  return std::optional<KeyValue>(
      KeyValue{std::string(key), stmt->columnBytes(0), stmt->columnInt(1), stmt->columnInt(2)});
}

Result<std::vector<KeyValue>> SqliteStore::readPrefixLocked(std::string_view prefix) {
  BERTH_ASSIGN_OR_RETURN(CachedStatement stmt, rangeStatement(db_, prefix, kListRange, kListFrom));
  return readRows(*stmt);
}

Status SqliteStore::writeKeyLocked(std::string_view key, std::string_view value, int64_t revision) {
  BERTH_ASSIGN_OR_RETURN(CachedStatement stmt, db_.cached(kPut));
  BERTH_TRY(stmt->bindText(1, key));
  BERTH_TRY(stmt->bindBlob(2, value));
  BERTH_TRY(stmt->bindInt(3, revision));
  return stmt->run();
}

Result<std::optional<std::string>> SqliteStore::eraseKeyLocked(std::string_view key) {
  BERTH_ASSIGN_OR_RETURN(CachedStatement stmt, db_.cached(kDel));
  BERTH_TRY(stmt->bindText(1, key));
  BERTH_ASSIGN_OR_RETURN(bool row, stmt->step());
  if (!row) {
    return std::optional<std::string>();
  }
  std::optional<std::string> previous = stmt->columnBytes(0);
  BERTH_TRY(stmt->run());  // RETURNING: the statement finishes on the next step
  return previous;
}

Result<std::vector<KeyValue>> SqliteStore::erasePrefixLocked(std::string_view prefix) {
  BERTH_ASSIGN_OR_RETURN(CachedStatement stmt, rangeStatement(db_, prefix, kDelRange, kDelFrom));
  BERTH_ASSIGN_OR_RETURN(std::vector<KeyValue> erased, readRows(*stmt));
  // RETURNING yields rows in no promised order; watchers get them by key.
  std::sort(erased.begin(), erased.end(),
            [](const KeyValue& a, const KeyValue& b) { return a.key < b.key; });
  return erased;
}

void SqliteStore::rollbackLocked() {
  if (db_.inTransaction()) {
    (void)db_.exec("ROLLBACK");
  }
}

}  // namespace berth::store
