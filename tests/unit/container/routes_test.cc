// The container and exec routes, dispatched through the Router to a service
// with fake collaborators.
#include <gtest/gtest.h>

#include "api/container_routes.h"
#include "api/exec_routes.h"
#include "fakes.h"

namespace berth::container {
namespace {

using nlohmann::json;

class RoutesTest : public testing::ServiceFixture {
 protected:
  void SetUp() override {
    ServiceFixture::SetUp();
    api::addContainerRoutes(router, *svc);
    api::addExecRoutes(router, *svc);
  }

  api::Reply call(const std::string& method, const std::string& target,
                  const std::string& reqBody = "") {
    api::Request req;
    req.method = method;
    Status st = api::Router::parseTarget(target, req);
    EXPECT_TRUE(st.ok()) << target;
    req.body = reqBody;
    if (!reqBody.empty()) {
      req.headers["content-type"] = "application/json";
    }
    return router.dispatch(req);
  }
  static json bodyOf(const api::Reply& r) { return json::parse(r.body); }

  api::Router router;
};

TEST_F(RoutesTest, CreateStartStopRemove) {
  auto created = call("POST", "/v1.44/containers/create?name=web",
                      R"({"Image":"busybox","Cmd":["sleep","9"]})");
  ASSERT_EQ(created.status, 201) << created.body;
  std::string id = bodyOf(created)["Id"];
  EXPECT_EQ(bodyOf(created)["Warnings"], json::array());
  EXPECT_EQ(call("POST", "/containers/web/start").status, 204);
  EXPECT_EQ(call("POST", "/containers/web/start").status, 304);
  auto inspect = call("GET", "/containers/web/json");
  ASSERT_EQ(inspect.status, 200);
  EXPECT_EQ(bodyOf(inspect)["State"]["Status"], "running");
  auto ps = call(
      "GET", "/containers/json?all=1&filters=" + std::string("%7B%22name%22%3A%5B%22web%22%5D%7D"));
  ASSERT_EQ(ps.status, 200) << ps.body;
  EXPECT_EQ(bodyOf(ps).size(), 1U);
  auto rm = call("DELETE", "/containers/web");
  EXPECT_EQ(rm.status, 409);
  EXPECT_EQ(bodyOf(rm)["message"],
            "You cannot remove a running container " + id +
                ". Stop the container before attempting removal or force remove");
  EXPECT_EQ(call("POST", "/containers/web/stop?t=5").status, 204);
  EXPECT_EQ(call("POST", "/containers/web/stop").status, 304);
  EXPECT_EQ(call("POST", "/containers/web/rename?name=web2").status, 204);
  EXPECT_EQ(call("DELETE", "/containers/web2?v=1").status, 204);
  auto gone = call("GET", "/containers/web2/json");
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(bodyOf(gone)["message"], "No such container: web2");
}

TEST_F(RoutesTest, ErrorsCarryDockerdStatusesAndWording) {
  auto noImage = call("POST", "/containers/create", R"({"Image":"nosuch"})");
  EXPECT_EQ(noImage.status, 404);
  EXPECT_EQ(bodyOf(noImage)["message"], "No such image: nosuch:latest");
  call("POST", "/containers/create?name=dup", R"({"Image":"busybox"})");
  EXPECT_EQ(call("POST", "/containers/create?name=dup", R"({"Image":"busybox"})").status, 409);
  EXPECT_EQ(call("POST", "/containers/create", R"({"Image":"scratchy"})").status, 400);
  EXPECT_EQ(call("POST", "/containers/create",
                 R"({"Image":"busybox","HostConfig":{"NetworkMode":"bridge"}})")
                .status,
            501);
  EXPECT_EQ(call("POST", "/containers/nosuch/kill").status, 404);
  EXPECT_EQ(call("POST", "/containers/dup/kill").status, 409);
  EXPECT_EQ(call("POST", "/containers/dup/wait?condition=later").status, 400);
  EXPECT_EQ(call("GET", "/containers/dup/changes").status, 501);
  EXPECT_EQ(call("GET", "/containers/dup/export").status, 501);
  EXPECT_EQ(call("POST", "/containers/dup/update", "{}").status, 501);
  EXPECT_EQ(call("GET", "/containers/json?filters=%7B%22status%22%3A%5B%22zzz%22%5D%7D").status,
            400);
  auto exec = call("POST", "/containers/dup/exec", R"({"Cmd":["ls"]})");
  EXPECT_EQ(exec.status, 409);
  EXPECT_EQ(call("GET", "/exec/nosuch/json").status, 404);
  EXPECT_EQ(call("POST", "/exec/nosuch/start", R"({"Detach":true})").status, 404);
  auto logs = call("GET", "/containers/dup/logs");
  EXPECT_EQ(logs.status, 400);
  EXPECT_EQ(bodyOf(logs)["message"], "You must choose at least one stream");
  EXPECT_EQ(call("GET", "/containers/dup/archive").status, 400);
  EXPECT_EQ(call("GET", "/containers/dup/stats?stream=1&one-shot=1").status, 400);
}

TEST_F(RoutesTest, WaitStreamsTheExitCode) {
  std::string id = bodyOf(call("POST", "/containers/create", R"({"Image":"busybox"})"))["Id"];
  auto wait = call("POST", "/containers/" + id + "/wait?condition=next-exit");
  ASSERT_EQ(wait.status, 200);
  ASSERT_TRUE(wait.stream);
  ASSERT_EQ(call("POST", "/containers/" + id + "/start").status, 204);

  struct Sink : api::StreamSink {
    bool write(std::string d) override {
      data += d;
      return true;
    }
    void finish() override { finished = true; }
    bool closed() const override { return false; }
    void onClose(std::function<void()>) override {}
    void runAfter(std::chrono::nanoseconds, std::function<void()>) override {}
    std::string data;
    bool finished = false;
  };
  auto sink = std::make_shared<Sink>();
  wait.stream(sink);
  EXPECT_FALSE(sink->finished);
  exitContainer(id, 5);
  EXPECT_TRUE(sink->finished);
  EXPECT_EQ(json::parse(sink->data), json({{"Error", nullptr}, {"StatusCode", 5}}));
}

TEST_F(RoutesTest, ContentTypesOfStreams) {
  EXPECT_EQ(api::streamContentType(false, "1.44"), "application/vnd.docker.multiplexed-stream");
  EXPECT_EQ(api::streamContentType(true, "1.44"), "application/vnd.docker.raw-stream");
  EXPECT_EQ(api::streamContentType(false, "1.41"), "application/vnd.docker.raw-stream");
}

TEST_F(RoutesTest, PruneReportsDeletedContainers) {
  std::string id = bodyOf(call("POST", "/containers/create", R"({"Image":"busybox"})"))["Id"];
  auto r = call("POST", "/containers/prune");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(bodyOf(r)["ContainersDeleted"], json({id}));
  auto again = call("POST", "/containers/prune");
  EXPECT_EQ(bodyOf(again)["ContainersDeleted"], nullptr);
  EXPECT_EQ(bodyOf(again)["SpaceReclaimed"], 0);
}

}  // namespace
}  // namespace berth::container
