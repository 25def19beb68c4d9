// A blocking HTTP/1.1 client over a unix socket for the server tests. It is raw
// on purpose: tests send malformed requests and look at chunk framing on the wire.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace berth::api::apitest {

struct RawResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;                            // de-chunked
  std::vector<std::string> chunks;             // a chunked body as framed on the wire
  bool sawLastChunk = false;                   // the "0\r\n\r\n" terminator arrived

  std::string header(const std::string& lowerName) const;
};

class TestClient {
 public:
  // Every read gives up after `readTimeoutSec`, so a misbehaving server fails a
  // test instead of hanging it.
  static std::unique_ptr<TestClient> connect(const std::string& path, int readTimeoutSec = 10);
  ~TestClient();
  TestClient(const TestClient&) = delete;
  TestClient& operator=(const TestClient&) = delete;

  bool send(std::string_view data);
  // The status line and headers; body bytes already read stay buffered.
  std::optional<RawResponse> readHead();
  // A whole response: Content-Length, chunked, or no body for HEAD / 1xx / 204 / 304.
  std::optional<RawResponse> readResponse(bool head = false);
  // The next chunk of a chunked body; "" for the terminator, nullopt on EOF or error.
  std::optional<std::string> readChunk();
  // Up to `n` raw bytes (buffered first); "" at EOF or timeout.
  std::string readSome(size_t n = 4096);
  // Exactly `n` raw bytes, or fewer at EOF/timeout.
  std::string readExactly(size_t n);
  // True when the server closes the connection before the read timeout; data
  // still in flight is discarded.
  bool waitForEof();
  void shutdownWrite();
  bool timedOut() const { return timedOut_; }

 private:
  explicit TestClient(int fd) : fd_(fd) {}
  // Appends what the socket has to buf_; false at EOF, error or timeout.
  bool fill();
  std::optional<std::string> readLine();

  int fd_;
  std::string buf_;
  bool timedOut_ = false;
};

// "GET /path HTTP/1.1" with Host and, when given, a body with Content-Length.
std::string httpRequest(std::string_view method, std::string_view target,
                        std::string_view extraHeaders = {}, std::string_view body = {});

}  // namespace berth::api::apitest
