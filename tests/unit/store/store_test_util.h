// Helpers shared by the store tests: a temporary directory and a watch sink
// that the test thread can wait on.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "../../lib/temp_dir.h"
#include "store/store.h"

namespace berth::store::testing {

using ::berth::testlib::TempDir;

// Collects what a watch delivers. Must outlive the watch that feeds it.
class EventSink {
 public:
  WatchCallback callback() {
    return [this](Result<std::vector<WatchEvent>> events) {
      std::lock_guard lock(mu_);
      if (events.ok()) {
        batches_.push_back(std::move(events).value());
      } else {
        errors_.push_back(std::move(events).error());
      }
      cv_.notify_all();
    };
  }

  // Waits until at least n batches arrived; false on timeout.
  bool waitForBatches(size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return batches_.size() >= n; });
  }
  bool waitForErrors(size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return errors_.size() >= n; });
  }

  std::vector<std::vector<WatchEvent>> batches() {
    std::lock_guard lock(mu_);
    return batches_;
  }
  std::vector<Error> errors() {
    std::lock_guard lock(mu_);
    return errors_;
  }
  // Every delivered event as "put key=value@rev" / "delete key=value@rev".
  std::vector<std::string> flat() {
    std::lock_guard lock(mu_);
    std::vector<std::string> out;
    for (const auto& batch : batches_) {
      for (const WatchEvent& e : batch) {
        out.push_back(std::string(watchEventTypeName(e.type)) + " " + e.key + "=" + e.value + "@" +
                      std::to_string(e.revision));
      }
    }
    return out;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::vector<WatchEvent>> batches_;
  std::vector<Error> errors_;
};

// Writes key=value in its own transaction and returns the new revision.
inline int64_t putOne(Store& store, const std::string& key, const std::string& value) {
  auto rev = store.update([&](Txn& txn) { return txn.put(key, value); });
  EXPECT_TRUE(rev.ok()) << (rev.ok() ? "" : rev.error().message());
  return rev.ok() ? *rev : -1;
}

inline std::vector<std::string> keysOf(const std::vector<KeyValue>& kvs) {
  std::vector<std::string> out;
  for (const KeyValue& kv : kvs) {
    out.push_back(kv.key);
  }
  return out;
}

}  // namespace berth::store::testing
