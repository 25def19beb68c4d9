// One HTTP connection of the API server (internal to api/).
#pragma once

#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/thread_pool.hpp>

#include "api/router.h"
#include "api/server.h"

namespace berth::api {

class SessionBase;

// What a session needs from its server.
class SessionHost {
 public:
  virtual ~SessionHost() = default;
  virtual const Router& routes() const = 0;
  virtual const ServerOptions& options() const = 0;
  virtual boost::asio::thread_pool& handlerPool() = 0;
  virtual void sessionEnded(const std::shared_ptr<SessionBase>& s) = 0;
};

class SessionBase {
 public:
  virtual ~SessionBase() = default;
  virtual void start() = 0;
  // Closes the connection from any thread.
  virtual void shutdown() = 0;
};

std::shared_ptr<SessionBase> makeSession(boost::asio::local::stream_protocol::socket sock,
                                         SessionHost& host);
std::shared_ptr<SessionBase> makeSession(boost::asio::ip::tcp::socket sock, SessionHost& host);
std::shared_ptr<SessionBase> makeTlsSession(boost::asio::ip::tcp::socket sock,
                                            boost::asio::ssl::context& ctx, SessionHost& host);

}  // namespace berth::api
