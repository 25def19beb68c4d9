// The {name*} form of the Router, which image routes need for names with '/'.
#include <gtest/gtest.h>

#include "api/router.h"

namespace berth::api {
namespace {

Reply call(const Router& r, std::string method, std::string_view target) {
  Request req;
  req.method = std::move(method);
  EXPECT_TRUE(Router::parseTarget(target, req).ok());
  return r.dispatch(req);
}

class GreedyRouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto echo = [](const std::string& tag) {
      return [tag](Request& req) -> Result<Reply> {
        nlohmann::json j = {{"route", tag}};
        for (const auto& [k, v] : req.pathParams) {
          j[k] = v;
        }
        return Reply::json(200, j);
      };
    };
    router_.add("GET", "/images/{name*}/json", {}, echo("inspect"));
    router_.add("DELETE", "/images/{name*}", {}, echo("delete"));
    router_.add("GET", "/images/json", {}, echo("list"));
    router_.add("POST", "/images/{name*}/tag", {}, echo("tag"));
    router_.add("GET", "/containers/{id}/json", {}, echo("container"));
  }
  nlohmann::json body(std::string method, std::string_view target) {
    Reply r = call(router_, std::move(method), target);
    return nlohmann::json::parse(r.body);
  }
  Router router_;
};

TEST_F(GreedyRouterTest, TakesOneOrMoreSegments) {
  EXPECT_EQ(body("GET", "/images/busybox/json")["name"], "busybox");
  EXPECT_EQ(body("GET", "/images/library/busybox/json")["name"], "library/busybox");
  EXPECT_EQ(body("GET", "/v1.44/images/localhost:5000/a/b:v1/json")["name"],
            "localhost:5000/a/b:v1");
  EXPECT_EQ(body("POST", "/images/a/b/tag")["name"], "a/b");
  EXPECT_EQ(body("DELETE", "/images/a/b/c")["name"], "a/b/c");
  // Escaped slashes decode before matching, so they count as separators.
  EXPECT_EQ(body("GET", "/images/library%2Fbusybox/json")["name"], "library/busybox");
}

TEST_F(GreedyRouterTest, ExactRoutesWinOverGreedyOnes) {
  // Registered after the greedy inspect route, still matched first.
  EXPECT_EQ(body("GET", "/images/json")["route"], "list");
  // An image called "json" is reachable too.
  auto j = body("GET", "/images/json/json");
  EXPECT_EQ(j["route"], "inspect");
  EXPECT_EQ(j["name"], "json");
}

TEST_F(GreedyRouterTest, NeedsAtLeastOneSegmentAndTheRightMethod) {
  EXPECT_EQ(call(router_, "DELETE", "/images").status, 404);
  EXPECT_EQ(call(router_, "PUT", "/images/a/json").status, 404);
  // Plain params still match exactly one segment.
  EXPECT_EQ(call(router_, "GET", "/containers/a/b/json").status, 404);
  EXPECT_EQ(body("GET", "/containers/abc/json")["id"], "abc");
}

}  // namespace
}  // namespace berth::api
