#include "api/http_types.h"

#include <gtest/gtest.h>

namespace berth::api {
namespace {

Request withQuery(std::initializer_list<std::pair<const std::string, std::string>> q) {
  Request r;
  r.query = q;
  return r;
}

Request withBody(std::string contentType, std::string body) {
  Request r;
  r.method = "POST";
  if (!contentType.empty()) {
    r.headers["content-type"] = std::move(contentType);
  }
  r.body = std::move(body);
  return r;
}

TEST(RequestTest, QueryBoolFollowsDockerdBoolValue) {
  EXPECT_FALSE(withQuery({}).queryBool("all").value());
  EXPECT_TRUE(withQuery({}).queryBool("all", true).value());
  for (const char* yes : {"1", "true", "True", "TRUE", "yes", "on", "anything"}) {
    EXPECT_TRUE(withQuery({{"all", yes}}).queryBool("all").value()) << yes;
  }
  for (const char* no : {"", "0", "false", "False", " FALSE ", "no", "none"}) {
    EXPECT_FALSE(withQuery({{"all", no}}).queryBool("all", true).value()) << "'" << no << "'";
  }
  // The last of repeated keys wins.
  Request r;
  r.query.emplace("all", "1");
  r.query.emplace("all", "0");
  EXPECT_FALSE(r.queryBool("all").value());
}

TEST(RequestTest, QueryInt) {
  EXPECT_EQ(withQuery({}).queryInt("limit", -1).value(), -1);
  EXPECT_EQ(withQuery({{"limit", ""}}).queryInt("limit", 7).value(), 7);
  EXPECT_EQ(withQuery({{"limit", "42"}}).queryInt("limit", 0).value(), 42);
  EXPECT_EQ(withQuery({{"limit", "-3"}}).queryInt("limit", 0).value(), -3);
  EXPECT_EQ(withQuery({{"t", "9223372036854775807"}}).queryInt("t", 0).value(),
            INT64_MAX);
  auto bad = withQuery({{"limit", "4x"}}).queryInt("limit", 0);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind(), ErrorKind::kInvalidArgument);
  EXPECT_EQ(bad.error().message(), "invalid value for limit: 4x is not an integer");
  EXPECT_FALSE(withQuery({{"t", "9223372036854775808"}}).queryInt("t", 0).ok());
  EXPECT_FALSE(withQuery({{"t", " 1"}}).queryInt("t", 0).ok());
  EXPECT_FALSE(withQuery({{"t", "0x10"}}).queryInt("t", 0).ok());
}

TEST(RequestTest, HeaderLookupIsByLowerCaseName) {
  Request r;
  r.headers["x-registry-auth"] = "abc";
  EXPECT_EQ(r.header("x-registry-auth"), "abc");
  EXPECT_EQ(r.header("x-missing"), "");
}

TEST(RequestTest, JsonAcceptsJsonContentTypes) {
  for (const char* ct : {"", "application/json", "application/json; charset=utf-8",
                         "Application/JSON", "application/json ; charset=utf-8"}) {
    auto doc = withBody(ct, R"({"Image":"busybox"})").json();
    ASSERT_TRUE(doc.ok()) << "'" << ct << "': " << doc.error().message();
    EXPECT_EQ((*doc)["Image"], "busybox");
  }
}

TEST(RequestTest, JsonRefusesOtherContentTypes) {
  for (const char* ct : {"text/plain", "application/x-tar", "application/jsonx"}) {
    auto doc = withBody(ct, "{}").json();
    ASSERT_FALSE(doc.ok()) << ct;
    EXPECT_EQ(httpStatus(doc.error().kind()), 400);
    EXPECT_EQ(doc.error().message(),
              "unsupported Content-Type header (" + std::string(ct) +
                  "): must be 'application/json'");
  }
  // dockerd's CheckForJSON refuses a non-JSON Content-Type even with no body.
  EXPECT_FALSE(withBody("text/plain", "").json().ok());
}

TEST(RequestTest, JsonEmptyBodyIsAnEmptyObject) {
  for (const char* body : {"", " ", "\r\n\t "}) {
    auto doc = withBody("application/json", body).json();
    ASSERT_TRUE(doc.ok());
    EXPECT_EQ(*doc, nlohmann::json::object());
  }
  EXPECT_EQ(*withBody("", "").json(), nlohmann::json::object());
}

TEST(RequestTest, JsonRefusesMalformedBodies) {
  for (const char* body : {"{", "{\"a\":}", "{} x", "nul", "\xff", "[1,]"}) {
    auto doc = withBody("application/json", body).json();
    ASSERT_FALSE(doc.ok()) << body;
    EXPECT_EQ(httpStatus(doc.error().kind()), 400);
    EXPECT_EQ(doc.error().message(), "invalid JSON in request body");
  }
  // Any JSON value parses; routes check the shape they need.
  EXPECT_TRUE(withBody("application/json", "[1,2]").json()->is_array());
}

TEST(ReplyTest, Shapes) {
  Reply j = Reply::json(201, {{"Id", "abc"}});
  EXPECT_EQ(j.status, 201);
  EXPECT_EQ(j.contentType, "application/json");
  EXPECT_EQ(j.body, "{\"Id\":\"abc\"}\n");

  Reply t = Reply::text(200, "OK");
  EXPECT_EQ(t.contentType, "text/plain; charset=utf-8");

  Reply n = Reply::noContent();
  EXPECT_EQ(n.status, 204);
  EXPECT_TRUE(n.body.empty());
  EXPECT_TRUE(n.contentType.empty());

  Reply e = Reply::error(notFound("No such container: x"));
  EXPECT_EQ(e.status, 404);
  EXPECT_EQ(e.body, "{\"message\":\"No such container: x\"}\n");

  // Invalid UTF-8 from user input must not make encoding throw.
  Reply bad = Reply::error(invalidArgument("name '\xff\xfe' is invalid"));
  EXPECT_EQ(bad.status, 400);
  EXPECT_TRUE(nlohmann::json::accept(bad.body));
}

TEST(ReplyTest, HttpStatusTable) {
  EXPECT_EQ(httpStatus(ErrorKind::kInvalidArgument), 400);
  EXPECT_EQ(httpStatus(ErrorKind::kForbidden), 403);
  EXPECT_EQ(httpStatus(ErrorKind::kNotFound), 404);
  EXPECT_EQ(httpStatus(ErrorKind::kConflict), 409);
  EXPECT_EQ(httpStatus(ErrorKind::kInternal), 500);
  EXPECT_EQ(httpStatus(ErrorKind::kNotImplemented), 501);
  EXPECT_EQ(httpStatus(ErrorKind::kUnavailable), 503);
}

}  // namespace
}  // namespace berth::api
