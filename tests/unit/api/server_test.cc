// The API server over a real unix socket: keep-alive, streaming, hijack,
// limits, timeouts and listener rules.
#include "api/server.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <fstream>
#include <mutex>

#include "common/strings.h"
#include "server_fixture.h"

namespace berth::api::apitest {
namespace {

using namespace std::chrono_literals;

class ServerTest : public ServerFixture {
 protected:
  void SetUp() override {
    ServerFixture::SetUp();
    router_.add("GET", "/echo/{name}", {.query = {"q"}}, [](Request& req) -> Result<Reply> {
      return Reply::json(200, {{"name", req.pathParams.at("name")},
                               {"q", req.queryValue("q").value_or("")},
                               {"version", req.apiVersion}});
    });
    router_.add("POST", "/small", {.query = {}, .maxBody = 16}, [this](Request& req) -> Result<Reply> {
      smallCalled_ = true;
      return Reply::json(200, {{"size", req.body.size()}});
    });
    // Above the server's default limit (testOptions() lowers it to 1 KiB).
    router_.add("POST", "/big", {.query = {}, .maxBody = 4096}, [](Request& req) -> Result<Reply> {
      return Reply::json(200, {{"size", req.body.size()}});
    });
    router_.add("POST", "/body", {}, [](Request& req) -> Result<Reply> {
      return Reply::json(200, {{"size", req.body.size()}});
    });
    router_.add("GET", "/stream3", {}, [](Request&) -> Result<Reply> {
      Reply r;
      r.stream = [](std::shared_ptr<StreamSink> sink) {
        sink->write("a\n");
        sink->write("bb\n");
        sink->write("ccc\n");
        sink->finish();
      };
      return r;
    });
    router_.add("GET", "/hold", {}, [this](Request&) -> Result<Reply> {
      Reply r;
      r.stream = [this](std::shared_ptr<StreamSink> sink) {
        sink->onClose([this] { holdClosed_.set_value(); });
        sink->write("first\n");
        std::lock_guard<std::mutex> lock(mu_);
        heldSink_ = std::move(sink);
      };
      return r;
    });
    router_.add("POST", "/hijack", {}, [this](Request&) -> Result<Reply> {
      Reply r;
      r.contentType = "application/vnd.docker.raw-stream";
      r.hijack = [this](std::unique_ptr<RawConn> conn) {
        bool ok = conn->write("hello\n").ok();
        char buf[256];
        while (ok) {
          auto n = conn->read(buf, sizeof(buf));
          if (!n.ok() || *n == 0) {
            break;
          }
          ok = conn->write(std::string_view(buf, *n)).ok();
        }
        conn->closeWrite();
        conn.reset();
        hijackDone_.set_value();
      };
      return r;
    });
  }

  void TearDown() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      heldSink_.reset();
    }
    ServerFixture::TearDown();
  }

  std::shared_ptr<StreamSink> heldSink() {
    std::lock_guard<std::mutex> lock(mu_);
    return heldSink_;
  }

  // A reader blocked in RawConn::read on its own thread while another closes it.
  void addBlockedReaderRoute() {
    router_.add("POST", "/hijack-close", {}, [this](Request&) -> Result<Reply> {
      Reply r;
      r.hijack = [this](std::unique_ptr<RawConn> conn) {
        std::promise<void> readerDone;
        auto readerFuture = readerDone.get_future();
        std::thread reader([&] {
          char buf[16];
          (void)conn->read(buf, sizeof(buf));
          readerDone.set_value();
        });
        // Not a timing assertion: lets the reader block first most of the time.
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        conn->close();
        readerWoke_ = readerFuture.wait_for(std::chrono::seconds(5)) == std::future_status::ready;
        reader.join();
        conn.reset();
        hijackDone_.set_value();
      };
      return r;
    });
  }

  static ServerOptions limitedOptions() {
    ServerOptions o = testOptions();
    o.maxBodyBytes = 1024;
    o.maxHeaderBytes = 2048;
    return o;
  }

  std::atomic<bool> smallCalled_{false};
  std::promise<void> holdClosed_;
  std::mutex mu_;
  std::shared_ptr<StreamSink> heldSink_;  // guarded by mu_
  std::promise<void> hijackDone_;
  std::atomic<bool> readerWoke_{false};
};

TEST_F(ServerTest, TwoRequestsOnOneKeepAliveConnection) {
  start();
  auto c = connect();
  ASSERT_TRUE(c->send(httpRequest("GET", "/v1.44/echo/one?q=a%20b")));
  auto r1 = c->readResponse();
  ASSERT_TRUE(r1);
  EXPECT_EQ(r1->status, 200);
  EXPECT_EQ(nlohmann::json::parse(r1->body),
            nlohmann::json({{"name", "one"}, {"q", "a b"}, {"version", "1.44"}}));
  EXPECT_EQ(r1->header("content-type"), "application/json");
  EXPECT_EQ(r1->header("api-version"), "1.44");
  EXPECT_EQ(r1->header("ostype"), "linux");
  EXPECT_EQ(r1->header("docker-experimental"), "false");
  EXPECT_TRUE(startsWith(r1->header("server"), "berth/"));

  ASSERT_TRUE(c->send(httpRequest("GET", "/v1.30/echo/two")));
  auto r2 = c->readResponse();
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->status, 200);
  EXPECT_EQ(nlohmann::json::parse(r2->body)["version"], "1.30");
  EXPECT_EQ(server_->connectionCount(), 1U);
}

TEST_F(ServerTest, PipelinedRequestsAnswerInOrder) {
  start();
  auto c = connect();
  ASSERT_TRUE(c->send(httpRequest("GET", "/echo/one") + httpRequest("GET", "/echo/two")));
  auto r1 = c->readResponse();
  auto r2 = c->readResponse();
  ASSERT_TRUE(r1 && r2);
  EXPECT_EQ(nlohmann::json::parse(r1->body)["name"], "one");
  EXPECT_EQ(nlohmann::json::parse(r2->body)["name"], "two");
}

TEST_F(ServerTest, Http10WithoutKeepAliveIsClosedAfterTheReply) {
  start();
  auto c = connect();
  ASSERT_TRUE(c->send("GET /_ping HTTP/1.0\r\n\r\n"));
  auto r = c->readResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "OK");
  EXPECT_TRUE(c->waitForEof());
}

TEST_F(ServerTest, HeadPingHasHeadersAndNoBody) {
  start();
  auto c = connect();
  ASSERT_TRUE(c->send(httpRequest("HEAD", "/_ping")));
  auto r = c->readResponse(/*head=*/true);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("api-version"), "1.44");
  EXPECT_EQ(r->header("swarm"), "inactive");
  EXPECT_EQ(r->header("cache-control"), "no-cache, no-store, must-revalidate");
  // No stray body bytes: the next reply on the connection starts cleanly.
  ASSERT_TRUE(c->send(httpRequest("GET", "/v1.44/_ping")));
  auto g = c->readResponse();
  ASSERT_TRUE(g);
  EXPECT_EQ(g->status, 200);
  EXPECT_EQ(g->body, "OK");
}

TEST_F(ServerTest, BadVersionAndUnknownQueryAreJsonErrorsAndKeepTheConnection) {
  start();
  auto c = connect();
  ASSERT_TRUE(c->send(httpRequest("GET", "/v1.45/_ping")));
  auto r = c->readResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(nlohmann::json::parse(r->body)["message"],
            "client version 1.45 is too new. Maximum supported API version is 1.44");

  ASSERT_TRUE(c->send(httpRequest("GET", "/echo/x?nope=1")));
  r = c->readResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);  // unknown parameters are ignored, as dockerd does

  ASSERT_TRUE(c->send(httpRequest("GET", "/nowhere")));
  r = c->readResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(nlohmann::json::parse(r->body)["message"], "page not found");
}

TEST_F(ServerTest, ChunkedStreamDeliversEveryChunkAndTheTerminator) {
  start();
  auto c = connect();
  ASSERT_TRUE(c->send(httpRequest("GET", "/stream3")));
  auto r = c->readResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(toLower(r->header("transfer-encoding")), "chunked");
  EXPECT_EQ(r->header("content-length"), "");
  EXPECT_EQ(r->chunks, (std::vector<std::string>{"a\n", "bb\n", "ccc\n"}));
  EXPECT_TRUE(r->sawLastChunk);
  // A stream ends its connection.
  EXPECT_EQ(toLower(r->header("connection")), "close");
  EXPECT_TRUE(c->waitForEof());
  EXPECT_TRUE(eventually([&] { return server_->connectionCount() == 0; }));
}

TEST_F(ServerTest, ClientHangingUpEndsTheStream) {
  start();
  auto closed = holdClosed_.get_future();
  auto c = connect();
  ASSERT_TRUE(c->send(httpRequest("GET", "/hold")));
  auto head = c->readHead();
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(c->readChunk(), "first\n");
  EXPECT_EQ(server_->connectionCount(), 1U);
  c.reset();  // hangs up

  ASSERT_TRUE(ready(closed)) << "onClose did not run";
  EXPECT_TRUE(eventually([&] { return server_->connectionCount() == 0; }));
  auto sink = heldSink();
  ASSERT_NE(sink, nullptr);
  EXPECT_TRUE(eventually([&] { return sink->closed(); }));
  EXPECT_FALSE(sink->write("late\n"));
  // onClose on an ended stream runs at once.
  std::promise<void> late;
  sink->onClose([&] { late.set_value(); });
  auto lateDone = late.get_future();
  EXPECT_TRUE(ready(lateDone));
}

TEST_F(ServerTest, StopEndsAnOpenStream) {
  start();
  auto closed = holdClosed_.get_future();
  auto c = connect();
  ASSERT_TRUE(c->send(httpRequest("GET", "/hold")));
  ASSERT_TRUE(c->readHead());
  EXPECT_EQ(c->readChunk(), "first\n");

  stopServer();
  ASSERT_TRUE(ready(closed)) << "onClose did not run";
  EXPECT_TRUE(c->waitForEof());
  EXPECT_EQ(server_->connectionCount(), 0U);
  // The socket file goes with the listener; new clients are refused.
  EXPECT_FALSE(std::filesystem::exists(sock_));
  EXPECT_EQ(TestClient::connect(sock_), nullptr);
}

TEST_F(ServerTest, HijackWithUpgradeSwitchesProtocolsAndEchoes) {
  start();
  auto done = hijackDone_.get_future();
  auto c = connect();
  // Bytes sent right behind the request reach the RawConn too.
  ASSERT_TRUE(c->send(httpRequest("POST", "/v1.44/hijack",
                                  "Connection: Upgrade\r\nUpgrade: tcp\r\n") +
                      "early"));
  auto head = c->readHead();
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 101);
  EXPECT_EQ(head->header("upgrade"), "tcp");
  EXPECT_EQ(toLower(head->header("connection")), "upgrade");
  EXPECT_EQ(head->header("content-type"), "application/vnd.docker.raw-stream");
  EXPECT_EQ(c->readExactly(6), "hello\n");
  EXPECT_EQ(c->readExactly(5), "early");
  ASSERT_TRUE(c->send("ping"));
  EXPECT_EQ(c->readExactly(4), "ping");
  std::string big(50000, 'x');
  ASSERT_TRUE(c->send(big));
  EXPECT_EQ(c->readExactly(big.size()), big);
  c->shutdownWrite();
  EXPECT_TRUE(c->waitForEof());
  EXPECT_TRUE(ready(done));
  // The hijacked connection is no longer the server's.
  EXPECT_TRUE(eventually([&] { return server_->connectionCount() == 0; }));
}

TEST_F(ServerTest, HijackWithoutUpgradeIsOkAndStillRaw) {
  start();
  auto done = hijackDone_.get_future();
  auto c = connect();
  ASSERT_TRUE(c->send(httpRequest("POST", "/hijack")));
  auto head = c->readHead();
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->header("upgrade"), "");
  EXPECT_EQ(c->readExactly(6), "hello\n");
  ASSERT_TRUE(c->send("pong"));
  EXPECT_EQ(c->readExactly(4), "pong");
  c->shutdownWrite();
  EXPECT_TRUE(c->waitForEof());
  EXPECT_TRUE(ready(done));
}

TEST_F(ServerTest, ClosingARawConnWakesItsReaderAndEndsTheConnection) {
  addBlockedReaderRoute();
  start();
  auto done = hijackDone_.get_future();
  auto c = connect();
  ASSERT_TRUE(c->send(httpRequest("POST", "/hijack-close", "Connection: Upgrade\r\nUpgrade: tcp\r\n")));
  auto head = c->readHead();
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 101);
  // Regression: close() only closed the descriptor, which neither wakes a
  // blocked reader nor ends the connection while that reader polls it.
  EXPECT_TRUE(c->waitForEof()) << "the client never saw the connection end";
  c.reset();  // releases a stuck reader, if any
  ASSERT_TRUE(ready(done));
  EXPECT_TRUE(readerWoke_.load()) << "close() left the reader blocked";
}

TEST_F(ServerTest, BodyOverTheRouteLimitIs413AndNotDispatched) {
  start(limitedOptions());
  {
    auto c = connect();
    ASSERT_TRUE(c->send(httpRequest("POST", "/small", "Content-Type: text/plain\r\n",
                                    std::string(100, 'x'))));
    auto r = c->readResponse();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413);
    EXPECT_EQ(nlohmann::json::parse(r->body), nlohmann::json({{"message", "request body too large"}}));
    EXPECT_TRUE(c->waitForEof());
  }
  {
    // Chunked bodies are counted as they arrive.
    auto c = connect();
    std::string chunked = "POST /small HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                          "a\r\n0123456789\r\na\r\n0123456789\r\n0\r\n\r\n";
    ASSERT_TRUE(c->send(chunked));
    auto r = c->readResponse();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413);
  }
  EXPECT_FALSE(smallCalled_.load());
  {
    // At the limit is fine.
    auto c = connect();
    ASSERT_TRUE(c->send(httpRequest("POST", "/small", {}, std::string(16, 'x'))));
    auto r = c->readResponse();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_TRUE(smallCalled_.load());
  }
}

TEST_F(ServerTest, ServerBodyLimitAppliesUnlessTheRouteRaisesIt) {
  start(limitedOptions());
  {
    auto c = connect();
    ASSERT_TRUE(c->send(httpRequest("POST", "/body", {}, std::string(2000, 'x'))));
    auto r = c->readResponse();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413);
  }
  {
    auto c = connect();
    ASSERT_TRUE(c->send(httpRequest("POST", "/nowhere", {}, std::string(2000, 'x'))));
    auto r = c->readResponse();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413);
  }
  {
    // Regression: the server's limit was checked against Content-Length while
    // the headers were parsed, before the route could raise it.
    auto c = connect();
    ASSERT_TRUE(c->send(httpRequest("POST", "/big", {}, std::string(2000, 'x'))));
    auto r = c->readResponse();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << r->body;
    EXPECT_EQ(r->body, "{\"size\":2000}\n");
  }
  {
    auto c = connect();
    std::string chunked = "POST /big HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                          "7d0\r\n" + std::string(2000, 'y') + "\r\n0\r\n\r\n";
    ASSERT_TRUE(c->send(chunked));
    auto r = c->readResponse();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << r->body;
  }
}

TEST_F(ServerTest, OversizedHeadersAre431) {
  start(limitedOptions());
  auto c = connect();
  ASSERT_TRUE(c->send(httpRequest("GET", "/_ping", "X-Big: " + std::string(8000, 'a') + "\r\n")));
  auto r = c->readResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431);
  EXPECT_EQ(nlohmann::json::parse(r->body), nlohmann::json({{"message", "request headers too large"}}));
  EXPECT_TRUE(c->waitForEof());
}

TEST_F(ServerTest, GarbageIs400AndClosed) {
  start();
  auto c = connect();
  static constexpr char kGarbage[] = "\x00\x01 not http\r\n\r\n";
  ASSERT_TRUE(c->send(std::string(kGarbage, sizeof(kGarbage) - 1)));
  auto r = c->readResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(r->header("content-type"), "application/json");
  EXPECT_TRUE(startsWith(nlohmann::json::parse(r->body)["message"].get<std::string>(),
                         "malformed HTTP request"));
  EXPECT_TRUE(c->waitForEof());
  EXPECT_TRUE(eventually([&] { return server_->connectionCount() == 0; }));
}

TEST_F(ServerTest, SlowClientIsClosedAfterTheReadTimeout) {
  ServerOptions o = testOptions();
  o.readTimeout = 200ms;
  start(o);
  auto half = connect();
  ASSERT_TRUE(half->send("GET /_ping HTTP/1.1\r\nHost: x\r\nX-Slow: "));
  auto silent = connect();
  EXPECT_TRUE(half->waitForEof()) << "half a request kept the connection open";
  EXPECT_TRUE(silent->waitForEof()) << "a silent connection stayed open";
  EXPECT_TRUE(eventually([&] { return server_->connectionCount() == 0; }));
}

TEST_F(ServerTest, SecondServerOnALiveSocketIsAConflict) {
  start();
  Server other(io_, router_, testOptions());
  Status st = other.listenUnix(sock_, 0660, static_cast<gid_t>(-1));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().kind(), ErrorKind::kConflict);
  EXPECT_NE(st.error().message().find("another daemon is listening"), std::string::npos)
      << st.error().message();
  // The first server still serves.
  auto c = connect();
  ASSERT_TRUE(c->send(httpRequest("GET", "/_ping")));
  auto r = c->readResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "OK");
}

TEST_F(ServerTest, StaleSocketFileIsReplaced) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, sock_.c_str(), sizeof(addr.sun_path) - 1);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ::close(fd);  // leaves the file behind, like a daemon that crashed
  ASSERT_TRUE(std::filesystem::is_socket(sock_));

  start();
  struct stat st {};
  ASSERT_EQ(::stat(sock_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0660U);
  auto c = connect();
  ASSERT_TRUE(c->send(httpRequest("GET", "/_ping")));
  auto r = c->readResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "OK");
}

TEST_F(ServerTest, RefusesAPathThatIsNotASocket) {
  { std::ofstream(sock_) << "precious"; }
  Server s(io_, router_, testOptions());
  Status st = s.listenUnix(sock_, 0660, static_cast<gid_t>(-1));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().kind(), ErrorKind::kConflict);
  std::ifstream in(sock_);
  std::string content;
  in >> content;
  EXPECT_EQ(content, "precious");
}

TEST_F(ServerTest, TooLongSocketPathIsAnErrorNotAnException) {
  Server s(io_, router_, testOptions());
  std::string longPath = dir_ + "/" + std::string(200, 's') + ".sock";
  Status st = Status();
  EXPECT_NO_THROW(st = s.listenUnix(longPath, 0660, static_cast<gid_t>(-1)));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().kind(), ErrorKind::kInvalidArgument);
}

}  // namespace
}  // namespace berth::api::apitest
