#include "cli/api_conn.h"

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <mutex>

namespace berth::cli::detail {

namespace {

// A unix or TCP socket after the upgrade. The descriptor is used directly: one
// reader and one writer on different threads are safe with plain recv/send.
class PlainHijackedConn : public HijackedConn {
 public:
  PlainHijackedConn(std::unique_ptr<Conn> conn, std::string pending)
      : conn_(std::move(conn)), fd_(conn_->nativeHandle()), pending_(std::move(pending)) {}

  Result<size_t> read(char* buf, size_t size) override {
    if (!pending_.empty()) {
      size_t n = std::min(size, pending_.size());
      std::memcpy(buf, pending_.data(), n);
      pending_.erase(0, n);
      return n;
    }
    while (true) {
      ssize_t n = ::recv(fd_, buf, size, 0);
      if (n >= 0) {
        return static_cast<size_t>(n);
      }
      if (errno == EINTR) {
        continue;
      }
      if (errno == ECONNRESET || errno == ENOTCONN) {
        return size_t{0};
      }
      return systemError("error reading from the berth daemon", errno);
    }
  }

  Status write(std::string_view data) override {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) {
          continue;
        }
        return systemError("error writing to the berth daemon", errno);
      }
      data.remove_prefix(static_cast<size_t>(n));
    }
    return okStatus();
  }

  void closeWrite() override { ::shutdown(fd_, SHUT_WR); }
  void close() override { ::shutdown(fd_, SHUT_RDWR); }

 private:
  std::unique_ptr<Conn> conn_;  // owns the descriptor
  int fd_;
  std::string pending_;
};

// A TLS connection after the upgrade. One SSL object cannot be used by two
// threads at once, so every TLS call holds a lock; a reader waits for data in
// poll() without it (trying the non-blocking read first, so that nothing
// buffered inside OpenSSL or Asio is overlooked), which lets a writer through.
class TlsHijackedConn : public HijackedConn {
 public:
  TlsHijackedConn(std::unique_ptr<Conn> conn, std::string pending)
      : conn_(std::move(conn)),
        tls_(static_cast<TlsConn*>(conn_.get())),
        fd_(conn_->nativeHandle()),
        pending_(std::move(pending)) {}

  Result<size_t> read(char* buf, size_t size) override {
    if (!pending_.empty()) {
      size_t n = std::min(size, pending_.size());
      std::memcpy(buf, pending_.data(), n);
      pending_.erase(0, n);
      return n;
    }
    while (true) {
      error_code ec;
      size_t n = 0;
      {
        std::lock_guard<std::mutex> lock(mu_);
        error_code ignored;
        tls_->stream().next_layer().non_blocking(true, ignored);
        n = tls_->stream().read_some(asio::buffer(buf, size), ec);
        tls_->stream().next_layer().non_blocking(false, ignored);
      }
      if (!ec) {
        return n;
      }
      if (ec == asio::error::would_block || ec == asio::error::try_again) {
        pollfd pfd{fd_, POLLIN, 0};
        if (::poll(&pfd, 1, -1) < 0 && errno != EINTR) {
          return systemError("error reading from the berth daemon", errno);
        }
        continue;
      }
      // The end of the stream, cleanly or by the peer's TCP half-close.
      if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated ||
          ec == asio::error::connection_reset || ec == asio::error::shut_down) {
        return size_t{0};
      }
      return unavailable("error reading from the berth daemon: " + ec.message());
    }
  }

  Status write(std::string_view data) override {
    std::lock_guard<std::mutex> lock(mu_);
    error_code ec;
    asio::write(tls_->stream(), asio::buffer(data.data(), data.size()), ec);
    if (ec) {
      return unavailable("error writing to the berth daemon: " + ec.message());
    }
    return okStatus();
  }

  // docker's tls.Conn.CloseWrite: a close_notify alert, after which the daemon can
  // still send (TLS half-close). Asio's shutdown() would then wait for the peer's
  // close_notify, reading (and dropping) output on the way; marking the peer's
  // alert as already received makes it send ours and return at once, and the
  // mark is taken back so that reading goes on.
  void closeWrite() override {
    std::lock_guard<std::mutex> lock(mu_);
    SSL* ssl = tls_->stream().native_handle();
    const int before = SSL_get_shutdown(ssl);
    SSL_set_shutdown(ssl, before | SSL_RECEIVED_SHUTDOWN);
    error_code ec;
    tls_->stream().shutdown(ec);
    SSL_set_shutdown(ssl, (before & SSL_RECEIVED_SHUTDOWN) | SSL_SENT_SHUTDOWN);
  }
  void close() override { ::shutdown(fd_, SHUT_RDWR); }

 private:
  std::unique_ptr<Conn> conn_;
  TlsConn* tls_;
  int fd_;
  std::string pending_;
  std::mutex mu_;
};

}  // namespace

std::unique_ptr<HijackedConn> makeHijackedConn(std::unique_ptr<Conn> conn, std::string pending) {
  if (dynamic_cast<TlsConn*>(conn.get()) != nullptr) {
    return std::make_unique<TlsHijackedConn>(std::move(conn), std::move(pending));
  }
  return std::make_unique<PlainHijackedConn>(std::move(conn), std::move(pending));
}

}  // namespace berth::cli::detail
