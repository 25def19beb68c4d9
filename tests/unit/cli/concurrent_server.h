// A fake daemon for the container commands: like TestServer, but every
// connection has its own thread (run parks a wait beside its attach stream),
// and a handler may take a connection over (hijack) after answering.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "test_server.h"

namespace berth::cli::testing {

class ConcurrentServer {
 public:
  // Answers one request on `fd`; returns false to close the connection.
  using Handler = std::function<bool(int fd, const Request& request)>;

  explicit ConcurrentServer(Handler handler);
  ~ConcurrentServer();
  ConcurrentServer(const ConcurrentServer&) = delete;
  ConcurrentServer& operator=(const ConcurrentServer&) = delete;

  std::string url() const { return "unix://" + socketPath_; }
  const std::string& socketPath() const { return socketPath_; }
  std::vector<Request> requests() const;
  // "POST /containers/x/start" for each request so far (version prefix and query dropped).
  std::vector<std::string> calls() const;
  // Blocks until a request whose target contains `needle` arrived (or 5 s passed).
  bool waitFor(std::string_view needle);

 private:
  void serve();
  void serveConnection(int fd);

  Handler handler_;
  std::string dir_;
  std::string socketPath_;
  int listenFd_ = -1;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Request> requests_;
  std::vector<int> fds_;
  std::vector<std::thread> threads_;
  std::thread acceptor_;
};

// The head of a 101 upgrade reply, as dockerd answers attach and exec start.
void writeUpgradeHead(int fd, std::string_view contentType = "application/vnd.docker.raw-stream");
// One stdcopy frame: [stream, 0, 0, 0, size u32 big-endian] payload.
std::string stdcopyFrame(int stream, std::string_view payload);

}  // namespace berth::cli::testing
