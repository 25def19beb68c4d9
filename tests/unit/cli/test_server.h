// A tiny HTTP/1.1 responder on a unix socket in a temporary directory, for
// testing the CLI's client without a daemon. One thread serves connections
// one after another; each request goes to a handler that writes raw bytes.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "../../lib/temp_dir.h"

namespace berth::cli::testing {

struct Request {
  std::string method;
  std::string target;                          // "/v1.44/version?x=y"
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

class TestServer {
 public:
  // Writes the reply to `fd` (see the helpers below); returns false to close
  // the connection afterwards.
  using Handler = std::function<bool(int fd, const Request& request)>;

  explicit TestServer(Handler handler);
  ~TestServer();
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  const std::string& socketPath() const { return socketPath_; }
  std::string url() const { return "unix://" + socketPath_; }
  int connections() const { return connections_.load(); }
  std::vector<Request> requests() const;
  // Ends the server thread, cutting any open connection.
  void stop();

 private:
  void serve();
  void serveConnection(int fd);

  Handler handler_;
  std::string dir_;
  std::string socketPath_;
  int listenFd_ = -1;
  std::atomic<int> connFd_{-1};
  std::atomic<int> connections_{0};
  std::atomic<bool> stopping_{false};
  mutable std::mutex mu_;
  std::vector<Request> requests_;
  std::thread thread_;
};

using ::berth::testlib::TempDir;

void writeAll(int fd, std::string_view data);
// A complete reply with Content-Length; `extraHeaders` are "Name: value\r\n" lines.
void writeResponse(int fd, int status, std::string_view body,
                   std::string_view contentType = "application/json",
                   std::string_view extraHeaders = "");
// Chunked transfer: the head, then one chunk per call, then the terminator.
void writeChunkedHead(int fd, int status, std::string_view contentType = "application/json");
void writeChunk(int fd, std::string_view data);
void writeLastChunk(int fd);

}  // namespace berth::cli::testing
