// The network commands against an in-test daemon (request bodies, output,
// exit codes) and the pieces behind them (IPAM pairing, ls rows).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/app.h"
#include "cli/commands/network.h"
#include "test_server.h"

namespace berth::cli {
namespace {

using nlohmann::json;
using testing::Request;
using testing::TestServer;
using testing::writeResponse;

// ---- IPAM pairing ------------------------------------------------------------------------

TEST(ConsolidateIpamTest, PairsGatewaysAndRangesWithTheirSubnets) {
  auto cfg =
      consolidateIpam({"10.1.0.0/16", "fd00:1::/64"}, {"10.1.5.0/24"}, {"fd00:1::1", "10.1.0.254"},
                      {{"host1", "10.1.0.5"}, {"host6", "fd00:1::5"}});
  ASSERT_TRUE(cfg.ok()) << cfg.error().message();
  EXPECT_EQ(*cfg, json::parse(R"([
    {"Subnet":"10.1.0.0/16","IPRange":"10.1.5.0/24","Gateway":"10.1.0.254",
     "AuxiliaryAddresses":{"host1":"10.1.0.5"}},
    {"Subnet":"fd00:1::/64","Gateway":"fd00:1::1","AuxiliaryAddresses":{"host6":"fd00:1::5"}}])"));

  auto bare = consolidateIpam({"172.30.0.0/16"}, {}, {}, {});
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(*bare, json::parse(R"([{"Subnet":"172.30.0.0/16"}])"));
  auto none = consolidateIpam({}, {}, {}, {});
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, json::array());
}

TEST(ConsolidateIpamTest, RefusesWhatDockerRefuses) {
  auto message = [](const Result<json>& r) {
    EXPECT_FALSE(r.ok());
    return r.ok() ? std::string() : r.error().message();
  };
  EXPECT_EQ(message(consolidateIpam({"10.1.0.0/16"}, {}, {"10.2.0.1"}, {})),
            "no matching subnet for gateway 10.2.0.1");
  EXPECT_EQ(message(consolidateIpam({"10.1.0.0/16"}, {"10.9.0.0/24"}, {}, {})),
            "no matching subnet for range 10.9.0.0/24");
  EXPECT_EQ(message(consolidateIpam({"10.1.0.0/16"}, {}, {}, {{"a", "10.3.0.1"}})),
            "no matching subnet for aux-address 10.3.0.1");
  EXPECT_EQ(message(consolidateIpam({}, {}, {"10.1.0.1"}, {})),
            "every ip-range or gateway must have a corresponding subnet");
  EXPECT_EQ(message(consolidateIpam({"10.1.0.0/16", "10.1.2.0/24"}, {}, {}, {})),
            "multiple overlapping subnet configuration is not supported");
  EXPECT_EQ(
      message(consolidateIpam({"10.1.0.0/16", "10.2.0.0/16"}, {}, {"10.1.0.1", "10.1.0.2"}, {})),
      "cannot configure multiple gateways (10.1.0.2, 10.1.0.1) for the same subnet "
      "(10.1.0.0/16)");
  EXPECT_EQ(message(consolidateIpam({"10.1.0.0/16", "10.2.0.0/16"}, {"10.1.1.0/24", "10.1.2.0/24"},
                                    {}, {})),
            "cannot configure multiple ranges (10.1.2.0/24, 10.1.1.0/24) on the same subnet "
            "(10.1.0.0/16)");
  EXPECT_EQ(message(consolidateIpam({"10.1.0.0/40"}, {}, {"10.1.0.1"}, {})),
            "invalid subnet: invalid CIDR address: 10.1.0.0/40");
  // A gateway that is no address at all matches no subnet, as Go's nil IP.
  EXPECT_EQ(message(consolidateIpam({"10.1.0.0/16"}, {}, {"bogus"}, {})),
            "no matching subnet for gateway bogus");
}

TEST(StringSliceTest, SplitsLikePflag) {
  EXPECT_EQ(splitStringSlice({"a,b", "c", "\"d,e\""}),
            (std::vector<std::string>{"a", "b", "c", "d,e"}));
  EXPECT_TRUE(splitStringSlice({""}).empty());
}

TEST(NetworkRowTest, FieldsAndFormats) {
  json n = json::parse(R"({"Name":"web","Id":"0123456789abcdef0123","Driver":"bridge",
    "Scope":"local","EnableIPv6":true,"Internal":false,"Labels":{"b":"2","a":"1"},
    "Created":"2024-01-02T03:04:05.120000000Z"})");
  json row = networkRow(n, true);
  EXPECT_EQ(row["ID"], "0123456789ab");
  EXPECT_EQ(row["IPv6"], "true");
  EXPECT_EQ(row["Internal"], "false");
  EXPECT_EQ(row["Labels"], "a=1,b=2");
  EXPECT_EQ(row["CreatedAt"], "2024-01-02 03:04:05.12 +0000 UTC");
  EXPECT_EQ(networkRow(n, false)["ID"], "0123456789abcdef0123");
  n["Created"] = "2024-01-02T03:04:05+01:00";
  EXPECT_EQ(networkRow(n, true)["CreatedAt"], "2024-01-02 03:04:05 +0100 +0100");

  EXPECT_EQ(networkListFormat("", false), "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}");
  EXPECT_EQ(networkListFormat("table", true), "{{.ID}}");
  EXPECT_EQ(networkListFormat("{{.Name}}", true), "{{.Name}}");
}

// ---- commands against a fake daemon -------------------------------------------------------

struct CliRun {
  int code;
  std::string out;
  std::string err;
};

std::string urlDecode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else if (s[i] == '+') {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

// The request's path without /v1.44, and its decoded query.
std::string pathOf(const Request& req) {
  std::string path = req.target.substr(0, req.target.find('?'));
  return path.rfind("/v1.44", 0) == 0 ? path.substr(6) : path;
}
std::string queryOf(const Request& req) {
  size_t q = req.target.find('?');
  return q == std::string::npos ? "" : urlDecode(req.target.substr(q + 1));
}

const char* kNetworks = R"([
  {"Name":"net10","Id":"aaaaaaaaaaaaaaaaaaaa10","Driver":"bridge","Scope":"local"},
  {"Name":"bridge","Id":"bbbbbbbbbbbbbbbbbbbbbb","Driver":"bridge","Scope":"local"},
  {"Name":"net9","Id":"cccccccccccccccccccc09","Driver":"macvlan","Scope":"local"}])";

bool fakeDaemon(int fd, const Request& req) {
  const std::string path = pathOf(req);
  if (path == "/_ping") {
    writeResponse(fd, 200, "OK", "text/plain", "API-Version: 1.44\r\n");
  } else if (path == "/containers/create") {
    writeResponse(fd, 201, R"({"Id":"cid","Warnings":[]})");
  } else if (path == "/networks/create") {
    writeResponse(fd, 201, R"({"Id":"newid123","Warning":""})");
  } else if (path == "/networks" && req.method == "GET") {
    writeResponse(fd, 200, kNetworks);
  } else if (path == "/networks/prune") {
    writeResponse(fd, 200, R"({"NetworksDeleted":["old1","old2"]})");
  } else if (path == "/networks/bridge" && req.method == "DELETE") {
    writeResponse(fd, 403,
                  R"({"message":"bridge is a pre-defined network and cannot be removed"})");
  } else if (path == "/networks/ghost") {
    writeResponse(fd, 404, R"({"message":"network ghost not found"})");
  } else if (path == "/networks/net1" && req.method == "DELETE") {
    writeResponse(fd, 204, "");
  } else if (path == "/networks/net1" && req.method == "GET") {
    writeResponse(fd, 200, R"({"Name":"net1","Id":"abc","Scope":"local"})");
  } else if (path == "/networks/net1/connect" || path == "/networks/net1/disconnect") {
    writeResponse(fd, 200, "", "");
  } else {
    writeResponse(fd, 404, R"({"message":"page not found"})");
  }
  return true;
}

class NetworkCommandsTest : public ::testing::Test {
 protected:
  CliRun run(std::vector<std::string> args) {
    args.insert(args.begin(), {"-H", server_.url()});
    std::ostringstream out;
    std::ostringstream err;
    int code = runCli(args, out, err);
    return {code, out.str(), err.str()};
  }
  // The requests after version negotiation.
  std::vector<Request> apiRequests() const {
    std::vector<Request> out;
    for (const Request& r : server_.requests()) {
      if (pathOf(r) != "/_ping") {
        out.push_back(r);
      }
    }
    return out;
  }

  TestServer server_{fakeDaemon};
};

TEST_F(NetworkCommandsTest, CreateSendsDockersBodyAndPrintsTheId) {
  CliRun r = run({"network",
                  "create",
                  "-d",
                  "bridge",
                  "--subnet",
                  "10.7.0.0/16",
                  "--subnet",
                  "fd00:7::/64",
                  "--gateway",
                  "10.7.0.1",
                  "--ip-range",
                  "10.7.1.0/24",
                  "--aux-address",
                  "router=10.7.0.2",
                  "--ipv6",
                  "--internal",
                  "--attachable",
                  "-o",
                  "com.docker.network.bridge.name=br7",
                  "--label",
                  "env=test",
                  "--label",
                  "bare",
                  "--ipam-opt",
                  "x=y",
                  "net7"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "newid123\n");
  auto reqs = apiRequests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].method, "POST");
  EXPECT_EQ(pathOf(reqs[0]), "/networks/create");
  json body = json::parse(reqs[0].body);
  EXPECT_EQ(body["Name"], "net7");
  EXPECT_EQ(body["Driver"], "bridge");
  EXPECT_EQ(body["EnableIPv6"], true);
  EXPECT_EQ(body["Internal"], true);
  EXPECT_EQ(body["Attachable"], true);
  EXPECT_EQ(body["Options"], json::parse(R"({"com.docker.network.bridge.name":"br7"})"));
  EXPECT_EQ(body["Labels"], json::parse(R"({"env":"test","bare":""})"));
  EXPECT_EQ(body["IPAM"], json::parse(R"({"Driver":"default","Options":{"x":"y"},"Config":[
    {"Subnet":"10.7.0.0/16","Gateway":"10.7.0.1","IPRange":"10.7.1.0/24",
     "AuxiliaryAddresses":{"router":"10.7.0.2"}},
    {"Subnet":"fd00:7::/64"}]})"));
}

TEST_F(NetworkCommandsTest, CreateRefusesAnUnmatchedGatewayBeforeCallingTheDaemon) {
  CliRun r = run({"network", "create", "--subnet", "10.7.0.0/16", "--gateway", "10.8.0.1", "n"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "no matching subnet for gateway 10.8.0.1\n");
  EXPECT_TRUE(apiRequests().empty());

  CliRun label = run({"network", "create", "--label", "=x", "n"});
  EXPECT_EQ(label.code, 125);
  EXPECT_NE(label.err.find("invalid label '=x': empty name"), std::string::npos) << label.err;
  EXPECT_EQ(run({"network", "create"}).code, 1);
}

TEST_F(NetworkCommandsTest, ListSortsNaturallyAndTruncates) {
  CliRun r = run({"network", "ls"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out,
            "NETWORK ID     NAME      DRIVER    SCOPE\n"
            "bbbbbbbbbbbb   bridge    bridge    local\n"
            "cccccccccccc   net9      macvlan   local\n"
            "aaaaaaaaaaaa   net10     bridge    local\n");
  CliRun q = run({"network", "list", "-q", "--no-trunc", "--filter", "driver=bridge"});
  ASSERT_EQ(q.code, 0) << q.err;
  EXPECT_EQ(q.out, "bbbbbbbbbbbbbbbbbbbbbb\ncccccccccccccccccccc09\naaaaaaaaaaaaaaaaaaaa10\n");
  auto reqs = apiRequests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(queryOf(reqs[1]), R"(filters={"driver":{"bridge":true}})");

  CliRun f = run({"network", "ls", "--format", "{{.Name}} {{.Driver}}"});
  EXPECT_EQ(f.out, "bridge bridge\nnet9 macvlan\nnet10 bridge\n");
  CliRun bad = run({"network", "ls", "-f", "nonsense"});
  EXPECT_EQ(bad.code, 125);
}

TEST_F(NetworkCommandsTest, InspectPrintsTheDaemonsJsonAndTemplates) {
  CliRun r = run({"network", "inspect", "net1"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out), json::parse(R"([{"Name":"net1","Id":"abc","Scope":"local"}])"));
  CliRun f = run({"network", "inspect", "-f", "{{.Name}}/{{.Scope}}", "net1", "ghost"});
  EXPECT_EQ(f.code, 1);
  EXPECT_EQ(f.out, "net1/local\n");
  EXPECT_NE(f.err.find("network ghost not found"), std::string::npos) << f.err;

  CliRun v = run({"network", "inspect", "--verbose", "net1"});
  ASSERT_EQ(v.code, 0) << v.err;
  EXPECT_EQ(queryOf(apiRequests().back()), "verbose=true");
}

TEST_F(NetworkCommandsTest, RemovePrintsNamesAndReportsEachFailure) {
  CliRun r = run({"network", "rm", "net1", "bridge", "ghost"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "net1\n");
  EXPECT_EQ(r.err,
            "Error response from daemon: bridge is a pre-defined network and cannot be removed\n"
            "Error response from daemon: network ghost not found\n");

  CliRun forced = run({"network", "remove", "-f", "ghost", "net1"});
  EXPECT_EQ(forced.code, 0) << forced.err;
  EXPECT_EQ(forced.out, "net1\n");
  EXPECT_EQ(forced.err, "");
}

TEST_F(NetworkCommandsTest, ConnectAndDisconnectBodies) {
  CliRun r = run({"network", "connect", "--ip", "10.7.0.9", "--alias", "db,cache", "--alias",
                  "store", "--link", "other:o", "--driver-opt", "k = v", "net1", "web"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  CliRun d = run({"network", "disconnect", "-f", "net1", "web"});
  ASSERT_EQ(d.code, 0) << d.err;
  auto reqs = apiRequests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(pathOf(reqs[0]), "/networks/net1/connect");
  EXPECT_EQ(json::parse(reqs[0].body), json::parse(R"({"Container":"web","EndpointConfig":{
    "IPAMConfig":{"IPv4Address":"10.7.0.9","IPv6Address":""},"Links":["other:o"],
    "Aliases":["db","cache","store"],"DriverOpts":{"k":"v"}}})"));
  EXPECT_EQ(pathOf(reqs[1]), "/networks/net1/disconnect");
  EXPECT_EQ(json::parse(reqs[1].body), json::parse(R"({"Container":"web","Force":true})"));

  CliRun bad = run({"network", "connect", "--driver-opt", "novalue", "net1", "web"});
  EXPECT_EQ(bad.code, 1);
  EXPECT_EQ(bad.err, "invalid key/value pair format in driver options\n");
  EXPECT_EQ(run({"network", "connect", "net1"}).code, 1);
}

TEST_F(NetworkCommandsTest, PruneWithForcePrintsDeletedNetworks) {
  CliRun r = run({"network", "prune", "-f", "--filter", "until=24h"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "Deleted Networks:\nold1\nold2\n\n");
  auto reqs = apiRequests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(queryOf(reqs[0]), R"(filters={"until":{"24h":true}})");
}

// ---- run/create: networking flags into the create body ----------------------------------

class CreateNetworkingTest : public NetworkCommandsTest {
 protected:
  // `berth create ARGS busybox`, returning the create body (null on failure).
  json createBody(std::vector<std::string> args, CliRun* result = nullptr) {
    args.insert(args.begin(), "create");
    args.emplace_back("busybox");
    size_t before = apiRequests().size();
    CliRun r = run(args);
    if (result != nullptr) {
      *result = r;
    }
    auto reqs = apiRequests();
    for (size_t i = before; i < reqs.size(); ++i) {
      if (pathOf(reqs[i]) == "/containers/create") {
        return json::parse(reqs[i].body);
      }
    }
    return nullptr;
  }
};

TEST_F(CreateNetworkingTest, DefaultAndSingleNetworks) {
  json def = createBody({});
  EXPECT_EQ(def["HostConfig"]["NetworkMode"], "default");
  EXPECT_EQ(def["NetworkingConfig"]["EndpointsConfig"], json::parse(R"({"default":{}})"));

  // One network without settings: docker leaves the endpoint to the daemon.
  json one = createBody({"--network", "mynet"});
  EXPECT_EQ(one["HostConfig"]["NetworkMode"], "mynet");
  EXPECT_EQ(one["NetworkingConfig"]["EndpointsConfig"], json::object());

  json ip = createBody({"--network", "mynet", "--ip", "10.1.0.5", "--ip6", "fd00::5",
                        "--network-alias", "web", "--mac-address", "02:42:ac:11:00:02", "--link",
                        "db:d", "--link-local-ip", "169.254.1.1"});
  EXPECT_EQ(ip["NetworkingConfig"]["EndpointsConfig"], json::parse(R"({"mynet":{
    "Aliases":["web"],"Links":["db:d"],"MacAddress":"02:42:ac:11:00:02",
    "IPAMConfig":{"IPv4Address":"10.1.0.5","IPv6Address":"fd00::5","LinkLocalIPs":["169.254.1.1"]}}})"));
  EXPECT_EQ(ip["HostConfig"]["Links"], json({"db:d"}));
}

TEST_F(CreateNetworkingTest, SeveralNetworksAndTheLongForm) {
  json b = createBody({"--network", "name=Front,alias=web,ip=10.1.0.5,driver-opt=k=v", "--network",
                       "back", "--mac-address", "02:42:ac:11:00:02"});
  EXPECT_EQ(b["HostConfig"]["NetworkMode"], "front");  // docker lower-cases long-form values
  EXPECT_EQ(b["NetworkingConfig"]["EndpointsConfig"], json::parse(R"({
    "front":{"Aliases":["web"],"IPAMConfig":{"IPv4Address":"10.1.0.5"},"DriverOpts":{"k":"v"},
             "MacAddress":"02:42:ac:11:00:02"},
    "back":{}})"));
}

TEST_F(CreateNetworkingTest, RefusesWhatDockerRefuses) {
  auto failure = [this](std::vector<std::string> args) {
    CliRun r;
    json b = createBody(std::move(args), &r);
    EXPECT_TRUE(b.is_null()) << b.dump();
    EXPECT_NE(r.code, 0);
    return r.err;
  };
  EXPECT_NE(failure({"--network", "bridge", "--network-alias", "x"})
                .find("network-scoped aliases are only supported for user-defined networks"),
            std::string::npos);
  EXPECT_NE(failure({"--network", "host", "--network", "mynet"})
                .find("conflicting options: cannot attach both user-defined and non-user-defined "
                      "network-modes"),
            std::string::npos);
  EXPECT_NE(failure({"--network", "a", "--network", "a"})
                .find("network \"a\" is specified multiple times"),
            std::string::npos);
  EXPECT_NE(failure({"--network", "name=a,alias=x", "--network-alias", "y"})
                .find("conflicting options: cannot specify both --network-alias and per-network "
                      "alias"),
            std::string::npos);
  EXPECT_NE(failure({"--network", "mynet", "--mac-address", "nope"})
                .find("nope is not a valid mac address"),
            std::string::npos);
  CliRun r;
  createBody({"--network", "name=a,color=red"}, &r);
  EXPECT_EQ(r.code, 125);
  EXPECT_NE(r.err.find("invalid field key color"), std::string::npos) << r.err;
}

TEST_F(CreateNetworkingTest, PortsDnsAndHosts) {
  json b = createBody({"-p", "127.0.0.1:8080:80/udp", "-p", "9000", "-P", "--expose", "90", "--dns",
                       "1.1.1.1", "--dns-search", "example.com", "--dns-option", "ndots:2",
                       "--add-host", "h=1.2.3.4"});
  json hc = b["HostConfig"];
  EXPECT_EQ(hc["PortBindings"], json::parse(R"({
    "80/udp":[{"HostIp":"127.0.0.1","HostPort":"8080"}],
    "9000/tcp":[{"HostIp":"","HostPort":""}]})"));
  EXPECT_EQ(b["ExposedPorts"], json::parse(R"({"80/udp":{},"9000/tcp":{},"90/tcp":{}})"));
  EXPECT_EQ(hc["PublishAllPorts"], true);
  EXPECT_EQ(hc["Dns"], json({"1.1.1.1"}));
  EXPECT_EQ(hc["DnsSearch"], json({"example.com"}));
  EXPECT_EQ(hc["DnsOptions"], json({"ndots:2"}));
  EXPECT_EQ(hc["ExtraHosts"], json({"h:1.2.3.4"}));
}

}  // namespace
}  // namespace berth::cli
