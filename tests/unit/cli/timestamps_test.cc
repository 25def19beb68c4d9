#include "cli/timestamps.h"

#include <gtest/gtest.h>

namespace berth::cli {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::nanoseconds;
using std::chrono::seconds;

// 2023-11-14T22:13:20Z
const auto kNow = std::chrono::system_clock::time_point(seconds(1'700'000'000));
constexpr int64_t kJan2 = 1'136'160'000;          // 2006-01-02T00:00:00Z
constexpr int64_t kJan2At150405 = 1'136'214'245;  // 2006-01-02T15:04:05Z

std::string stamp(std::string_view value, int offset = 0) {
  auto r = parseTimestampArg(value, kNow, offset);
  EXPECT_TRUE(r.ok()) << value << ": " << (r.ok() ? "" : r.error().message());
  return r.ok() ? *r : "";
}

TEST(GoDurationTest, ParsesGoSyntax) {
  EXPECT_EQ(*parseGoDuration("10m"), minutes(10));
  EXPECT_EQ(*parseGoDuration("1h30m"), minutes(90));
  EXPECT_EQ(*parseGoDuration("1.5h"), minutes(90));
  EXPECT_EQ(*parseGoDuration("300ms"), milliseconds(300));
  EXPECT_EQ(*parseGoDuration("-1m"), -minutes(1));
  EXPECT_EQ(*parseGoDuration("+2s"), seconds(2));
  EXPECT_EQ(*parseGoDuration("1us"), nanoseconds(1000));
  EXPECT_EQ(*parseGoDuration("1\xC2\xB5s"), nanoseconds(1000));  // µs
  EXPECT_EQ(*parseGoDuration(".5s"), milliseconds(500));
  EXPECT_EQ(*parseGoDuration("0"), nanoseconds(0));
  EXPECT_EQ(*parseGoDuration("0s"), nanoseconds(0));
  EXPECT_EQ(*parseGoDuration("2h45m30.5s"), hours(2) + minutes(45) + milliseconds(30'500));
}

TEST(GoDurationTest, RejectsWhatGoRejects) {
  for (const char* bad :
       {"", "10", "1x", ".", "1.s.", "s", "-", "1h-1m", "99999999999999999999h"}) {
    EXPECT_FALSE(parseGoDuration(bad).ok()) << bad;
  }
  EXPECT_EQ(parseGoDuration("10").error().message(), "time: missing unit in duration \"10\"");
}

TEST(TimestampArgTest, DurationsCountBackFromNow) {
  EXPECT_EQ(stamp("10m"), "1699999400");
  EXPECT_EQ(stamp("1h30m"), "1699994600");
  EXPECT_EQ(stamp("0s"), "1700000000");
  EXPECT_EQ(stamp("-10s"), "1700000010");  // a negative duration is in the future
}

TEST(TimestampArgTest, DatesAndRfc3339) {
  EXPECT_EQ(stamp("2006-01-02"), std::to_string(kJan2) + ".000000000");
  EXPECT_EQ(stamp("2006-01-02", 3600), std::to_string(kJan2 - 3600) + ".000000000");
  EXPECT_EQ(stamp("2006-01-02T15:04:05Z"), std::to_string(kJan2At150405) + ".000000000");
  EXPECT_EQ(stamp("2006-01-02T15:04:05.123456789Z"), std::to_string(kJan2At150405) + ".123456789");
  EXPECT_EQ(stamp("2006-01-02T15:04:05+07:00"),
            std::to_string(kJan2At150405 - int64_t{7} * 3600) + ".000000000");
  EXPECT_EQ(stamp("2006-01-02T15:04:05-07:00"),
            std::to_string(kJan2At150405 + int64_t{7} * 3600) + ".000000000");
  EXPECT_EQ(stamp("2006-01-02T15:04:05.5+01:00"),
            std::to_string(kJan2At150405 - 3600) + ".500000000");
  // Without a zone: the local zone of `now`.
  EXPECT_EQ(stamp("2006-01-02T15:04:05", 3600),
            std::to_string(kJan2At150405 - 3600) + ".000000000");
  EXPECT_EQ(stamp("2006-01-02T15:04:05.25", -3600),
            std::to_string(kJan2At150405 + 3600) + ".250000000");
  EXPECT_EQ(stamp("2006-01-02T15"), std::to_string(kJan2 + int64_t{15} * 3600) + ".000000000");
  EXPECT_EQ(stamp("2006-01-02T15:04"),
            std::to_string(kJan2 + int64_t{15} * 3600 + int64_t{4} * 60) + ".000000000");
  EXPECT_EQ(stamp("2006-01-02T15:04Z"),
            std::to_string(kJan2 + int64_t{15} * 3600 + int64_t{4} * 60) + ".000000000");
  EXPECT_EQ(stamp("2006-01-02+01:00"), std::to_string(kJan2 - 3600) + ".000000000");
  EXPECT_EQ(stamp("2006-01-02T15:04:05.123456789123Z"),
            std::to_string(kJan2At150405) + ".123456789");
}

TEST(TimestampArgTest, UnixSecondsPassThrough) {
  EXPECT_EQ(stamp("1136073600"), "1136073600");
  EXPECT_EQ(stamp("1136073600.000000001"), "1136073600.000000001");
  EXPECT_EQ(stamp("0"), "0");  // "0" is not a duration for docker
}

TEST(TimestampArgTest, ErrorsReadLikeDocker) {
  auto bad = parseTimestampArg("foo", kNow, 0);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(), "failed to parse value as time or duration: \"foo\"");
  EXPECT_FALSE(parseTimestampArg("1.", kNow, 0).ok());
  auto month = parseTimestampArg("2006-13-02", kNow, 0);
  ASSERT_FALSE(month.ok());
  EXPECT_EQ(month.error().message(), "parsing time \"2006-13-02\": month out of range");
  auto day = parseTimestampArg("2006-02-30", kNow, 0);
  ASSERT_FALSE(day.ok());
  EXPECT_EQ(day.error().message(), "parsing time \"2006-02-30\": day out of range");
  auto shape = parseTimestampArg("2006-1-02", kNow, 0);
  ASSERT_FALSE(shape.ok());
  EXPECT_EQ(shape.error().message(),
            "parsing time \"2006-1-02\" as \"2006-01-02\": cannot parse \"1-02\" as \"01\"");
}

TEST(TimeFormatTest, Rfc3339NanoFixed) {
  const int64_t ns = kJan2At150405 * 1'000'000'000 + 123'456'789;
  EXPECT_EQ(formatRfc3339NanoFixed(ns, 0), "2006-01-02T15:04:05.123456789Z");
  EXPECT_EQ(formatRfc3339NanoFixed(ns, -5 * 3600), "2006-01-02T10:04:05.123456789-05:00");
  EXPECT_EQ(formatRfc3339NanoFixed(ns, 5 * 3600 + 1800), "2006-01-02T20:34:05.123456789+05:30");
  EXPECT_EQ(formatRfc3339NanoFixed(kJan2 * 1'000'000'000, 0), "2006-01-02T00:00:00.000000000Z");
}

TEST(TimeFormatTest, Ansic) {
  EXPECT_EQ(formatAnsic(kJan2At150405, 0), "Mon Jan  2 15:04:05 2006");
  EXPECT_EQ(formatAnsic(1'700'000'000, 0), "Tue Nov 14 22:13:20 2023");
}

}  // namespace
}  // namespace berth::cli
