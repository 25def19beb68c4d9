// The single-host Store: one SQLite file under the data root, owned by one
// berthd. Watch history lives in memory only, so after a restart watchers can
// replay nothing older than the revision the store was opened at.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "store/sqlite_db.h"
#include "store/store.h"
#include "store/watch_hub.h"

namespace berth::store {

struct SqliteStoreOptions {
  // How long to wait for a lock held by another connection before kUnavailable.
  int busyTimeoutMs = 5000;
  // Events kept in memory for watch replay (etcd keeps history until compaction).
  size_t watchHistoryEvents = 4096;
};

class SqliteStore final : public Store {
 public:
  // Opens or creates the store at path (":memory:" for a private in-memory one)
  // and migrates its schema. The file is locked for this process until the
  // store is destroyed; a second opener fails with kUnavailable.
  static Result<std::unique_ptr<Store>> open(const std::string& path,
                                             const SqliteStoreOptions& options = {});
  ~SqliteStore() override;

  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  Result<std::optional<KeyValue>> get(std::string_view key) override;
  Result<std::vector<KeyValue>> list(std::string_view prefix) override;
  Result<int64_t> update(const std::function<Status(Txn& txn)>& fn) override;
  int64_t revision() const override;
  std::unique_ptr<Watch> watch(std::string prefix, int64_t afterRevision,
                               WatchCallback cb) override;

 private:
  class TxnImpl;

  SqliteStore(Database db, int64_t revision, size_t watchHistoryEvents);

  // kInternal when the calling thread is inside update(): mu_ is not recursive.
  Status checkNotReentrant(std::string_view call) const;

  // The *Locked helpers need mu_ held; they run inside or outside a transaction.
  Result<std::optional<KeyValue>> readKeyLocked(std::string_view key);
  Result<std::vector<KeyValue>> readPrefixLocked(std::string_view prefix);
  // Creates or overwrites key at revision, keeping its create revision.
  Status writeKeyLocked(std::string_view key, std::string_view value, int64_t revision);
  // Deletes key; returns its previous value, or nullopt if it did not exist.
  Result<std::optional<std::string>> eraseKeyLocked(std::string_view key);
  // Deletes the keys under prefix; returns them with their values, ordered by key.
  Result<std::vector<KeyValue>> erasePrefixLocked(std::string_view prefix);
  // Ends the open transaction, ignoring failure: SQLite may already have rolled back.
  void rollbackLocked();

  std::mutex mu_;
  Database db_;                          // guarded by mu_
  std::atomic<int64_t> revision_;        // written under mu_, read anywhere
  std::atomic<std::thread::id> writer_;  // the thread running update(), if any
  std::shared_ptr<WatchHub> hub_;
};

}  // namespace berth::store
