// ApiClient::hijack against an in-test daemon: the upgrade handshake, bytes the
// daemon sent right behind its header, both directions, half-close, errors.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <future>
#include <thread>

#include "cli/api_client.h"
#include "concurrent_server.h"

namespace berth::cli {
namespace {

using testing::ConcurrentServer;
using testing::Request;
using testing::writeAll;
using testing::writeResponse;

std::unique_ptr<ApiClient> clientFor(const ConcurrentServer& server) {
  ApiClient::Options opts;
  opts.host.scheme = DaemonHost::Scheme::kUnix;
  opts.host.path = server.socketPath();
  opts.apiVersion = "1.44";
  auto client = ApiClient::create(opts);
  EXPECT_TRUE(client.ok());
  return std::move(client).value();
}

std::string readAllFrom(HijackedConn& conn) {
  std::string out;
  char buf[7];  // small on purpose: the pending bytes come out in pieces too
  while (true) {
    auto n = conn.read(buf, sizeof buf);
    EXPECT_TRUE(n.ok());
    if (!n.ok() || *n == 0) {
      return out;
    }
    out.append(buf, *n);
  }
}

// An echo daemon: after the upgrade it sends a greeting in the same write as
// its header, echoes what it gets, and says bye when we half-close.
bool echoDaemon(int fd, const Request& req) {
  if (req.target.find("/attach") == std::string::npos) {
    writeResponse(fd, 404, R"({"message":"No such container: x"})");
    return true;
  }
  EXPECT_EQ(req.headers.at("connection"), "Upgrade");
  EXPECT_EQ(req.headers.at("upgrade"), "tcp");
  writeAll(fd,
           "HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\n"
           "Connection: Upgrade\r\nUpgrade: tcp\r\n\r\nhello from the daemon;");
  char buf[256];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) {
    writeAll(fd, std::string_view(buf, static_cast<size_t>(n)));
  }
  writeAll(fd, ";bye");
  return false;
}

TEST(HijackTest, UpgradesAndCarriesBothDirections) {
  ConcurrentServer server(echoDaemon);
  auto client = clientFor(server);
  auto conn = client->hijack("POST", "/containers/x/attach", {{"stream", "1"}, {"stdin", "1"}});
  ASSERT_TRUE(conn.ok()) << conn.error().message();
  ASSERT_TRUE((*conn)->write("ping").ok());
  (*conn)->closeWrite();
  EXPECT_EQ(readAllFrom(**conn), "hello from the daemon;ping;bye");
  EXPECT_EQ(server.requests().back().target, "/v1.44/containers/x/attach?stream=1&stdin=1");
}

TEST(HijackTest, ReaderAndWriterOnDifferentThreads) {
  ConcurrentServer server(echoDaemon);
  auto client = clientFor(server);
  auto conn = client->hijack("POST", "/containers/x/attach");
  ASSERT_TRUE(conn.ok());
  auto reader = std::async(std::launch::async, [&] { return readAllFrom(**conn); });
  std::string sent;
  for (int i = 0; i < 100; ++i) {
    std::string piece = std::to_string(i) + ",";
    ASSERT_TRUE((*conn)->write(piece).ok());
    sent += piece;
  }
  (*conn)->closeWrite();
  EXPECT_EQ(reader.get(), "hello from the daemon;" + sent + ";bye");
}

TEST(HijackTest, CloseWakesABlockedReader) {
  std::promise<void> release;
  auto released = release.get_future().share();
  ConcurrentServer server([released](int fd, const Request&) {
    testing::writeUpgradeHead(fd);
    released.wait();  // says nothing until the test ends
    return false;
  });
  auto client = clientFor(server);
  auto conn = client->hijack("POST", "/containers/x/attach");
  ASSERT_TRUE(conn.ok());
  auto reader = std::async(std::launch::async, [&] { return readAllFrom(**conn); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  (*conn)->close();
  EXPECT_EQ(reader.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  release.set_value();
}

TEST(HijackTest, AcceptsAPlain200RawStream) {
  ConcurrentServer server([](int fd, const Request&) {
    writeAll(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\n\r\nraw");
    return false;
  });
  auto client = clientFor(server);
  auto conn = client->hijack("POST", "/exec/e/start", {}, nlohmann::json{{"Detach", false}});
  ASSERT_TRUE(conn.ok());
  EXPECT_EQ(readAllFrom(**conn), "raw");
  EXPECT_EQ(server.requests().back().body, R"({"Detach":false})");
}

TEST(HijackTest, AnErrorReplyBecomesTheDaemonsError) {
  ConcurrentServer server(echoDaemon);
  auto client = clientFor(server);
  auto conn = client->hijack("POST", "/containers/x/wait");
  ASSERT_FALSE(conn.ok());
  EXPECT_EQ(conn.error().kind(), ErrorKind::kNotFound);
  EXPECT_EQ(conn.error().message(), "Error response from daemon: No such container: x");
  // The client still works for ordinary requests afterwards.
  auto again = client->call("GET", "/containers/x/json");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().kind(), ErrorKind::kNotFound);
}

TEST(HijackTest, NotModifiedIsNoError) {
  // dockerd answers start on a running container (and stop on a stopped one) with 304.
  ConcurrentServer server([](int fd, const Request&) {
    writeAll(fd, "HTTP/1.1 304 Not Modified\r\n\r\n");
    return true;
  });
  auto client = clientFor(server);
  EXPECT_TRUE(client->call("POST", "/containers/x/start").ok());
  EXPECT_TRUE(client->call("POST", "/containers/x/stop").ok());
}

TEST(HijackTest, StreamReportsTheHeadBeforeTheBody) {
  std::promise<void> headSeen;
  auto seen = headSeen.get_future().share();
  ConcurrentServer server([seen](int fd, const Request&) {
    testing::writeChunkedHead(fd, 200);
    seen.wait();  // the body only after the client noticed the head
    testing::writeChunk(fd, R"({"StatusCode":3})");
    testing::writeLastChunk(fd);
    return true;
  });
  auto client = clientFor(server);
  ApiRequest req;
  req.method = "POST";
  req.path = "/containers/x/wait";
  std::string body;
  unsigned status = 0;
  Status st = client->stream(
      req,
      [&](unsigned s) {
        status = s;
        headSeen.set_value();
      },
      [&](std::string_view chunk) {
        body.append(chunk);
        return true;
      });
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(status, 200u);
  EXPECT_EQ(body, R"({"StatusCode":3})");
}

TEST(HijackTest, InterruptEndsARequestBlockedOnAnotherThread) {
  ConcurrentServer server([](int fd, const Request&) {
    testing::writeChunkedHead(fd, 200);
    std::this_thread::sleep_for(std::chrono::seconds(1));  // a wait that does not end soon
    return false;
  });
  auto client = clientFor(server);
  auto waiting = std::async(std::launch::async, [&] {
    return client->stream("POST", "/containers/x/wait", {}, std::nullopt,
                          [](std::string_view) { return true; });
  });
  ASSERT_TRUE(server.waitFor("/wait"));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  client->interrupt();
  ASSERT_EQ(waiting.wait_for(std::chrono::seconds(2)), std::future_status::ready);
  EXPECT_FALSE(waiting.get().ok());
}

}  // namespace
}  // namespace berth::cli
