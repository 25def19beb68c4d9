#include "common/time_format.h"

#include <gtest/gtest.h>

#include <cstdint>

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

TEST(TimeFormat, GoZeroTimeStandsForNever) {
  EXPECT_EQ(formatGoTime(0), "0001-01-01T00:00:00Z");
  EXPECT_EQ(formatGoTime(kT + 500'000'000), "2026-11-21T09:00:00.5Z");
}

// From the container service's time values (prune's `until`).
TEST(TimeValuesTest, DurationsAndUntil) {
  EXPECT_EQ(*parseGoDuration("1h30m"), int64_t{5400} * 1000000000);
  EXPECT_EQ(*parseGoDuration("1.5s"), 1500000000);
  EXPECT_EQ(*parseGoDuration("300ms"), 300000000);
  EXPECT_FALSE(parseGoDuration("10").ok());
  EXPECT_FALSE(parseGoDuration("1d").ok());
  const int64_t now = int64_t{2000} * 1000000000;
  EXPECT_EQ(*parseFilterTimestamp("10s", now), now - int64_t{10} * 1000000000);
  EXPECT_EQ(*parseFilterTimestamp("1500", now), int64_t{1500} * 1000000000);
  EXPECT_EQ(*parseFilterTimestamp("1500.25", now), int64_t{1500250000000});
  EXPECT_EQ(*parseFilterTimestamp("2030-01-01", now), int64_t{1893456000} * 1000000000);
  EXPECT_EQ(*parseFilterTimestamp("2030-01-01T00:00:01", now), int64_t{1893456001} * 1000000000);
  EXPECT_EQ(parseFilterTimestamp("soon", now).error().message(),
            "failed to parse value as time or duration: \"soon\"");
}

TEST(TimeFormat, GoDurationsLikeGo) {
  constexpr int64_t kMs = 1'000'000;
  EXPECT_EQ(*parseGoDuration("0"), 0);
  EXPECT_EQ(*parseGoDuration("-1m"), -60'000 * kMs);
  EXPECT_EQ(*parseGoDuration("+2s"), 2'000 * kMs);
  EXPECT_EQ(*parseGoDuration(".5s"), 500 * kMs);
  EXPECT_EQ(*parseGoDuration("1us"), 1'000);
  EXPECT_EQ(*parseGoDuration("1\xC2\xB5s"), 1'000);  // µs
  EXPECT_EQ(*parseGoDuration("2h45m30.5s"),
            int64_t{2 * 3600 + 45 * 60} * 1'000 * kMs + 30'500 * kMs);
  EXPECT_EQ(*parseGoDuration("1.000000001s"), 1'000'000'001);
  EXPECT_EQ(*parseGoDuration("2562047h47m16.854775807s"), INT64_MAX);
  EXPECT_EQ(*parseGoDuration("-2562047h47m16.854775808s"), INT64_MIN);
  for (const char* bad : {"", "-", "s", ".s", "1.2.3s", "1h-1m", "2562047h47m16.854775808s"}) {
    EXPECT_FALSE(parseGoDuration(bad).ok()) << bad;
  }
  EXPECT_EQ(parseGoDuration("10").error().message(), "time: missing unit in duration \"10\"");
  EXPECT_EQ(parseGoDuration("1d").error().message(), "time: unknown unit \"d\" in duration \"1d\"");
}

TEST(TimeFormat, FilterTimestampForms) {
  const int64_t now = kT;
  EXPECT_EQ(*parseFilterTimestamp("0", now), 0);  // Unix time 0, as dockerd reads it
  EXPECT_EQ(*parseFilterTimestamp("-10m", now), now + 600 * int64_t{1'000'000'000});
  EXPECT_EQ(*parseFilterTimestamp("1500.123456789999", now), int64_t{1500123456789});
  EXPECT_EQ(*parseFilterTimestamp("2026-11-21T09:00:00.5", now), kT + 500'000'000);
  EXPECT_EQ(*parseFilterTimestamp("2026-11-21T09:00:00z", now), kT);
  EXPECT_EQ(*parseFilterTimestamp("2026-11-21T10:00:00+01:00", now), kT);
  for (const char* bad : {"", ".5", "5.", "1.2.3", "99999999999999999999", "2026-13-01", "-5"}) {
    EXPECT_FALSE(parseFilterTimestamp(bad, now).ok()) << bad;
  }
}

}  // namespace
}  // namespace berth
