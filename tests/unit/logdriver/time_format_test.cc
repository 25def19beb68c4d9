#include "logdriver/time_format.h"

#include <gtest/gtest.h>

namespace berth {
namespace {

constexpr int64_t kT = 1795251600LL * 1'000'000'000;  // 2026-11-21T09:00:00Z

TEST(TimeFormat, Rfc3339NanoTrimsZerosLikeGo) {
  EXPECT_EQ(formatRfc3339Nano(kT + 123456789), "2026-11-21T09:00:00.123456789Z");
  EXPECT_EQ(formatRfc3339Nano(kT + 123456700), "2026-11-21T09:00:00.1234567Z");
  EXPECT_EQ(formatRfc3339Nano(kT + 500'000'000), "2026-11-21T09:00:00.5Z");
  EXPECT_EQ(formatRfc3339Nano(kT), "2026-11-21T09:00:00Z");
}

TEST(TimeFormat, FixedAlwaysHasNineDigits) {
  EXPECT_EQ(formatRfc3339NanoFixed(kT + 500'000'000), "2026-11-21T09:00:00.500000000Z");
  EXPECT_EQ(formatRfc3339NanoFixed(kT), "2026-11-21T09:00:00.000000000Z");
}

TEST(TimeFormat, ParsesWhatItFormatsAndOffsets) {
  EXPECT_EQ(*parseRfc3339("2026-11-21T09:00:00.123456789Z"), kT + 123456789);
  EXPECT_EQ(*parseRfc3339("2026-11-21T09:00:00.5Z"), kT + 500'000'000);
  EXPECT_EQ(*parseRfc3339("2026-11-21T09:00:00Z"), kT);
  EXPECT_EQ(*parseRfc3339("2026-11-21T10:30:00+01:30"), kT);
  EXPECT_EQ(*parseRfc3339("2026-11-21T08:00:00-01:00"), kT);
  EXPECT_EQ(*parseRfc3339("1970-01-01T00:00:00Z"), 0);
  for (const char* bad : {"", "2026-11-21", "2026-11-21T09:00:00", "2026-13-21T09:00:00Z",
                          "2026-11-21T09:00:00.Z", "2026-11-21T09:00:00Zjunk", "yesterday"}) {
    EXPECT_FALSE(parseRfc3339(bad).ok()) << bad;
  }
}

TEST(TimeFormat, RoundTripsOverAYear) {
  for (int64_t s = 0; s < 400LL * 86400; s += int64_t{86399} * 7) {
    int64_t t = kT + s * int64_t{1'000'000'000} + 42;
    EXPECT_EQ(*parseRfc3339(formatRfc3339Nano(t)), t);
  }
}

}  // namespace
}  // namespace berth
