#include "api/network_routes.h"

#include <gtest/gtest.h>

#include <optional>

namespace berth::api {
namespace {

using nlohmann::json;

// Records what the routes asked for and answers with canned results.
class FakeNetworks : public network::NetworkService {
 public:
  Result<json> create(const json& body) override {
    created = body;
    if (createError) {
      return *createError;
    }
    return json{{"Id", "abc123"}, {"Warning", ""}};
  }
  Result<json> inspect(const std::string& idOrName, bool verbose) override {
    inspected = idOrName;
    inspectVerbose = verbose;
    if (idOrName != "net1") {
      return notFound("network " + idOrName + " not found");
    }
    return json{{"Name", "net1"}, {"Id", "abc123"}, {"Scope", "local"}, {"Driver", "bridge"}};
  }
  Result<json> list(const Filters& filters) override {
    listed = filters;
    return listReply;
  }
  Status remove(const std::string& idOrName) override {
    removed = idOrName;
    if (idOrName == "bridge") {
      return forbidden("bridge is a pre-defined network and cannot be removed");
    }
    if (idOrName == "busy") {
      return forbidden("error while removing network: network busy has active endpoints");
    }
    return okStatus();
  }
  Status connect(const std::string& idOrName, const json& body) override {
    connected = {idOrName, body};
    return okStatus();
  }
  Status disconnect(const std::string& idOrName, const std::string& container,
                    bool force) override {
    disconnected = {idOrName, container, force};
    if (container == "ghost") {
      return notFound("No such container: ghost");
    }
    return okStatus();
  }
  Result<std::vector<std::string>> prune(const Filters& filters) override {
    pruned = filters;
    return pruneReply;
  }

  std::optional<Error> createError;
  json created;
  std::string inspected;
  bool inspectVerbose = false;
  std::optional<Filters> listed;
  json listReply = json::array();
  std::string removed;
  std::pair<std::string, json> connected;
  std::tuple<std::string, std::string, bool> disconnected;
  std::optional<Filters> pruned;
  std::vector<std::string> pruneReply;
};

class NetworkRoutesTest : public ::testing::Test {
 protected:
  NetworkRoutesTest() { addNetworkRoutes(router_, svc_); }

  Reply call(std::string method, std::string_view target, std::string body = "") {
    Request req;
    req.method = std::move(method);
    req.body = std::move(body);
    if (!req.body.empty()) {
      req.headers["content-type"] = "application/json";
    }
    Status st = Router::parseTarget(target, req);
    if (!st.ok()) {
      return Reply::error(st.error());
    }
    return router_.dispatch(req);
  }

  static std::string messageOf(const Reply& r) { return json::parse(r.body).value("message", ""); }

  // "/networks?filters=<url-encoded json>"
  static std::string withFilters(const std::string& path, const std::string& filtersJson) {
    std::string enc;
    for (unsigned char c : filtersJson) {
      if (std::isalnum(c) != 0) {
        enc += static_cast<char>(c);
      } else {
        static const char kHex[] = "0123456789ABCDEF";
        enc += '%';
        enc += kHex[c >> 4];
        enc += kHex[c & 15];
      }
    }
    return path + "?filters=" + enc;
  }

  FakeNetworks svc_;
  Router router_;
};

TEST_F(NetworkRoutesTest, ListPassesFiltersAndReturnsTheArray) {
  svc_.listReply = json::array({{{"Name", "bridge"}}, {{"Name", "net1"}}});
  Reply r = call("GET",
                 withFilters("/v1.44/networks", R"({"name":{"net":true},"type":{"custom":true}})"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body).size(), 2u);
  ASSERT_TRUE(svc_.listed);
  EXPECT_EQ(svc_.listed->get("name"), std::set<std::string>{"net"});
  EXPECT_EQ(svc_.listed->get("type"), std::set<std::string>{"custom"});

  // The legacy list form and no filters at all.
  EXPECT_EQ(call("GET", withFilters("/networks", R"({"driver":["bridge"]})")).status, 200);
  EXPECT_EQ(svc_.listed->get("driver"), std::set<std::string>{"bridge"});
  EXPECT_EQ(call("GET", "/networks").status, 200);
  EXPECT_TRUE(svc_.listed->empty());
}

TEST_F(NetworkRoutesTest, ListRefusesUnknownAndMalformedFilters) {
  svc_.listed.reset();
  Reply unknown = call("GET", withFilters("/networks", R"({"color":{"red":true}})"));
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(messageOf(unknown), "invalid filter 'color'");

  Reply type = call("GET", withFilters("/networks", R"({"type":{"weird":true}})"));
  EXPECT_EQ(type.status, 400);
  EXPECT_EQ(messageOf(type), "invalid filter: 'type'='weird'");

  Reply dangling = call("GET", withFilters("/networks", R"({"dangling":{"maybe":true}})"));
  EXPECT_EQ(dangling.status, 400);
  EXPECT_EQ(messageOf(dangling),
            R"(invalid value for filter 'dangling', must be "true" (or "1"), or "false" (or "0"))");

  Reply two = call("GET", withFilters("/networks", R"({"dangling":{"true":true,"false":true}})"));
  EXPECT_EQ(two.status, 400);
  EXPECT_EQ(messageOf(two), R"(got more than one value for filter key "dangling")");

  EXPECT_EQ(call("GET", "/networks?filters=notjson").status, 400);
  EXPECT_FALSE(svc_.listed) << "the service must not run on a refused request";

  for (const char* ok : {"true", "1", "false", "0"}) {
    std::string f = std::string(R"({"dangling":{")") + ok + R"(":true}})";
    EXPECT_EQ(call("GET", withFilters("/networks", f)).status, 200) << ok;
  }
}

TEST_F(NetworkRoutesTest, InspectReadsVerboseAndScope) {
  Reply r = call("GET", "/v1.44/networks/net1?verbose=true");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["Id"], "abc123");
  EXPECT_EQ(svc_.inspected, "net1");
  EXPECT_TRUE(svc_.inspectVerbose);

  EXPECT_EQ(call("GET", "/networks/net1").status, 200);
  EXPECT_FALSE(svc_.inspectVerbose);
  EXPECT_EQ(call("GET", "/networks/net1?verbose=F").status, 200);
  EXPECT_FALSE(svc_.inspectVerbose);

  Reply bad = call("GET", "/networks/net1?verbose=yes");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(messageOf(bad),
            "invalid value for verbose: yes: strconv.ParseBool: parsing \"yes\": invalid syntax");

  EXPECT_EQ(call("GET", "/networks/net1?scope=local").status, 200);
  Reply swarm = call("GET", "/networks/net1?scope=swarm");
  EXPECT_EQ(swarm.status, 404);
  EXPECT_EQ(messageOf(swarm), "network net1 not found");

  Reply missing = call("GET", "/networks/nope");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(messageOf(missing), "network nope not found");
}

TEST_F(NetworkRoutesTest, CreateReturns201WithTheServiceReply) {
  json body = {{"Name", "net1"},
               {"Driver", "bridge"},
               {"IPAM", {{"Config", json::array({{{"Subnet", "10.5.0.0/16"}}})}}}};
  Reply r = call("POST", "/v1.44/networks/create", body.dump());
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(json::parse(r.body), (json{{"Id", "abc123"}, {"Warning", ""}}));
  EXPECT_EQ(svc_.created, body);
}

TEST_F(NetworkRoutesTest, CreateRefusesBadBodies) {
  Reply noName = call("POST", "/networks/create", R"({"Driver":"bridge"})");
  EXPECT_EQ(noName.status, 400);
  EXPECT_EQ(messageOf(noName), "invalid name: ");
  EXPECT_EQ(call("POST", "/networks/create", R"({"Name":"  "})").status, 400);
  EXPECT_EQ(call("POST", "/networks/create").status, 400);
  EXPECT_EQ(call("POST", "/networks/create", R"({"Name":5})").status, 400);
  EXPECT_EQ(call("POST", "/networks/create", R"(["net1"])").status, 400);
  EXPECT_EQ(call("POST", "/networks/create", "{bad").status, 400);
  EXPECT_TRUE(svc_.created.is_null()) << "the service must not run on a refused body";
}

TEST_F(NetworkRoutesTest, CreateMapsServiceErrorsToDockerdStatuses) {
  svc_.createError = conflict("network with name net1 already exists");
  Reply dup = call("POST", "/networks/create", R"({"Name":"net1"})");
  EXPECT_EQ(dup.status, 409);
  EXPECT_EQ(messageOf(dup), "network with name net1 already exists");

  svc_.createError = invalidArgument("invalid subnet 10.0.0.0/33");
  EXPECT_EQ(call("POST", "/networks/create", R"({"Name":"n2"})").status, 400);
  svc_.createError = forbidden("host is a pre-defined network and cannot be created");
  EXPECT_EQ(call("POST", "/networks/create", R"({"Name":"host"})").status, 403);
}

TEST_F(NetworkRoutesTest, DeleteIs204AndPredefinedIsForbidden) {
  Reply r = call("DELETE", "/v1.44/networks/net1");
  EXPECT_EQ(r.status, 204);
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(svc_.removed, "net1");

  Reply builtin = call("DELETE", "/networks/bridge");
  EXPECT_EQ(builtin.status, 403);
  Reply busy = call("DELETE", "/networks/busy");
  EXPECT_EQ(busy.status, 403);
  EXPECT_EQ(messageOf(busy), "error while removing network: network busy has active endpoints");
}

TEST_F(NetworkRoutesTest, ConnectPassesTheBodyThrough) {
  json body = {
      {"Container", "web"},
      {"EndpointConfig", {{"IPAMConfig", {{"IPv4Address", "10.5.0.9"}}}, {"Aliases", {"db"}}}}};
  Reply r = call("POST", "/v1.44/networks/net1/connect", body.dump());
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(svc_.connected.first, "net1");
  EXPECT_EQ(svc_.connected.second, body);

  EXPECT_EQ(call("POST", "/networks/net1/connect", R"({"Container":1})").status, 400);
  EXPECT_EQ(
      call("POST", "/networks/net1/connect", R"({"Container":"web","EndpointConfig":[]})").status,
      400);
}

TEST_F(NetworkRoutesTest, DisconnectReadsContainerAndForce) {
  Reply r = call("POST", "/networks/net1/disconnect", R"({"Container":"web","Force":true})");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(svc_.disconnected, std::make_tuple(std::string("net1"), std::string("web"), true));

  EXPECT_EQ(call("POST", "/networks/net1/disconnect", R"({"Container":"web"})").status, 200);
  EXPECT_FALSE(std::get<2>(svc_.disconnected));

  Reply ghost = call("POST", "/networks/net1/disconnect", R"({"Container":"ghost"})");
  EXPECT_EQ(ghost.status, 404);
  EXPECT_EQ(messageOf(ghost), "No such container: ghost");
  EXPECT_EQ(call("POST", "/networks/net1/disconnect", R"({"Container":"w","Force":"yes"})").status,
            400);
}

TEST_F(NetworkRoutesTest, PruneReportsNamesOrNull) {
  Reply none = call("POST", "/networks/prune");
  ASSERT_EQ(none.status, 200) << none.body;
  EXPECT_EQ(json::parse(none.body), (json{{"NetworksDeleted", nullptr}}));

  svc_.pruneReply = {"net1", "net2"};
  Reply some = call("POST", withFilters("/v1.44/networks/prune",
                                        R"({"until":{"24h":true},"label!":{"keep":true}})"));
  ASSERT_EQ(some.status, 200) << some.body;
  EXPECT_EQ(json::parse(some.body), (json{{"NetworksDeleted", {"net1", "net2"}}}));
  EXPECT_EQ(svc_.pruned->get("until"), std::set<std::string>{"24h"});
  EXPECT_EQ(svc_.pruned->get("label!"), std::set<std::string>{"keep"});

  Reply bad = call("POST", withFilters("/networks/prune", R"({"driver":{"bridge":true}})"));
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(messageOf(bad), "invalid filter 'driver'");
}

TEST_F(NetworkRoutesTest, UnknownMethodsArePageNotFound) {
  EXPECT_EQ(call("PUT", "/networks/net1").status, 404);
  EXPECT_EQ(call("GET", "/networks/net1/connect").status, 404);
}

}  // namespace
}  // namespace berth::api
