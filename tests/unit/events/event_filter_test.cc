#include <gtest/gtest.h>

#include "events/event.h"

namespace berth::events {
namespace {

Filters parse(const char* json) {
  auto f = Filters::parse(json);
  EXPECT_TRUE(f.ok());
  return *f;
}

TEST(EventFilterTest, TypeEventAndNames) {
  Event ev{"container", "exec_start: sh -c true", "3a4b5c", {{"name", "web"}}, "local", 1};
  EXPECT_TRUE(matches(parse(R"({"type":{"container":true}})"), ev));
  EXPECT_FALSE(matches(parse(R"({"type":{"network":true}})"), ev));
  EXPECT_TRUE(matches(parse(R"({"event":{"exec_start":true}})"), ev));
  EXPECT_TRUE(matches(parse(R"({"container":{"web":true}})"), ev));
  EXPECT_TRUE(matches(parse(R"({"container":{"3a4b":true}})"), ev));
  EXPECT_FALSE(matches(parse(R"({"container":{"db":true}})"), ev));
  // A container filter excludes other types (dockerd's rule).
  Event net{"network", "connect", "ffee", {{"name", "localnet"}, {"container", "3a4b5c"}}, "local", 1};
  EXPECT_FALSE(matches(parse(R"({"container":{"web":true}})"), net));
  EXPECT_TRUE(matches(parse(R"({"network":{"localnet":true}})"), net));
}

TEST(EventFilterTest, ImageAndLabels) {
  Event ev{"container", "start", "id1", {{"image", "busybox:latest"}, {"tier", "web"}}, "local", 1};
  EXPECT_TRUE(matches(parse(R"({"image":{"busybox":true}})"), ev));
  EXPECT_TRUE(matches(parse(R"({"image":{"busybox:latest":true}})"), ev));
  EXPECT_FALSE(matches(parse(R"({"image":{"alpine":true}})"), ev));
  EXPECT_TRUE(matches(parse(R"({"label":{"tier=web":true}})"), ev));
  EXPECT_FALSE(matches(parse(R"({"label":{"tier=db":true}})"), ev));
}

TEST(EventFilterTest, ValidatesKeys) {
  EXPECT_TRUE(validateEventFilters(parse(R"({"type":{"x":true}})")).ok());
  EXPECT_FALSE(validateEventFilters(parse(R"({"colour":{"x":true}})")).ok());
}

}  // namespace
}  // namespace berth::events
