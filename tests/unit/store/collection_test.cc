// Collection<T>: typed JSON objects under "<kind>/<id>".
#include "store/collection.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "store/sqlite_store.h"
#include "store_test_util.h"

namespace berth::store {
namespace {

struct Net {
  std::string name;
  std::string subnet;
  int mtu = 0;
  std::vector<std::string> labels;
  bool operator==(const Net&) const = default;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Net, name, subnet, mtu, labels)

class CollectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = SqliteStore::open(":memory:");
    ASSERT_TRUE(opened.ok());
    store_ = std::move(opened).value();
  }
  std::unique_ptr<Store> store_;
};

TEST_F(CollectionTest, PutGetListRoundTrip) {
  Collection<Net> nets(*store_, "networks/", "network");
  Net a{"a", "10.0.0.0/24", 1500, {"x=1"}};
  Net b{"b", "fd00::/64", 1400, {}};
  auto rev = store_->update([&](Txn& txn) -> Status {
    BERTH_TRY(nets.put(txn, "id-b", b));
    BERTH_TRY(nets.put(txn, "id-a", a));
    BERTH_ASSIGN_OR_RETURN(Net seen, nets.get(txn, "id-a"));
    EXPECT_EQ(seen, a);
    return okStatus();
  });
  ASSERT_TRUE(rev.ok());
  auto got = nets.get("id-b");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, b);
  auto all = nets.list();
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(*all, (std::vector<Net>{a, b}));  // ordered by id
  EXPECT_EQ(nets.key("id-a"), "networks/id-a");
  EXPECT_EQ(nlohmann::json::parse((*store_->get("networks/id-a"))->value)["mtu"], 1500);
}

TEST_F(CollectionTest, MissingObjectIsNotFoundNamingKindAndId) {
  Collection<Net> nets(*store_, "networks/", "network");
  auto got = nets.get("abc");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().kind(), ErrorKind::kNotFound);
  EXPECT_EQ(got.error().message(), "no such network: abc");
  Collection<Net> unnamed(*store_, "networks/");
  EXPECT_EQ(unnamed.get("abc").error().message(), "no such networks: abc");
}

TEST_F(CollectionTest, DeleteThenGetIsNotFound) {
  Collection<Net> nets(*store_, "networks/", "network");
  ASSERT_TRUE(store_->update([&](Txn& txn) {
                      return nets.put(txn, "n1", Net{"n1", "", 0, {}});
                    })
                  .ok());
  ASSERT_TRUE(store_->update([&](Txn& txn) { return nets.del(txn, "n1"); }).ok());
  EXPECT_EQ(nets.get("n1").error().kind(), ErrorKind::kNotFound);
  auto listed = nets.list();
  ASSERT_TRUE(listed.ok());
  EXPECT_TRUE(listed->empty());
}

TEST_F(CollectionTest, CreateRefusesAnExistingId) {
  Collection<Net> nets(*store_, "networks/", "network");
  auto create = [&] {
    return store_->update([&](Txn& txn) { return nets.create(txn, "n1", Net{"n1", "", 0, {}}); });
  };
  ASSERT_TRUE(create().ok());
  auto again = create();
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().kind(), ErrorKind::kConflict);
  EXPECT_EQ(again.error().message(), "network n1 already exists");
}

TEST_F(CollectionTest, MalformedStoredJsonIsInternalNotACrash) {
  Collection<Net> nets(*store_, "networks/", "network");
  testing::putOne(*store_, "networks/garbage", "{not json");
  testing::putOne(*store_, "networks/wrongtype", "{\"name\": 5}");
  auto garbage = nets.get("garbage");
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.error().kind(), ErrorKind::kInternal);
  auto wrong = nets.get("wrongtype");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().kind(), ErrorKind::kInternal);
  EXPECT_NE(wrong.error().message().find("networks/wrongtype"), std::string::npos);
  EXPECT_EQ(nets.list().error().kind(), ErrorKind::kInternal);
}

TEST_F(CollectionTest, IdsAreOnePathSegment) {
  Collection<Net> nets(*store_, "networks/", "network");
  EXPECT_EQ(nets.get("a/b").error().kind(), ErrorKind::kInvalidArgument);
  EXPECT_EQ(nets.get("").error().kind(), ErrorKind::kInvalidArgument);
  auto rev = store_->update([&](Txn& txn) { return nets.put(txn, "x/y", Net{}); });
  ASSERT_FALSE(rev.ok());
  EXPECT_EQ(rev.error().kind(), ErrorKind::kInvalidArgument);
}

TEST_F(CollectionTest, UnencodableValueIsInvalidArgument) {
  Collection<Net> nets(*store_, "networks/", "network");
  Net bad{std::string("\xff\xfe", 2), "", 0, {}};  // not UTF-8
  auto rev = store_->update([&](Txn& txn) { return nets.put(txn, "bad", bad); });
  ASSERT_FALSE(rev.ok());
  EXPECT_EQ(rev.error().kind(), ErrorKind::kInvalidArgument);
  EXPECT_EQ(store_->revision(), 0);
}

}  // namespace
}  // namespace berth::store
