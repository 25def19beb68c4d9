#include "common/filters.h"

#include <gtest/gtest.h>

namespace berth {
namespace {

TEST(FiltersTest, ParsesBothForms) {
  auto a = Filters::parse(R"({"type":{"container":true,"network":true}})");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->get("type").size(), 2U);
  auto b = Filters::parse(R"({"name":["c1"]})");
  ASSERT_TRUE(b.ok());
  EXPECT_TRUE(b->exactMatch("name", "c1"));
  EXPECT_FALSE(b->exactMatch("name", "c2"));
  EXPECT_TRUE(b->exactMatch("other", "anything"));
}

TEST(FiltersTest, RejectsMalformed) {
  EXPECT_FALSE(Filters::parse("{").ok());
  EXPECT_FALSE(Filters::parse("[]").ok());
  EXPECT_FALSE(Filters::parse(R"({"a":3})").ok());
  EXPECT_FALSE(Filters::parse(R"({"a":{"b":"yes"}})").ok());
  EXPECT_TRUE(Filters::parse("").ok());
}

TEST(FiltersTest, ValidateKeysNamesTheBadKey) {
  auto f = Filters::parse(R"({"bogus":{"x":true}})");
  ASSERT_TRUE(f.ok());
  auto st = f->validateKeys({"type", "name"});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message(), "invalid filter 'bogus'");
}

TEST(FiltersTest, FuzzyAndLabels) {
  Filters f;
  f.add("container", "3a4b");
  EXPECT_TRUE(f.fuzzyMatch("container", "3a4b5c6d"));
  EXPECT_FALSE(f.fuzzyMatch("container", "ffff"));
  f.add("label", "env");
  f.add("label", "tier=web");
  EXPECT_TRUE(f.matchKVList("label", {{"env", "x"}, {"tier", "web"}}));
  EXPECT_FALSE(f.matchKVList("label", {{"env", "x"}, {"tier", "db"}}));
  EXPECT_FALSE(f.matchKVList("label", {{"tier", "web"}}));
  auto round = Filters::parse(f.toJson());
  ASSERT_TRUE(round.ok());
  EXPECT_EQ(round->get("label").size(), 2U);
}

}  // namespace
}  // namespace berth
