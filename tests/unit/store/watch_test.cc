// Watches: prefix filtering, order, replay, compaction and unsubscription.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "store/sqlite_store.h"
#include "store/store.h"
#include "store_test_util.h"

namespace berth::store {
namespace {

using testing::EventSink;
using testing::putOne;
using testing::TempDir;
using Strings = std::vector<std::string>;

std::unique_ptr<Store> openMemory(size_t history = 4096) {
  SqliteStoreOptions options;
  options.watchHistoryEvents = history;
  auto opened = SqliteStore::open(":memory:", options);
  EXPECT_TRUE(opened.ok()) << opened.error().message();
  return std::move(opened).value();
}

TEST(WatchTest, DeliversExactlyThePrefixEventsInOrderOnePerTransaction) {
  auto store = openMemory();
  EventSink sink;
  auto watch = store->watch("net/", 0, sink.callback());
  putOne(*store, "net/a", "1");    // 1
  putOne(*store, "other/a", "x");  // 2: not ours
  putOne(*store, "net0", "x");     // 3: shares bytes, not the prefix
  ASSERT_TRUE(store
                  ->update([](Txn& txn) -> Status {  // 4: one batch of three
                    BERTH_TRY(txn.put("net/b", "2"));
                    BERTH_TRY(txn.put("other/b", "x"));
                    BERTH_TRY(txn.put("net/a", "3"));
                    return txn.del("net/b");
                  })
                  .ok());
  ASSERT_TRUE(store->update([](Txn& txn) { return txn.del("net/a"); }).ok());  // 5
  ASSERT_TRUE(sink.waitForBatches(3));
  EXPECT_EQ(sink.flat(), (Strings{"put net/a=1@1", "put net/b=2@4", "put net/a=3@4",
                                  "delete net/b=2@4", "delete net/a=3@5"}));
  auto batches = sink.batches();
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[1].size(), 3u);
  EXPECT_TRUE(sink.errors().empty());
}

TEST(WatchTest, DelPrefixEventsCarryPreviousValuesInKeyOrder) {
  auto store = openMemory();
  putOne(*store, "ep/b", "B");
  putOne(*store, "ep/a", "A");
  putOne(*store, "ep/c/1", "C");
  EventSink sink;
  auto watch = store->watch("ep/", store->revision(), sink.callback());
  auto rev = store->update([](Txn& txn) -> Status {
    BERTH_TRY(txn.delPrefix("ep/"));
    return okStatus();
  });
  ASSERT_TRUE(rev.ok());
  ASSERT_TRUE(sink.waitForBatches(1));
  EXPECT_EQ(sink.flat(), (Strings{"delete ep/a=A@4", "delete ep/b=B@4", "delete ep/c/1=C@4"}));
}

TEST(WatchTest, ReplaysHistoryAfterTheGivenRevisionThenGoesLive) {
  auto store = openMemory();
  putOne(*store, "v/1", "a");                 // 1
  int64_t seen = putOne(*store, "v/2", "b");  // 2
  putOne(*store, "w/x", "skip");              // 3
  putOne(*store, "v/3", "c");                 // 4
  EventSink sink;
  auto watch = store->watch("v/", seen, sink.callback());
  ASSERT_TRUE(sink.waitForBatches(1));
  putOne(*store, "v/4", "d");  // 5
  ASSERT_TRUE(sink.waitForBatches(2));
  EXPECT_EQ(sink.flat(), (Strings{"put v/3=c@4", "put v/4=d@5"}));
}

TEST(WatchTest, ConsistentSnapshotThenWatchMissesNothing) {
  auto store = openMemory();
  putOne(*store, "s/1", "a");
  std::vector<KeyValue> items;
  auto snapshot = store->update([&](Txn& txn) -> Status {
    BERTH_ASSIGN_OR_RETURN(items, txn.list("s/"));
    return okStatus();
  });
  ASSERT_TRUE(snapshot.ok());
  putOne(*store, "s/2", "b");  // lands between the read and the watch
  EventSink sink;
  auto watch = store->watch("s/", *snapshot, sink.callback());
  ASSERT_TRUE(sink.waitForBatches(1));
  EXPECT_EQ(items.size(), 1u);
  EXPECT_EQ(sink.flat(), Strings{"put s/2=b@2"});
}

TEST(WatchTest, StartingBeforeKeptHistoryReportsCompacted) {
  auto store = openMemory(/*history=*/2);
  for (int i = 1; i <= 5; ++i) {
    putOne(*store, "h/" + std::to_string(i), "v");
  }
  EventSink sink;
  auto watch = store->watch("h/", 1, sink.callback());
  ASSERT_TRUE(sink.waitForErrors(1));
  EXPECT_EQ(sink.errors()[0].kind(), ErrorKind::kUnavailable);
  EXPECT_NE(sink.errors()[0].message().find("compacted"), std::string::npos);
  // The watch is over: nothing follows the error.
  putOne(*store, "h/6", "v");
  EventSink probe;
  auto after = store->watch("h/", 5, probe.callback());
  ASSERT_TRUE(probe.waitForBatches(1));
  EXPECT_TRUE(sink.batches().empty());
  EXPECT_EQ(sink.errors().size(), 1u);
  // From inside the kept history it replays fine.
  EventSink recent;
  auto ok = store->watch("h/", 4, recent.callback());
  ASSERT_TRUE(recent.waitForBatches(2));
  EXPECT_EQ(recent.flat(), (Strings{"put h/5=v@5", "put h/6=v@6"}));
}

TEST(WatchTest, AfterReopenOlderRevisionsAreCompacted) {
  TempDir dir;
  {
    auto store = SqliteStore::open(dir.file("state.db"));
    ASSERT_TRUE(store.ok());
    putOne(**store, "k/1", "v");
    putOne(**store, "k/2", "v");
  }
  auto store = SqliteStore::open(dir.file("state.db"));
  ASSERT_TRUE(store.ok());
  EventSink old;
  auto stale = (*store)->watch("k/", 1, old.callback());
  ASSERT_TRUE(old.waitForErrors(1));
  EventSink current;
  auto live = (*store)->watch("k/", 2, current.callback());
  putOne(**store, "k/3", "v");
  ASSERT_TRUE(current.waitForBatches(1));
  EXPECT_EQ(current.flat(), Strings{"put k/3=v@3"});
}

TEST(WatchTest, DestroyingTheWatchUnsubscribes) {
  auto store = openMemory();
  EventSink sink;
  auto watch = store->watch("u/", 0, sink.callback());
  putOne(*store, "u/1", "v");
  ASSERT_TRUE(sink.waitForBatches(1));
  watch.reset();
  putOne(*store, "u/2", "v");
  EventSink probe;  // delivered after anything the old watch could have got
  auto other = store->watch("u/", 1, probe.callback());
  ASSERT_TRUE(probe.waitForBatches(1));
  EXPECT_EQ(sink.batches().size(), 1u);
}

TEST(WatchTest, DestructorWaitsForARunningCallback) {
  auto store = openMemory();
  std::promise<void> entered;
  std::atomic<bool> release{false};
  std::atomic<bool> finished{false};
  auto watch = store->watch("b/", 0, [&](Result<std::vector<WatchEvent>>) {
    entered.set_value();
    while (!release.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    finished = true;
  });
  putOne(*store, "b/1", "v");
  entered.get_future().wait();
  std::atomic<bool> destroyed{false};
  std::thread dropper([&] {
    watch.reset();
    destroyed = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(destroyed.load());
  release = true;
  dropper.join();
  EXPECT_TRUE(finished.load());
}

TEST(WatchTest, CallbackMayDropItsOwnWatchAndWriteToTheStore) {
  auto store = openMemory();
  std::unique_ptr<Watch> self;
  std::promise<int64_t> wrote;
  self = store->watch("c/", 0, [&](Result<std::vector<WatchEvent>> events) {
    ASSERT_TRUE(events.ok());
    self.reset();  // allowed from inside the callback
    wrote.set_value(putOne(*store, "d/echo", events->front().value));
  });
  putOne(*store, "c/1", "ping");
  auto future = wrote.get_future();
  ASSERT_EQ(future.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_EQ(future.get(), 2);
  EXPECT_EQ((*store->get("d/echo"))->value, "ping");
}

TEST(WatchTest, WatchMayOutliveTheStore) {
  EventSink sink;
  std::unique_ptr<Watch> watch;
  {
    auto store = openMemory();
    watch = store->watch("o/", 0, sink.callback());
    putOne(*store, "o/1", "v");
    ASSERT_TRUE(sink.waitForBatches(1));
  }
  watch.reset();  // no store, no hub: must simply not crash
  EXPECT_EQ(sink.batches().size(), 1u);
}

}  // namespace
}  // namespace berth::store
