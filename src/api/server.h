// The Docker Engine API HTTP server: HTTP/1.1 keep-alive over unix sockets and
// TCP (+TLS), chunked streaming, 101 hijacking, body limits and timeouts.
// Handlers run on a small pool; all socket work stays on the io_context.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "api/router.h"
#include "common/result.h"

namespace boost::asio {
class io_context;
}

namespace berth::api {

struct ServerOptions {
  size_t maxHeaderBytes = size_t{64} * 1024;
  size_t maxBodyBytes = size_t{16} * 1024 * 1024;  // routes may raise or lower it
  std::chrono::milliseconds readTimeout{60000};  // a whole request, from its first byte
  std::chrono::milliseconds idleTimeout{300000};  // a keep-alive connection with no request
  std::chrono::milliseconds writeTimeout{60000};
  size_t handlerThreads = 4;
};

struct TlsOptions {
  std::string caFile;
  std::string certFile;
  std::string keyFile;
  bool verifyClients = true;  // --tlsverify: clients must present a cert signed by caFile
};

class Server {
 public:
  Server(boost::asio::io_context& io, const Router& router, ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Listens on a unix socket with `mode`; chowns it to `group` unless it is -1.
  // Refuses a path where another process is listening; removes a stale socket file.
  Status listenUnix(const std::string& path, unsigned mode, gid_t group);
  // Listens on TCP; with `tls` every connection is TLS (verified per the options).
  Status listenTcp(const std::string& host, uint16_t port, const TlsOptions* tls);

  // Closes the listeners and every open connection (streams get their onClose).
  void stop();

  size_t connectionCount() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace berth::api
