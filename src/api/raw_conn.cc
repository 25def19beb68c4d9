#include "api/raw_conn.h"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

#include <cstring>

namespace berth::api {

namespace asio = boost::asio;

namespace {

// Blocking reads and writes on a stream that the io_context no longer uses.
// One reader thread and one writer thread may use it at once.
template <typename Stream>
class AsioRawConn : public RawConn {
 public:
  AsioRawConn(Stream s, std::string pending) : s_(std::move(s)), pending_(std::move(pending)) {}
  ~AsioRawConn() override {
    boost::system::error_code ec;
    lowest().close(ec);
  }

  Result<size_t> read(char* buf, size_t n) override {
    if (!pending_.empty()) {
      size_t k = std::min(n, pending_.size());
      std::memcpy(buf, pending_.data(), k);
      pending_.erase(0, k);
      return k;
    }
    boost::system::error_code ec;
    size_t k = s_.read_some(asio::buffer(buf, n), ec);
    if (ec == asio::error::eof) {
      return size_t{0};
    }
    if (ec) {
      return internal("read from client: " + ec.message());
    }
    return k;
  }

  Status write(std::string_view data) override {
    boost::system::error_code ec;
    asio::write(s_, asio::buffer(data.data(), data.size()), ec);
    if (ec) {
      return internal("write to client: " + ec.message());
    }
    return okStatus();
  }

  void closeWrite() override {
    boost::system::error_code ec;
    lowest().shutdown(asio::socket_base::shutdown_send, ec);
  }

  // Shuts the socket down rather than closing it: that wakes a reader blocked
  // on another thread and ends the connection for the client, whereas closing
  // the descriptor under a blocked poll() does neither (and frees the number
  // for reuse while it is still being read). The destructor closes it.
  void close() override {
    boost::system::error_code ec;
    lowest().shutdown(asio::socket_base::shutdown_both, ec);
  }

 private:
  auto& lowest() {
    if constexpr (std::is_same_v<Stream, asio::ssl::stream<asio::ip::tcp::socket>>) {
      return s_.next_layer();
    } else {
      return s_;
    }
  }

  Stream s_;
  std::string pending_;
};

}  // namespace

std::unique_ptr<RawConn> makeRawConn(asio::local::stream_protocol::socket s, std::string pending) {
  return std::make_unique<AsioRawConn<asio::local::stream_protocol::socket>>(std::move(s),
                                                                            std::move(pending));
}

std::unique_ptr<RawConn> makeRawConn(asio::ip::tcp::socket s, std::string pending) {
  return std::make_unique<AsioRawConn<asio::ip::tcp::socket>>(std::move(s), std::move(pending));
}

std::unique_ptr<RawConn> makeRawConn(asio::ssl::stream<asio::ip::tcp::socket> s,
                                     std::string pending) {
  return std::make_unique<AsioRawConn<asio::ssl::stream<asio::ip::tcp::socket>>>(
      std::move(s), std::move(pending));
}

}  // namespace berth::api
