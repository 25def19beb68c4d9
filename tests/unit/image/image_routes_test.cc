// The /images routes, through the Router as the server calls them.
#include "api/image_routes.h"

#include <gtest/gtest.h>

#include "api/router.h"
#include "common/strings.h"
#include "image/digest.h"
#include "service_fixture.h"

namespace berth::image {
namespace {

using json = nlohmann::json;
using testing::file;
using testing::makeTar;

class ImageRoutesTest : public testing::ServiceFixture {
 protected:
  void SetUp() override {
    ServiceFixture::SetUp();
    if (IsSkipped()) {
      return;
    }
    api::addImageRoutes(router_, *service_);
  }

  api::Reply call(const std::string& method, const std::string& target, std::string body = "") {
    api::Request req;
    req.method = method;
    EXPECT_TRUE(api::Router::parseTarget(target, req).ok()) << target;
    req.body = std::move(body);
    return router_.dispatch(req);
  }

  static std::vector<json> lines(const std::string& body) {
    std::vector<json> out;
    for (const auto& l : split(body, '\n')) {
      if (!trim(l).empty()) {
        out.push_back(json::parse(l));
      }
    }
    return out;
  }

  api::Router router_;
  std::string tar_ = makeTar({file("bin/sh", "x", 0755)});
};

TEST_F(ImageRoutesTest, ImportListInspectTagDelete) {
  auto r = call("POST",
                "/v1.44/images/create?fromSrc=-&repo=library%2Fbusybox&tag=latest"
                "&changes=ENV%20PATH%3D%2Fbin&changes=CMD%20%5B%22sh%22%5D&message=",
                tar_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.contentType, "application/json");
  auto status = lines(r.body);
  ASSERT_EQ(status.size(), 1u);
  std::string id = status[0]["status"];
  EXPECT_TRUE(isImageDigest(id));

  r = call("GET", "/v1.44/images/json");
  ASSERT_EQ(r.status, 200);
  json list = json::parse(r.body);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["RepoTags"], json({"busybox:latest"}));
  EXPECT_FALSE(list[0].contains("VirtualSize"));
  EXPECT_TRUE(json::parse(call("GET", "/v1.43/images/json").body)[0].contains("VirtualSize"));
  r = call("GET", "/images/json?filters=%7B%22reference%22%3A%5B%22nomatch%22%5D%7D");
  EXPECT_EQ(json::parse(r.body), json::array());
  EXPECT_EQ(call("GET", "/images/json?filters=%7B%22nope%22%3A%5B%22x%22%5D%7D").status, 400);

  // Names with slashes reach the handlers whole.
  r = call("GET", "/images/docker.io/library/busybox:latest/json");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["Config"]["Env"], json({"PATH=/bin"}));
  EXPECT_EQ(call("GET", "/images/nosuch/json").status, 404);
  EXPECT_EQ(json::parse(call("GET", "/images/nosuch/json").body)["message"],
            "No such image: nosuch:latest");
  EXPECT_EQ(call("GET", "/images/UPPER/json").status, 400);

  r = call("POST", "/images/busybox/tag?repo=myorg/tools&tag=v2");
  EXPECT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(call("POST", "/images/busybox/tag").status, 400);
  EXPECT_EQ(call("GET", "/images/myorg/tools:v2/json").status, 200);

  r = call("GET", "/images/myorg/tools:v2/history");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(json::parse(r.body)[0]["Id"], id);

  r = call("DELETE", "/images/myorg/tools:v2");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body), json::parse(R"([{"Untagged":"myorg/tools:v2"}])"));

  usage_.set(id, {{std::string(64, 'd'), false}});
  r = call("DELETE", "/images/busybox");
  EXPECT_EQ(r.status, 409);
  EXPECT_NE(json::parse(r.body)["message"].get<std::string>().find("(must force)"),
            std::string::npos);
  usage_.set(id, {});
  r = call("DELETE", "/images/busybox?force=1&noprune=0");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body).size(), 3u);
  EXPECT_EQ(actions(),
            (std::vector<std::string>{"tag", "import", "tag", "untag", "untag", "delete"}));
}

TEST_F(ImageRoutesTest, SaveLoadAndPrune) {
  ASSERT_EQ(call("POST", "/images/create?fromSrc=-&repo=a:1", tar_).status, 200);
  auto saved = call("GET", "/images/get?names=a:1");
  ASSERT_EQ(saved.status, 200) << saved.body;
  EXPECT_EQ(saved.contentType, "application/x-tar");
  auto one = call("GET", "/images/a:1/get");
  EXPECT_EQ(one.body, saved.body);  // deterministic

  ASSERT_EQ(call("DELETE", "/images/a:1").status, 200);
  expectEmpty();
  auto loaded = call("POST", "/images/load?quiet=1", saved.body);
  ASSERT_EQ(loaded.status, 200) << loaded.body;
  EXPECT_EQ(lines(loaded.body), std::vector<json>({json{{"stream", "Loaded image: a:1\n"}}}));
  EXPECT_EQ(call("POST", "/images/load", "garbage garbage garbage garbage").status, 400);

  // Untag it by moving the tag, then prune the dangling image.
  ASSERT_EQ(call("POST", "/images/create?fromSrc=-&repo=a:1", makeTar({file("other", "y")})).status,
            200);
  auto pruned = call("POST", "/images/prune?filters=%7B%22dangling%22%3A%5B%22true%22%5D%7D");
  ASSERT_EQ(pruned.status, 200) << pruned.body;
  json p = json::parse(pruned.body);
  EXPECT_EQ(p["ImagesDeleted"].size(), 2u);
  EXPECT_EQ(p["SpaceReclaimed"], 1);
  p = json::parse(call("POST", "/images/prune").body);
  EXPECT_TRUE(p["ImagesDeleted"].is_null());
  EXPECT_EQ(p["SpaceReclaimed"], 0);
}

TEST_F(ImageRoutesTest, CreateWithoutARegistry) {
  EXPECT_EQ(call("POST", "/images/create?fromSrc=-&repo=x", "").status, 400);
  EXPECT_EQ(call("POST", "/images/create?fromSrc=http%3A%2F%2Fexample.com%2Fx.tar").status, 501);
  EXPECT_EQ(call("POST", "/images/create").status, 400);
  EXPECT_EQ(call("POST", "/images/create?fromSrc=-&repo=x&changes=RUN%20x", tar_).status, 400);
  auto pull = call("POST", "/images/create?fromImage=busybox&tag=latest");
  EXPECT_EQ(pull.status, 404);
  EXPECT_NE(pull.body.find("pull access denied for busybox"), std::string::npos);
  ASSERT_EQ(call("POST", "/images/create?fromSrc=-&repo=busybox", tar_).status, 200);
  pull = call("POST", "/images/create?fromImage=busybox&tag=latest");
  ASSERT_EQ(pull.status, 200);
  EXPECT_EQ(lines(pull.body).back()["status"], "Status: Image is up to date for busybox:latest");
}

}  // namespace
}  // namespace berth::image
