// Store semantics (keys, revisions, transactions, CAS), run on an in-memory SqliteStore.
#include "store/store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "store/sqlite_store.h"
#include "store_test_util.h"

namespace berth::store {
namespace {

using testing::keysOf;
using testing::putOne;

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = SqliteStore::open(":memory:");
    ASSERT_TRUE(opened.ok()) << opened.error().message();
    store_ = std::move(opened).value();
  }
  std::unique_ptr<Store> store_;
};

TEST_F(StoreTest, PutThenGetReturnsValueAndRevisions) {
  EXPECT_EQ(store_->revision(), 0);
  int64_t rev = putOne(*store_, "networks/a", "{\"x\":1}");
  EXPECT_EQ(rev, 1);
  auto kv = store_->get("networks/a");
  ASSERT_TRUE(kv.ok());
  ASSERT_TRUE(kv->has_value());
  EXPECT_EQ((*kv)->key, "networks/a");
  EXPECT_EQ((*kv)->value, "{\"x\":1}");
  EXPECT_EQ((*kv)->createRevision, 1);
  EXPECT_EQ((*kv)->modRevision, 1);
}

TEST_F(StoreTest, GetMissingIsNulloptNotError) {
  auto kv = store_->get("networks/nope");
  ASSERT_TRUE(kv.ok());
  EXPECT_FALSE(kv->has_value());
}

TEST_F(StoreTest, EmptyAndBinaryValuesRoundTrip) {
  putOne(*store_, "k/empty", "");
  std::string binary("a\0b\xff", 4);
  putOne(*store_, "k/bin", binary);
  EXPECT_EQ((*store_->get("k/empty"))->value, "");
  EXPECT_EQ((*store_->get("k/bin"))->value, binary);
}

TEST_F(StoreTest, InvalidKeysAreRejected) {
  auto rev = store_->update([](Txn& txn) { return txn.put("", "v"); });
  ASSERT_FALSE(rev.ok());
  EXPECT_EQ(rev.error().kind(), ErrorKind::kInvalidArgument);
  auto nul = store_->get(std::string_view("a\0b", 3));
  ASSERT_FALSE(nul.ok());
  EXPECT_EQ(nul.error().kind(), ErrorKind::kInvalidArgument);
}

TEST_F(StoreTest, ListIsOrderedAndBoundedByPrefix) {
  for (const char* key : {"net/b", "net/a", "net/a/sub", "net0", "ne", "nets/x", "net/c"}) {
    putOne(*store_, key, "v");
  }
  auto listed = store_->list("net/");
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(keysOf(*listed), (std::vector<std::string>{"net/a", "net/a/sub", "net/b", "net/c"}));
  auto all = store_->list("");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(keysOf(*all), (std::vector<std::string>{"ne", "net/a", "net/a/sub", "net/b", "net/c",
                                                    "net0", "nets/x"}));
}

TEST_F(StoreTest, ListOrdersBytesUnsignedAndHandles0xffPrefixes) {
  std::string high = "p/\xff";
  std::string highest = "p/\xff\xff";
  putOne(*store_, "p/a", "v");
  putOne(*store_, high, "v");
  putOne(*store_, highest, "v");
  putOne(*store_, "q", "v");
  auto listed = store_->list("p/");
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(keysOf(*listed), (std::vector<std::string>{"p/a", high, highest}));
  auto underHigh = store_->list(high);
  ASSERT_TRUE(underHigh.ok());
  EXPECT_EQ(keysOf(*underHigh), (std::vector<std::string>{high, highest}));
}

TEST(PrefixEndTest, IncrementsLastByteAndDropsTrailing0xff) {
  EXPECT_EQ(prefixEnd("a/"), std::optional<std::string>("a0"));
  EXPECT_EQ(prefixEnd("a\xff"), std::optional<std::string>("b"));
  EXPECT_EQ(prefixEnd(""), std::nullopt);
  EXPECT_EQ(prefixEnd("\xff\xff"), std::nullopt);
}

TEST_F(StoreTest, FailedTransactionWritesNothing) {
  putOne(*store_, "a/keep", "old");
  auto rev = store_->update([](Txn& txn) -> Status {
    BERTH_TRY(txn.put("a/new", "x"));
    BERTH_TRY(txn.put("a/keep", "new"));
    BERTH_TRY(txn.del("a/keep"));
    return conflict("changed my mind");
  });
  ASSERT_FALSE(rev.ok());
  EXPECT_EQ(rev.error().kind(), ErrorKind::kConflict);
  EXPECT_EQ(rev.error().message(), "changed my mind");
  EXPECT_EQ(store_->revision(), 1);
  EXPECT_FALSE(store_->get("a/new")->has_value());
  EXPECT_EQ((*store_->get("a/keep"))->value, "old");
  // The store stays usable after a rollback.
  EXPECT_EQ(putOne(*store_, "a/after", "v"), 2);
}

TEST_F(StoreTest, ThrowingTransactionWritesNothingAndIsInternal) {
  auto rev = store_->update([](Txn& txn) -> Status {
    (void)txn.put("a/x", "v");
    throw std::runtime_error("boom");
  });
  ASSERT_FALSE(rev.ok());
  EXPECT_EQ(rev.error().kind(), ErrorKind::kInternal);
  EXPECT_FALSE(store_->get("a/x")->has_value());
  EXPECT_EQ(putOne(*store_, "a/y", "v"), 1);
}

TEST_F(StoreTest, TransactionReadsItsOwnWrites) {
  putOne(*store_, "a/1", "one");
  auto rev = store_->update([](Txn& txn) -> Status {
    BERTH_TRY(txn.put("a/2", "two"));
    BERTH_TRY(txn.del("a/1"));
    BERTH_ASSIGN_OR_RETURN(auto two, txn.get("a/2"));
    EXPECT_TRUE(two.has_value());
    EXPECT_EQ(two->modRevision, 2);
    BERTH_ASSIGN_OR_RETURN(auto one, txn.get("a/1"));
    EXPECT_FALSE(one.has_value());
    BERTH_ASSIGN_OR_RETURN(auto listed, txn.list("a/"));
    EXPECT_EQ(keysOf(listed), std::vector<std::string>{"a/2"});
    return okStatus();
  });
  ASSERT_TRUE(rev.ok());
  EXPECT_EQ(*rev, 2);
}

TEST_F(StoreTest, PutIfComparesModRevision) {
  auto create = [&](int64_t expected) {
    return store_->update([&](Txn& txn) { return txn.putIf("c/k", "v", expected); });
  };
  ASSERT_TRUE(create(0).ok());  // must-not-exist holds
  auto again = create(0);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().kind(), ErrorKind::kConflict);
  auto stale = create(7);
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().kind(), ErrorKind::kConflict);
  auto fresh = create(1);
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(*fresh, 2);
  auto missing = store_->update([](Txn& txn) { return txn.putIf("c/none", "v", 3); });
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind(), ErrorKind::kConflict);
  EXPECT_EQ(store_->revision(), 2);
}

TEST_F(StoreTest, DelIfComparesModRevision) {
  putOne(*store_, "d/k", "v");
  auto wrong = store_->update([](Txn& txn) { return txn.delIf("d/k", 5); });
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().kind(), ErrorKind::kConflict);
  auto right = store_->update([](Txn& txn) { return txn.delIf("d/k", 1); });
  ASSERT_TRUE(right.ok());
  EXPECT_FALSE(store_->get("d/k")->has_value());
  auto gone = store_->update([](Txn& txn) { return txn.delIf("d/k", 1); });
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().kind(), ErrorKind::kConflict);
}

TEST_F(StoreTest, RevisionsIncreaseOncePerWritingTransaction) {
  EXPECT_EQ(putOne(*store_, "r/a", "1"), 1);
  auto rev = store_->update([](Txn& txn) -> Status {
    BERTH_TRY(txn.put("r/b", "1"));
    BERTH_TRY(txn.put("r/c", "1"));
    return txn.put("r/a", "2");
  });
  ASSERT_TRUE(rev.ok());
  EXPECT_EQ(*rev, 2);
  auto a = *store_->get("r/a");
  EXPECT_EQ(a->createRevision, 1);
  EXPECT_EQ(a->modRevision, 2);
  EXPECT_EQ((*store_->get("r/c"))->createRevision, 2);
  // A transaction that writes nothing is a snapshot: same revision back.
  auto readOnly = store_->update([](Txn& txn) -> Status {
    BERTH_TRY(txn.list("r/"));
    return okStatus();
  });
  ASSERT_TRUE(readOnly.ok());
  EXPECT_EQ(*readOnly, 2);
  EXPECT_EQ(putOne(*store_, "r/d", "1"), 3);
  EXPECT_EQ(store_->revision(), 3);
}

TEST_F(StoreTest, DeleteOfMissingKeyIsNotAnErrorAndBumpsNothing) {
  auto rev = store_->update([](Txn& txn) { return txn.del("x/none"); });
  ASSERT_TRUE(rev.ok());
  EXPECT_EQ(*rev, 0);
  EXPECT_EQ(store_->revision(), 0);
}

TEST_F(StoreTest, DelPrefixRemovesOnlyThePrefixAndCounts) {
  for (const char* key : {"e/1", "e/2", "e/3/x", "e0", "f/1"}) {
    putOne(*store_, key, "v");
  }
  int removed = -1;
  auto rev = store_->update([&](Txn& txn) -> Status {
    BERTH_ASSIGN_OR_RETURN(removed, txn.delPrefix("e/"));
    return okStatus();
  });
  ASSERT_TRUE(rev.ok());
  EXPECT_EQ(removed, 3);
  EXPECT_EQ(keysOf(*store_->list("")), (std::vector<std::string>{"e0", "f/1"}));
  auto everything = store_->update([](Txn& txn) -> Status {
    BERTH_TRY(txn.delPrefix(""));
    return okStatus();
  });
  ASSERT_FALSE(everything.ok());
  EXPECT_EQ(everything.error().kind(), ErrorKind::kInvalidArgument);
}

TEST_F(StoreTest, CallingTheStoreInsideUpdateIsAnErrorNotADeadlock) {
  Status inner = okStatus();
  auto rev = store_->update([&](Txn& txn) -> Status {
    auto got = store_->get("a/b");
    if (!got.ok()) {
      inner = Status(got.error());
    }
    auto nested = store_->update([](Txn&) { return okStatus(); });
    EXPECT_FALSE(nested.ok());
    return txn.put("a/b", "v");
  });
  ASSERT_TRUE(rev.ok());
  ASSERT_FALSE(inner.ok());
  EXPECT_EQ(inner.error().kind(), ErrorKind::kInternal);
}

// Optimistic read-modify-write from many threads: every increment lands once.
TEST_F(StoreTest, ConcurrentPutIfRetryIncrementsExactly) {
  constexpr int kThreads = 8;
  constexpr int kIncrements = 200;
  std::atomic<int> conflicts{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kIncrements; ++i) {
        while (true) {
          auto current = store_->get("counter");
          if (!current.ok()) {
            ++failures;
            return;
          }
          int64_t seen = current->has_value() ? (*current)->modRevision : 0;
          int value = current->has_value() ? std::stoi((*current)->value) : 0;
          auto rev = store_->update(
              [&](Txn& txn) { return txn.putIf("counter", std::to_string(value + 1), seen); });
          if (rev.ok()) {
            break;
          }
          if (rev.error().kind() != ErrorKind::kConflict) {
            ++failures;
            return;
          }
          ++conflicts;
        }
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(failures.load(), 0);
  auto counter = store_->get("counter");
  ASSERT_TRUE(counter.ok() && counter->has_value());
  EXPECT_EQ((*counter)->value, std::to_string(kThreads * kIncrements));
  EXPECT_EQ(store_->revision(), kThreads * kIncrements);
}

}  // namespace
}  // namespace berth::store
