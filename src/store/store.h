// The one persistence interface of berthd, shaped on etcd's model so that a
// cluster backend can replace the embedded SQLite one without touching callers:
// a flat, byte-ordered key space ("<kind>/<id>"), one global revision that every
// writing transaction bumps by one, per-key create/mod revisions, compare-and-swap
// inside transactions, and watches by key prefix from a revision.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace berth::store {

struct KeyValue {
  std::string key;
  std::string value;
  int64_t createRevision = 0;  // revision of the transaction that created the key
  int64_t modRevision = 0;     // revision of the transaction that last wrote it
};

// One transaction's view of the store. Reads see the transaction's own writes.
// All writes of a transaction carry the same (new) revision. Valid only inside
// the function passed to Store::update().
class Txn {
 public:
  virtual ~Txn() = default;

  // The key's current value, or nullopt if it does not exist.
  virtual Result<std::optional<KeyValue>> get(std::string_view key) = 0;
  // Every key starting with prefix, ordered by key bytes; "" lists everything.
  virtual Result<std::vector<KeyValue>> list(std::string_view prefix) = 0;
  // Creates or overwrites key.
  virtual Status put(std::string_view key, std::string_view value) = 0;
  // Writes key only if its mod revision is expectedModRevision (0: the key must
  // not exist); otherwise kConflict and nothing is written.
  virtual Status putIf(std::string_view key, std::string_view value,
                       int64_t expectedModRevision) = 0;
  // Deletes key. A missing key is not an error (and produces no event), so that
  // teardown can be repeated; use delIf to insist on a specific version.
  virtual Status del(std::string_view key) = 0;
  // Deletes key only if its mod revision is expectedModRevision (> 0); otherwise
  // kConflict, also when the key is missing.
  virtual Status delIf(std::string_view key, int64_t expectedModRevision) = 0;
  // Deletes every key starting with prefix and returns how many there were.
  // An empty prefix is kInvalidArgument: wiping the store is never a prefix delete.
  virtual Result<int> delPrefix(std::string_view prefix) = 0;
};

enum class WatchEventType { kPut, kDelete };

struct WatchEvent {
  WatchEventType type = WatchEventType::kPut;
  std::string key;
  // kPut: the new value. kDelete: the value the key had before (etcd's prev_kv),
  // so that a watcher can tear down what the key described.
  std::string value;
  int64_t revision = 0;  // the committing transaction's revision
};

// Called once per committed transaction that touched the watched prefix, with
// that transaction's events under the prefix, in the order they were written.
// An error is the last call: the watch is over (kUnavailable "compacted" when the
// start revision is older than the kept history); re-read and watch again.
using WatchCallback = std::function<void(Result<std::vector<WatchEvent>> events)>;

// A live watch. Destroying it unsubscribes: when the destructor returns, the
// callback is not running and never runs again (except when the destructor is
// called from that very callback, which is allowed). Must not be destroyed inside
// Store::update(). May outlive the Store; it then simply receives nothing.
class Watch {
 public:
  virtual ~Watch() = default;
};

// Thread-safe. Every method may be called from any thread, but not from inside
// a function running under update() (that is kInternal, never a deadlock).
class Store {
 public:
  virtual ~Store() = default;

  virtual Result<std::optional<KeyValue>> get(std::string_view key) = 0;
  virtual Result<std::vector<KeyValue>> list(std::string_view prefix) = 0;

  // Runs fn in one atomic transaction and returns the revision it committed.
  // If fn returns an error, nothing is written and that error is returned.
  // A transaction that writes nothing does not bump the revision and returns the
  // current one, so a read-only update is a consistent snapshot to watch from.
  // fn may run more than once (an optimistic backend like etcd retries it when
  // a key it read changed), so it must have no effects outside txn.
  virtual Result<int64_t> update(const std::function<Status(Txn& txn)>& fn) = 0;

  // The revision of the last committed transaction (0 for an empty store).
  virtual int64_t revision() const = 0;

  // Calls cb for every transaction after afterRevision touching keys that start
  // with prefix: first those still in the backend's history, then live ones, in
  // revision order. afterRevision <= 0 means "from now", as in etcd. Callbacks of
  // one Store run one at a time on a thread of the Store's own (never under its
  // lock), so they may call the Store but should be short.
  virtual std::unique_ptr<Watch> watch(std::string prefix, int64_t afterRevision,
                                       WatchCallback cb) = 0;
};

// Keys are non-empty and contain no NUL byte; every backend enforces this.
Status validateKey(std::string_view key);

// The smallest key greater than every key starting with prefix, or nullopt when
// there is none (prefix empty or all 0xff bytes): the end of a prefix range.
std::optional<std::string> prefixEnd(std::string_view prefix);

std::string_view watchEventTypeName(WatchEventType type);

}  // namespace berth::store
