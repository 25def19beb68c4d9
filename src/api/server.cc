#include "api/server.h"

#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

#include <deque>
#include <mutex>
#include <set>
#include <thread>

#include "api/session.h"

namespace berth::api {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using unix_socket = asio::local::stream_protocol;

struct Server::Impl : std::enable_shared_from_this<Server::Impl>, SessionHost {
  Impl(asio::io_context& io, const Router& r, ServerOptions o)
      : ioc(io), router(r), opts(o), pool(o.handlerThreads) {}

  asio::io_context& ioc;
  const Router& router;
  ServerOptions opts;
  asio::thread_pool pool;
  std::vector<std::unique_ptr<unix_socket::acceptor>> unixAcceptors;
  std::vector<std::string> unixPaths;
  std::vector<std::unique_ptr<tcp::acceptor>> tcpAcceptors;
  std::vector<std::shared_ptr<asio::ssl::context>> tlsContexts;
  mutable std::mutex mu;
  std::set<std::shared_ptr<SessionBase>> sessions;
  bool stopped = false;

  const Router& routes() const override { return router; }
  const ServerOptions& options() const override { return opts; }
  asio::thread_pool& handlerPool() override { return pool; }
  void sessionEnded(const std::shared_ptr<SessionBase>& s) override {
    std::lock_guard<std::mutex> lock(mu);
    sessions.erase(s);
  }
  bool track(const std::shared_ptr<SessionBase>& s) {
    std::lock_guard<std::mutex> lock(mu);
    if (stopped) {
      return false;
    }
    sessions.insert(s);
    return true;
  }

  void acceptUnix(unix_socket::acceptor* acc) {
    acc->async_accept([self = shared_from_this(), acc](boost::system::error_code ec,
                                                       unix_socket::socket sock) {
      if (ec) {
        if (ec != asio::error::operation_aborted) {
          spdlog::warn("accept on unix socket: {}", ec.message());
          self->acceptUnix(acc);
        }
        return;
      }
      auto s = makeSession(std::move(sock), *self);
      if (self->track(s)) {
        s->start();
      }
      self->acceptUnix(acc);
    });
  }

  void acceptTcp(tcp::acceptor* acc, const std::shared_ptr<asio::ssl::context>& tls) {
    acc->async_accept([self = shared_from_this(), acc, tls](boost::system::error_code ec,
                                                            tcp::socket sock) {
      if (ec) {
        if (ec != asio::error::operation_aborted) {
          spdlog::warn("accept on tcp socket: {}", ec.message());
          self->acceptTcp(acc, tls);
        }
        return;
      }
      sock.set_option(tcp::no_delay(true), ec);
      std::shared_ptr<SessionBase> s;
      if (tls) {
        s = makeTlsSession(std::move(sock), *tls, *self);
      } else {
        s = makeSession(std::move(sock), *self);
      }
      if (self->track(s)) {
        s->start();
      }
      self->acceptTcp(acc, tls);
    });
  }
};

Server::Server(asio::io_context& io, const Router& router, ServerOptions options)
    : impl_(std::make_shared<Impl>(io, router, options)) {}

Server::~Server() {
  stop();
  impl_->pool.join();
}

namespace {

// True when something accepts connections on `path` (a live daemon).
bool socketInUse(asio::io_context& io, const std::string& path) {
  unix_socket::socket probe(io);
  boost::system::error_code ec;
  probe.connect(unix_socket::endpoint(path), ec);
  return !ec;
}

}  // namespace

Status Server::listenUnix(const std::string& path, unsigned mode, gid_t group) {
  // Asio throws on a path that does not fit sockaddr_un.
  if (path.empty() || path.size() >= sizeof(sockaddr_un::sun_path)) {
    return invalidArgument("cannot listen on unix://" + path + ": the path must be 1 to " +
                           std::to_string(sizeof(sockaddr_un::sun_path) - 1) + " bytes long");
  }
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      return conflict("cannot listen on " + path + ": it exists and is not a socket");
    }
    if (socketInUse(impl_->ioc, path)) {
      return conflict("cannot listen on " + path + ": another daemon is listening there");
    }
    ::unlink(path.c_str());
  }
  auto acc = std::make_unique<unix_socket::acceptor>(impl_->ioc);
  boost::system::error_code ec;
  acc->open(unix_socket(), ec);
  if (!ec) {
    acc->bind(unix_socket::endpoint(path), ec);
  }
  if (!ec) {
    acc->listen(asio::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    return internal("cannot listen on unix://" + path + ": " + ec.message());
  }
  if (::chmod(path.c_str(), mode) != 0) {
    return systemError("chmod " + path, errno);
  }
  if (group != static_cast<gid_t>(-1) && ::chown(path.c_str(), 0, group) != 0) {
    return systemError("chown " + path, errno);
  }
  impl_->acceptUnix(acc.get());
  impl_->unixAcceptors.push_back(std::move(acc));
  impl_->unixPaths.push_back(path);
  return okStatus();
}

Status Server::listenTcp(const std::string& host, uint16_t port, const TlsOptions* tls) {
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(host.empty() ? "0.0.0.0" : host, ec);
  if (ec) {
    return invalidArgument("invalid listen address '" + host + "': " + ec.message());
  }
  std::shared_ptr<asio::ssl::context> ctx;
  if (tls != nullptr) {
    ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
    ctx->set_options(asio::ssl::context::no_sslv2 | asio::ssl::context::no_sslv3 |
                     asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
    ctx->use_certificate_chain_file(tls->certFile, ec);
    if (ec) {
      return invalidArgument("could not load TLS certificate " + tls->certFile + ": " +
                             ec.message());
    }
    ctx->use_private_key_file(tls->keyFile, asio::ssl::context::pem, ec);
    if (ec) {
      return invalidArgument("could not load TLS key " + tls->keyFile + ": " + ec.message());
    }
    if (tls->verifyClients) {
      ctx->load_verify_file(tls->caFile, ec);
      if (ec) {
        return invalidArgument("could not load TLS CA " + tls->caFile + ": " + ec.message());
      }
      ctx->set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert);
    }
  }
  auto acc = std::make_unique<tcp::acceptor>(impl_->ioc);
  tcp::endpoint ep(addr, port);
  acc->open(ep.protocol(), ec);
  if (!ec) {
    acc->set_option(asio::socket_base::reuse_address(true), ec);
    acc->bind(ep, ec);
  }
  if (!ec) {
    acc->listen(asio::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    return unavailable("cannot listen on tcp://" + host + ":" + std::to_string(port) + ": " +
                       ec.message());
  }
  impl_->acceptTcp(acc.get(), ctx);
  impl_->tcpAcceptors.push_back(std::move(acc));
  impl_->tlsContexts.push_back(ctx);
  return okStatus();
}

void Server::stop() {
  std::set<std::shared_ptr<SessionBase>> sessions;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    if (impl_->stopped) {
      return;
    }
    impl_->stopped = true;
    sessions.swap(impl_->sessions);
  }
  boost::system::error_code ec;
  for (auto& acc : impl_->unixAcceptors) {
    acc->close(ec);
  }
  for (const auto& path : impl_->unixPaths) {
    ::unlink(path.c_str());
  }
  for (auto& acc : impl_->tcpAcceptors) {
    acc->close(ec);
  }
  for (const auto& s : sessions) {
    s->shutdown();
  }
}

size_t Server::connectionCount() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->sessions.size();
}

}  // namespace berth::api
