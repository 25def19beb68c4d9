#include "cli/units.h"

#include <gtest/gtest.h>

namespace berth::cli {
namespace {

using std::chrono::seconds;

TEST(UnitsTest, HumanSizeLikeGoUnits) {
  EXPECT_EQ(humanSizeWithPrecision(0, 3), "0B");
  EXPECT_EQ(humanSizeWithPrecision(999, 3), "999B");
  EXPECT_EQ(humanSizeWithPrecision(1000, 3), "1kB");
  EXPECT_EQ(humanSizeWithPrecision(4261000, 3), "4.26MB");
  EXPECT_EQ(humanSizeWithPrecision(1234567890, 3), "1.23GB");
  EXPECT_EQ(humanSizeWithPrecision(12345, 3), "12.3kB");
  EXPECT_EQ(humanSize(4261000), "4.261MB");
  EXPECT_EQ(humanSize(12345), "12.35kB");
}

TEST(UnitsTest, HumanDurationLikeGoUnits) {
  EXPECT_EQ(humanDuration(std::chrono::milliseconds(300)), "Less than a second");
  EXPECT_EQ(humanDuration(seconds(1)), "1 second");
  EXPECT_EQ(humanDuration(seconds(3)), "3 seconds");
  EXPECT_EQ(humanDuration(seconds(59)), "59 seconds");
  EXPECT_EQ(humanDuration(seconds(60)), "About a minute");
  EXPECT_EQ(humanDuration(seconds(119)), "About a minute");
  EXPECT_EQ(humanDuration(seconds(120)), "2 minutes");
  EXPECT_EQ(humanDuration(seconds(3599)), "59 minutes");
  EXPECT_EQ(humanDuration(seconds(3600)), "About an hour");
  EXPECT_EQ(humanDuration(seconds(5400)), "2 hours");  // rounds
  EXPECT_EQ(humanDuration(seconds(47 * 3600)), "47 hours");
  EXPECT_EQ(humanDuration(seconds(3 * 86400)), "3 days");
  EXPECT_EQ(humanDuration(seconds(20 * 86400)), "2 weeks");
  EXPECT_EQ(humanDuration(seconds(90 * 86400)), "3 months");
  EXPECT_EQ(humanDuration(seconds(800 * 86400)), "2 years");
  auto now = std::chrono::system_clock::time_point(seconds(1'700'000'120));
  EXPECT_EQ(timeAgo(1'700'000'000, now), "2 minutes ago");
}

TEST(UnitsTest, RamInBytesLikeGoUnits) {
  EXPECT_EQ(*ramInBytes("512m"), 512LL << 20);
  EXPECT_EQ(*ramInBytes("1g"), 1LL << 30);
  EXPECT_EQ(*ramInBytes("1.5g"), 3LL << 29);
  EXPECT_EQ(*ramInBytes("64MiB"), 64LL << 20);
  EXPECT_EQ(*ramInBytes("128mb"), 128LL << 20);
  EXPECT_EQ(*ramInBytes("100"), 100);
  EXPECT_EQ(*ramInBytes("100b"), 100);
  EXPECT_EQ(*ramInBytes("10 k"), 10240);
  EXPECT_EQ(ramInBytes("12x").error().message(), "invalid suffix: 'x'");
  EXPECT_EQ(ramInBytes("1mx").error().message(), "invalid suffix: 'mx'");
  EXPECT_EQ(ramInBytes("m").error().message(), "invalid size: 'm'");
  EXPECT_EQ(ramInBytes("-1").error().message(), "invalid size: '-1'");
}

TEST(UnitsTest, NanoCpusFromRationals) {
  EXPECT_EQ(*parseNanoCpus("1.5"), 1'500'000'000);
  EXPECT_EQ(*parseNanoCpus("2"), 2'000'000'000);
  EXPECT_EQ(*parseNanoCpus("0.01"), 10'000'000);
  EXPECT_EQ(*parseNanoCpus("3/2"), 1'500'000'000);
  EXPECT_EQ(*parseNanoCpus("1e-1"), 100'000'000);
  EXPECT_EQ(parseNanoCpus("abc").error().message(),
            "failed to parse abc as a rational number");
  EXPECT_EQ(parseNanoCpus("0.0000000001").error().message(), "value is too precise");
  EXPECT_EQ(parseNanoCpus("1/0").error().message(), "failed to parse 1/0 as a rational number");
}

TEST(UnitsTest, Ellipsis) {
  EXPECT_EQ(ellipsis("nginx -g 'daemon off;'", 20), "nginx -g 'daemon of…");
  EXPECT_EQ(ellipsis("exactly twenty chars", 20), "exactly twenty chars");
  EXPECT_EQ(ellipsis("ééééé", 3), "éé…");
}

TEST(UnitsTest, TruncateIdAndNaturalOrder) {
  EXPECT_EQ(truncateId("sha256:0123456789abcdef0123"), "0123456789ab");
  EXPECT_EQ(truncateId("0123456789abcdef"), "0123456789ab");
  EXPECT_EQ(truncateId("<missing>"), "<missing>");
  EXPECT_TRUE(naturalLess("9/tcp", "80/tcp"));
  EXPECT_TRUE(naturalLess("80/tcp -> 0.0.0.0:8080", "443/tcp -> 0.0.0.0:8443"));
  EXPECT_FALSE(naturalLess("a10", "a9"));
  EXPECT_TRUE(naturalLess("a", "a1"));
}

TEST(UnitsTest, GoJsonIndentKeepsOrderAndEscapes) {
  EXPECT_EQ(goJsonIndent(R"([{"b":1,"a":[],"c":{},"d":"x\"y, {z}","e":[1,2]}])", "  "),
            "[\n  {\n    \"b\": 1,\n    \"a\": [],\n    \"c\": {},\n    \"d\": \"x\\\"y, {z}\",\n"
            "    \"e\": [\n      1,\n      2\n    ]\n  }\n]");
  EXPECT_EQ(goJsonIndent("[]", "    "), "[]");
}

TEST(UnitsTest, GoTimeStringInTheLocalZone) {
  ::setenv("TZ", "UTC", 1);  // NOLINT(concurrency-mt-unsafe): single-threaded test
  ::tzset();
  EXPECT_EQ(goTimeString(1'700'000'000), "2023-11-14 22:13:20 +0000 UTC");
}

}  // namespace
}  // namespace berth::cli
