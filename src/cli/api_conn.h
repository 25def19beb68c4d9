// The byte streams under ApiClient (unix socket, TCP, TLS) and the hijacked
// connection made from one after an upgrade. Internal to the CLI's client:
// Asio and OpenSSL stay in api_client.cc and api_conn.cc.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <memory>
#include <string>

#include "cli/api_client.h"

namespace berth::cli::detail {

namespace asio = boost::asio;
using error_code = boost::system::error_code;

// One byte stream to the daemon; virtual so Beast's HTTP code is instantiated
// once for unix, TCP and TLS connections alike.
class Conn {
 public:
  virtual ~Conn() = default;
  virtual size_t readSome(asio::mutable_buffer b, error_code& ec) = 0;
  virtual size_t writeSome(asio::const_buffer b, error_code& ec) = 0;
  virtual int nativeHandle() = 0;
};

template <class Socket>
class SocketConn : public Conn {
 public:
  explicit SocketConn(Socket socket) : socket_(std::move(socket)) {}
  size_t readSome(asio::mutable_buffer b, error_code& ec) override {
    return socket_.read_some(b, ec);
  }
  size_t writeSome(asio::const_buffer b, error_code& ec) override {
    return socket_.write_some(b, ec);
  }
  int nativeHandle() override { return socket_.native_handle(); }

 private:
  Socket socket_;
};

class TlsConn : public Conn {
 public:
  TlsConn(asio::ip::tcp::socket socket, asio::ssl::context& ctx)
      : stream_(std::move(socket), ctx) {}
  asio::ssl::stream<asio::ip::tcp::socket>& stream() { return stream_; }
  size_t readSome(asio::mutable_buffer b, error_code& ec) override {
    return stream_.read_some(b, ec);
  }
  size_t writeSome(asio::const_buffer b, error_code& ec) override {
    return stream_.write_some(b, ec);
  }
  int nativeHandle() override { return stream_.next_layer().native_handle(); }

 private:
  asio::ssl::stream<asio::ip::tcp::socket> stream_;
};

// The connection after a 101 (or 200) reply; `pending` holds what was read past
// the reply's header. Plain sockets are used directly; TLS under a lock.
std::unique_ptr<HijackedConn> makeHijackedConn(std::unique_ptr<Conn> conn, std::string pending);

}  // namespace berth::cli::detail
