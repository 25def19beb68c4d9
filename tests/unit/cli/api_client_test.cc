#include "cli/api_client.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <future>
#include <thread>

#include "test_server.h"

namespace berth::cli {
namespace {

using testing::Request;
using testing::TestServer;
using testing::writeChunk;
using testing::writeChunkedHead;
using testing::writeLastChunk;
using testing::writeResponse;

std::unique_ptr<ApiClient> clientFor(const std::string& socketPath) {
  ApiClient::Options opts;
  opts.host.scheme = DaemonHost::Scheme::kUnix;
  opts.host.path = socketPath;
  auto client = ApiClient::create(opts);
  EXPECT_TRUE(client.ok());
  return std::move(client).value();
}

// Answers /_ping with the given API-Version header (none when empty).
bool answerPing(int fd, const Request& req, const std::string& apiVersion) {
  if (req.target != "/_ping") {
    return false;
  }
  writeResponse(fd, 200, "OK", "text/plain",
                apiVersion.empty() ? "" : "API-Version: " + apiVersion + "\r\n");
  return true;
}

TEST(ApiVersionTest, ComparesNumerically) {
  EXPECT_EQ(compareApiVersions("1.44", "1.44"), 0);
  EXPECT_EQ(compareApiVersions("1.9", "1.44"), -1);
  EXPECT_EQ(compareApiVersions("1.45", "1.44"), 1);
  EXPECT_EQ(compareApiVersions("2", "1.99"), 1);
  EXPECT_EQ(compareApiVersions("1.44.1", "1.44"), 1);
}

TEST(ApiVersionTest, NegotiatesLikeDocker) {
  EXPECT_EQ(negotiateApiVersion("1.45"), "1.44");  // a newer daemon: our maximum
  EXPECT_EQ(negotiateApiVersion("1.44"), "1.44");
  EXPECT_EQ(negotiateApiVersion("1.41"), "1.41");  // an older daemon: its version
  EXPECT_EQ(negotiateApiVersion(""), "1.24");      // no header at all
}

TEST(ApiClientTest, EncodesQueries) {
  EXPECT_EQ(encodeQuery({{"filters", R"({"type":{"container":true}})"}, {"since", "1.5"}}),
            "filters=%7B%22type%22%3A%7B%22container%22%3Atrue%7D%7D&since=1.5");
  EXPECT_EQ(encodeQuery({{"a b", "c&d=e"}}), "a%20b=c%26d%3De");
}

TEST(ApiClientTest, JsonReplyAfterNegotiationOnOneConnection) {
  TestServer server([](int fd, const Request& req) {
    if (req.target == "/_ping") {
      return answerPing(fd, req, "1.43");
    }
    if (req.target == "/v1.43/version") {
      writeResponse(fd, 200, R"({"Version":"0.1.0","ApiVersion":"1.43"})");
      return true;
    }
    writeResponse(fd, 404, R"({"message":"page not found"})");
    return true;
  });
  auto client = clientFor(server.socketPath());

  auto reply = client->call("GET", "/version");
  ASSERT_TRUE(reply.ok()) << reply.error().message();
  EXPECT_EQ(reply->status, 200u);
  EXPECT_EQ(reply->header("content-type"), "application/json");
  auto json = reply->json();
  ASSERT_TRUE(json.ok());
  EXPECT_EQ((*json)["Version"], "0.1.0");

  ASSERT_TRUE(client->call("GET", "/version").ok());
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[0].target, "/_ping");
  EXPECT_EQ(reqs[1].target, "/v1.43/version");
  EXPECT_EQ(reqs[2].target, "/v1.43/version");  // negotiated once
  EXPECT_EQ(server.connections(), 1);           // and the connection was kept
  EXPECT_EQ(client->apiVersion().valueOr(""), "1.43");
}

TEST(ApiClientTest, SendsQueryAndJsonBody) {
  TestServer server([](int fd, const Request& req) {
    if (req.target == "/_ping") {
      return answerPing(fd, req, "1.44");
    }
    writeResponse(fd, 201, R"({"Id":"abc"})");
    return true;
  });
  auto client = clientFor(server.socketPath());
  auto reply =
      client->call("POST", "/networks/create", {{"x", "1 2"}}, nlohmann::json{{"Name", "web"}});
  ASSERT_TRUE(reply.ok()) << reply.error().message();
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[1].method, "POST");
  EXPECT_EQ(reqs[1].target, "/v1.44/networks/create?x=1%202");
  EXPECT_EQ(reqs[1].headers["content-type"], "application/json");
  EXPECT_EQ(nlohmann::json::parse(reqs[1].body), (nlohmann::json{{"Name", "web"}}));
}

TEST(ApiClientTest, CapsTheVersionAndFallsBackWithoutHeader) {
  {
    TestServer server([](int fd, const Request& req) {
      if (req.target == "/_ping") {
        return answerPing(fd, req, "1.47");
      }
      writeResponse(fd, 200, "{}");
      return true;
    });
    auto client = clientFor(server.socketPath());
    ASSERT_TRUE(client->call("GET", "/info").ok());
    EXPECT_EQ(server.requests().back().target, "/v1.44/info");
  }
  {
    TestServer server([](int fd, const Request& req) {
      if (req.target == "/_ping") {
        return answerPing(fd, req, "");
      }
      writeResponse(fd, 200, "{}");
      return true;
    });
    auto client = clientFor(server.socketPath());
    ASSERT_TRUE(client->call("GET", "/info").ok());
    EXPECT_EQ(server.requests().back().target, "/v1.24/info");
  }
}

TEST(ApiClientTest, FixedVersionSkipsPing) {
  TestServer server([](int fd, const Request&) {
    writeResponse(fd, 200, "{}");
    return true;
  });
  ApiClient::Options opts;
  opts.host.path = server.socketPath();
  opts.apiVersion = "1.41";
  auto client = std::move(ApiClient::create(opts)).value();
  ASSERT_TRUE(client->call("GET", "/info").ok());
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].target, "/v1.41/info");
}

TEST(ApiClientTest, ErrorReplyCarriesDaemonMessageAndKind) {
  TestServer server([](int fd, const Request& req) {
    if (req.target == "/_ping") {
      return answerPing(fd, req, "1.44");
    }
    if (req.target == "/v1.44/networks/nope") {
      writeResponse(fd, 404, R"({"message":"network nope not found"})");
    } else if (req.target == "/v1.44/networks/busy") {
      writeResponse(fd, 409, R"({"message":"network busy has active endpoints"})");
    } else if (req.target == "/v1.44/bad") {
      writeResponse(fd, 400, "plain words\n", "text/plain");
    } else {
      writeResponse(fd, 404, "");
    }
    return true;
  });
  auto client = clientFor(server.socketPath());

  auto missing = client->call("GET", "/networks/nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind(), ErrorKind::kNotFound);
  EXPECT_EQ(missing.error().message(), "Error response from daemon: network nope not found");

  auto busy = client->call("DELETE", "/networks/busy");
  ASSERT_FALSE(busy.ok());
  EXPECT_EQ(busy.error().kind(), ErrorKind::kConflict);

  auto bad = client->call("GET", "/bad");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind(), ErrorKind::kInvalidArgument);
  EXPECT_EQ(bad.error().message(), "Error response from daemon: plain words");

  auto empty = client->call("GET", "/gone");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().message(),
            "request returned Not Found for API route and version /v1.44/gone, check if the "
            "server supports the requested API version");
  EXPECT_EQ(server.connections(), 1);  // error replies keep the connection usable
}

TEST(ApiClientTest, StreamsChunksAsTheyArrive) {
  std::promise<void> firstSeen;
  auto firstSeenFuture = firstSeen.get_future();
  TestServer server([&](int fd, const Request& req) {
    if (req.target == "/_ping") {
      return answerPing(fd, req, "1.44");
    }
    writeChunkedHead(fd, 200);
    writeChunk(fd, "{\"Type\":\"container\"}\n");
    // The next chunk waits until the client has handled the first: a client
    // that buffered the whole body would never get here.
    if (firstSeenFuture.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
      return false;
    }
    writeChunk(fd, "{\"Type\":");
    writeChunk(fd, "\"network\"}\n");
    writeLastChunk(fd);
    return true;
  });
  auto client = clientFor(server.socketPath());
  std::string all;
  bool signalled = false;
  Status st =
      client->stream("GET", "/events", {{"since", "0"}}, std::nullopt, [&](std::string_view chunk) {
        all.append(chunk);
        if (!signalled) {
          signalled = true;
          firstSeen.set_value();
        }
        return true;
      });
  ASSERT_TRUE(st.ok()) << st.error().message();
  EXPECT_EQ(all, "{\"Type\":\"container\"}\n{\"Type\":\"network\"}\n");
  EXPECT_EQ(server.requests().back().target, "/v1.44/events?since=0");
  // The stream ended cleanly, so the connection is reused.
  ASSERT_TRUE(client->call("GET", "/events").ok());
  EXPECT_EQ(server.connections(), 1);
}

TEST(ApiClientTest, StreamStopsWhenTheCallbackSaysSo) {
  TestServer server([](int fd, const Request& req) {
    if (req.target == "/_ping") {
      return answerPing(fd, req, "1.44");
    }
    writeChunkedHead(fd, 200);
    writeChunk(fd, "{\"n\":1}\n");
    // Never ends the body: only the client hanging up (or stop()) frees us.
    char c;
    while (::recv(fd, &c, 1, 0) > 0) {
    }
    return false;
  });
  auto client = clientFor(server.socketPath());
  int calls = 0;
  Status st = client->stream("GET", "/events", {}, std::nullopt, [&](std::string_view) {
    ++calls;
    return false;
  });
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(calls, 1);
}

TEST(ApiClientTest, StreamErrorReplyIsAnError) {
  TestServer server([](int fd, const Request& req) {
    if (req.target == "/_ping") {
      return answerPing(fd, req, "1.44");
    }
    writeResponse(fd, 400, R"({"message":"invalid filter 'foo'"})");
    return true;
  });
  auto client = clientFor(server.socketPath());
  bool called = false;
  Status st = client->stream("GET", "/events", {}, std::nullopt, [&](std::string_view) {
    called = true;
    return true;
  });
  ASSERT_FALSE(st.ok());
  EXPECT_FALSE(called);
  EXPECT_EQ(st.error().message(), "Error response from daemon: invalid filter 'foo'");
}

TEST(ApiClientTest, ReconnectsWhenTheDaemonDroppedAnIdleConnection) {
  TestServer server([](int fd, const Request& req) {
    if (req.target == "/_ping") {
      return answerPing(fd, req, "1.44");
    }
    writeResponse(fd, 200, "{}");
    return false;  // closes without saying "Connection: close"
  });
  auto client = clientFor(server.socketPath());
  ASSERT_TRUE(client->call("GET", "/info").ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  auto again = client->call("GET", "/info");
  ASSERT_TRUE(again.ok()) << again.error().message();
  EXPECT_EQ(server.connections(), 2);
}

TEST(ApiClientTest, ConnectionRefusedNamesTheHost) {
  testing::TempDir dir;
  const std::string missing = dir.path() + "/none.sock";
  auto client = clientFor(missing);
  auto reply = client->call("GET", "/version");
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error().kind(), ErrorKind::kUnavailable);
  EXPECT_EQ(reply.error().message(), "Cannot connect to the berth daemon at unix://" + missing +
                                         ". Is the berth daemon running?");

  // A socket file nobody listens on: ECONNREFUSED rather than ENOENT.
  const std::string dead = dir.path() + "/dead.sock";
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, dead.c_str(), sizeof(addr.sun_path) - 1);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  auto refused = clientFor(dead)->stream("GET", "/events", {}, std::nullopt,
                                         [](std::string_view) { return true; });
  ::close(fd);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().message(), "Cannot connect to the berth daemon at unix://" + dead +
                                           ". Is the berth daemon running?");
}

TEST(JsonStreamSplitterTest, SplitsValuesAcrossChunks) {
  JsonStreamSplitter splitter;
  std::vector<std::string> values;
  auto collect = [&](std::string_view v) {
    values.emplace_back(v);
    return true;
  };
  EXPECT_TRUE(splitter.feed("{\"a\":\"}{\\\"\"", collect));
  EXPECT_TRUE(values.empty());
  EXPECT_TRUE(splitter.feed(",\"b\":[1,{}]}\n{\"c\"", collect));
  ASSERT_EQ(values.size(), 1u);
  EXPECT_EQ(values[0], "{\"a\":\"}{\\\"\",\"b\":[1,{}]}");
  EXPECT_TRUE(splitter.feed(":2}{\"d\":3}  \n", collect));  // back to back, no newline
  ASSERT_EQ(values.size(), 3u);
  EXPECT_EQ(values[1], "{\"c\":2}");
  EXPECT_EQ(values[2], "{\"d\":3}");
  EXPECT_TRUE(splitter.pending().empty());
}

TEST(JsonStreamSplitterTest, StopsWhenAsked) {
  JsonStreamSplitter splitter;
  int seen = 0;
  EXPECT_FALSE(splitter.feed("{}\n{}\n{}\n", [&](std::string_view) { return ++seen < 2; }));
  EXPECT_EQ(seen, 2);
}

}  // namespace
}  // namespace berth::cli
