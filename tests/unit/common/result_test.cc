#include "common/result.h"

#include <gtest/gtest.h>

#include <string>

#include "common/ids.h"

namespace berth {
namespace {

Result<int> half(int x) {
  if (x % 2 != 0) {
    return invalidArgument("odd: " + std::to_string(x));
  }
  return x / 2;
}

Result<int> quarter(int x) {
  BERTH_ASSIGN_OR_RETURN(int h, half(x));
  return half(h);
}

Status checkEven(int x) {
  BERTH_TRY(half(x));
  return okStatus();
}

TEST(ResultTest, ValueAndErrorPropagate) {
  EXPECT_EQ(*quarter(8), 2);
  auto r = quarter(6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidArgument);
  EXPECT_EQ(r.error().message(), "odd: 3");
  EXPECT_TRUE(checkEven(4).ok());
  EXPECT_FALSE(checkEven(5).ok());
}

TEST(ResultTest, ContextPrefixesMessage) {
  Error e = notFound("no such network: x");
  e.withContext("connect c1");
  EXPECT_EQ(e.message(), "connect c1: no such network: x");
}

TEST(IdsTest, GeneratesDistinctHexIds) {
  std::string a = generateId();
  std::string b = generateId();
  EXPECT_EQ(a.size(), 64U);
  EXPECT_NE(a, b);
  EXPECT_TRUE(isHexIdPrefix(a));
  EXPECT_EQ(shortId(a), a.substr(0, 12));
  EXPECT_FALSE(isHexIdPrefix("xyz"));
  EXPECT_FALSE(isHexIdPrefix(""));
}

}  // namespace
}  // namespace berth
