#include "api/router.h"

#include <gtest/gtest.h>

namespace berth::api {
namespace {

Request parsed(std::string_view target, std::string method = "GET") {
  Request req;
  req.method = std::move(method);
  Status st = Router::parseTarget(target, req);
  EXPECT_TRUE(st.ok()) << target << ": " << st.error().message();
  return req;
}

std::string parseError(std::string_view target) {
  Request req;
  Status st = Router::parseTarget(target, req);
  if (st.ok()) {
    ADD_FAILURE() << target << " was accepted";
    return {};
  }
  EXPECT_EQ(httpStatus(st.error().kind()), 400) << target;
  return st.error().message();
}

nlohmann::json bodyOf(const Reply& r) { return nlohmann::json::parse(r.body); }

TEST(RouterTest, VersionPrefixIsStrippedAndChecked) {
  Request a = parsed("/v1.44/info");
  EXPECT_EQ(a.path, "/info");
  EXPECT_EQ(a.apiVersion, "1.44");
  Request b = parsed("/v1.24/containers/json");
  EXPECT_EQ(b.path, "/containers/json");
  EXPECT_EQ(b.apiVersion, "1.24");
  Request c = parsed("/v1.41/version");
  EXPECT_EQ(c.apiVersion, "1.41");

  // Unversioned requests get the newest version, as dockerd does.
  Request d = parsed("/info");
  EXPECT_EQ(d.path, "/info");
  EXPECT_EQ(d.apiVersion, kApiVersion);

  Request bare = parsed("/v1.44");
  EXPECT_EQ(bare.path, "/");
  // "/vfoo" is not a version, just a path.
  EXPECT_EQ(parsed("/vfoo/x").path, "/vfoo/x");
}

TEST(RouterTest, VersionOutOfRangeUsesDockerdWording) {
  EXPECT_EQ(parseError("/v1.45/info"),
            "client version 1.45 is too new. Maximum supported API version is 1.44");
  EXPECT_EQ(parseError("/v2.0/info"),
            "client version 2.0 is too new. Maximum supported API version is 1.44");
  EXPECT_EQ(parseError("/v1.12/info"),
            "client version 1.12 is too old. Minimum supported API version is 1.24, "
            "please upgrade your client to a newer version");
  EXPECT_EQ(parseError("/v1.23/_ping"),
            "client version 1.23 is too old. Minimum supported API version is 1.24, "
            "please upgrade your client to a newer version");
}

TEST(RouterTest, DoubledLeadingSlashKeepsThePath) {
  // Regression: the prefix was cut by length from the raw path, leaving "4/info".
  Request r = parsed("//v1.44/info");
  EXPECT_EQ(r.path, "/info");
  EXPECT_EQ(r.apiVersion, "1.44");
}

TEST(RouterTest, RejectsTargetsThatAreNotPaths) {
  EXPECT_EQ(parseError(""), "invalid request target");
  EXPECT_EQ(parseError("info"), "invalid request target");
  EXPECT_EQ(parseError("*"), "invalid request target");
  EXPECT_EQ(parseError("http://host/v1.44/info"), "invalid request target");
}

TEST(RouterTest, QueryStringKeepsRepeatedKeysInOrder) {
  Request r = parsed("/v1.44/images/json?a=1&b&a=2&&c=x%20y+z&%66ilters=%7B%7D");
  EXPECT_EQ(r.query.count("a"), 2U);
  auto range = r.query.equal_range("a");
  std::vector<std::string> as;
  for (auto it = range.first; it != range.second; ++it) {
    as.push_back(it->second);
  }
  EXPECT_EQ(as, (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(r.queryValue("a"), "2");  // the last one wins
  EXPECT_EQ(r.queryValue("b"), "");
  EXPECT_EQ(r.queryValue("c"), "x y z");
  EXPECT_EQ(r.queryValue("filters"), "{}");
  EXPECT_EQ(r.queryValue("missing"), std::nullopt);
  EXPECT_EQ(r.query.size(), 5U);  // empty pairs are skipped
}

TEST(RouterTest, BadEscapeInQueryIsRefused) {
  EXPECT_EQ(parseError("/info?a=%zz"), "invalid URL escape in query string");
  EXPECT_EQ(parseError("/info?a=%4"), "invalid URL escape in query string");
  EXPECT_EQ(parseError("/info?%=1"), "invalid URL escape in query string");
}

TEST(RouterTest, UrlDecodeEdgeCases) {
  EXPECT_EQ(urlDecode("").value(), "");
  EXPECT_EQ(urlDecode("plain").value(), "plain");
  EXPECT_EQ(urlDecode("+").value(), " ");
  EXPECT_EQ(urlDecode("a+b").value(), "a b");
  EXPECT_EQ(urlDecode("%41").value(), "A");
  EXPECT_EQ(urlDecode("%2f%2F").value(), "//");
  EXPECT_EQ(urlDecode("%2B").value(), "+");
  EXPECT_EQ(urlDecode("x%41").value(), "xA");
  EXPECT_EQ(urlDecode("%00").value(), std::string(1, '\0'));
  EXPECT_EQ(urlDecode("%ff").value(), "\xff");
  EXPECT_FALSE(urlDecode("%").ok());
  EXPECT_FALSE(urlDecode("%4").ok());
  EXPECT_FALSE(urlDecode("ab%4").ok());
  EXPECT_FALSE(urlDecode("%zz").ok());
  EXPECT_FALSE(urlDecode("%4z").ok());
  EXPECT_FALSE(urlDecode("%%41").ok());
  EXPECT_FALSE(urlDecode("% 1").ok());
  // Regression: from_chars took a sign, so "%-1" decoded to '\xff'.
  EXPECT_FALSE(urlDecode("%-1").ok());
  EXPECT_FALSE(urlDecode("%+1").ok());
}

TEST(RouterTest, CompareVersionsIsNumeric) {
  EXPECT_GT(compareVersions("1.44", "1.5"), 0);
  EXPECT_LT(compareVersions("1.9", "1.10"), 0);
  EXPECT_EQ(compareVersions("1.24", "1.24"), 0);
  EXPECT_EQ(compareVersions("1.24", "1.24.0"), 0);
  EXPECT_GT(compareVersions("2", "1.44"), 0);
}

class DispatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.add("GET", "/containers/{id}/json", {.query = {"size"}}, [](Request& req) -> Result<Reply> {
      return Reply::json(200, {{"id", req.pathParams.at("id")},
                               {"size", req.queryBool("size").value()}});
    });
    router_.add("GET", "/throws", {}, [](Request&) -> Result<Reply> {
      nlohmann::json j = {{"IPRange", nullptr}};
      return Reply::json(200, {{"range", j.value("IPRange", "")}});  // throws type_error
    });
    router_.add("POST", "/containers/{id}/rename", {.query = {"name"}, .maxBody = 16},
                [](Request& req) -> Result<Reply> {
                  return Reply::json(200, {{"id", req.pathParams.at("id")},
                                           {"name", req.queryValue("name").value_or("")}});
                });
    router_.add("GET", "/networks/{net}/endpoints/{ep}", {}, [](Request& req) -> Result<Reply> {
      return Reply::json(200, {{"net", req.pathParams.at("net")}, {"ep", req.pathParams.at("ep")}});
    });
    router_.add("GET", "/fail/{kind}", {}, [](Request& req) -> Result<Reply> {
      const std::string& k = req.pathParams.at("kind");
      if (k == "invalid") {
        return invalidArgument("bad input");
      }
      if (k == "notfound") {
        return notFound("no such thing");
      }
      if (k == "conflict") {
        return conflict("already there");
      }
      if (k == "forbidden") {
        return forbidden("not allowed");
      }
      if (k == "unavailable") {
        return unavailable("missing feature");
      }
      if (k == "notimpl") {
        return notImplemented("not yet");
      }
      return internal("boom");
    });
  }

  Reply call(std::string method, std::string_view target) {
    Request req = parsed(target, std::move(method));
    return router_.dispatch(req);
  }

  Router router_;
};

TEST_F(DispatchTest, CapturesPathParams) {
  Reply r = call("GET", "/v1.44/containers/abc123/json?size=1");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(bodyOf(r)["id"], "abc123");
  EXPECT_EQ(bodyOf(r)["size"], true);
  EXPECT_EQ(r.contentType, "application/json");

  Reply two = call("GET", "/networks/n1/endpoints/e%2D2");
  ASSERT_EQ(two.status, 200);
  EXPECT_EQ(bodyOf(two)["net"], "n1");
  EXPECT_EQ(bodyOf(two)["ep"], "e-2");

  // A trailing slash does not make another path.
  EXPECT_EQ(call("GET", "/containers/abc/json/").status, 200);
}

TEST_F(DispatchTest, UnknownPathAndWrongMethodArePageNotFound) {
  for (auto [method, target] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/nope"},
           {"GET", "/containers/abc"},
           {"GET", "/containers/abc/json/extra"},
           {"DELETE", "/containers/abc/json"},
           {"POST", "/containers/abc/json"},
       }) {
    Reply r = call(method, target);
    EXPECT_EQ(r.status, 404) << method << " " << target;
    EXPECT_EQ(bodyOf(r), nlohmann::json({{"message", "page not found"}}));
  }
}

TEST_F(DispatchTest, UnknownQueryParameterIsIgnoredAsDockerdDoes) {
  // docker-py sends parameters dockerd never read (only_ids, trunc_cmd).
  EXPECT_EQ(call("GET", "/containers/abc/json?size=1&bogus=2").status, 200);
  EXPECT_EQ(call("GET", "/containers/abc/json?name=x").status, 200);
}

TEST_F(DispatchTest, ErrorKindsMapToStatusCodes) {
  const std::vector<std::tuple<std::string, int, std::string>> cases = {
      {"invalid", 400, "bad input"},       {"notfound", 404, "no such thing"},
      {"conflict", 409, "already there"},  {"forbidden", 403, "not allowed"},
      {"unavailable", 503, "missing feature"}, {"notimpl", 501, "not yet"},
      {"internal", 500, "boom"},
  };
  for (const auto& [kind, status, message] : cases) {
    Reply r = call("GET", "/fail/" + kind);
    EXPECT_EQ(r.status, status) << kind;
    EXPECT_EQ(r.contentType, "application/json");
    EXPECT_EQ(bodyOf(r), nlohmann::json({{"message", message}})) << kind;
  }
}

TEST_F(DispatchTest, MaxBodyForFindsTheRoute) {
  EXPECT_EQ(router_.maxBodyFor("POST", "/v1.44/containers/x/rename?name=y"), 16U);
  EXPECT_EQ(router_.maxBodyFor("GET", "/containers/x/json"), 0U);
  EXPECT_EQ(router_.maxBodyFor("POST", "/nope"), 0U);
  EXPECT_EQ(router_.maxBodyFor("POST", "/v9.0/containers/x/rename"), 0U);
  EXPECT_EQ(router_.maxBodyFor("POST", "/x?%zz"), 0U);
}

TEST_F(DispatchTest, AThrowingHandlerIsA400NotACrash) {
  Reply r = call("GET", "/throws");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(bodyOf(r)["message"].get<std::string>().find("wrong type"), std::string::npos);
}

TEST_F(DispatchTest, InvalidUtf8InAMessageStillEncodes) {
  Reply r = call("GET", "/containers/abc/json?%ff=1");
  EXPECT_TRUE(nlohmann::json::accept(r.body));
}

}  // namespace
}  // namespace berth::api
