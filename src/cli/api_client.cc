#include "cli/api_client.h"

#include <fmt/format.h>
#include <poll.h>
#include <sys/socket.h>

#include <array>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <limits>
#include <mutex>

#include "cli/api_conn.h"
#include "common/strings.h"

namespace berth::cli {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using beast::error_code;

using detail::Conn;
using detail::makeHijackedConn;
using detail::SocketConn;
using detail::TlsConn;

namespace {

constexpr int kConnectTimeoutMs = 30'000;  // docker's dialer timeout
constexpr size_t kReadChunk = size_t{16} * 1024;

// Gives a Conn the SyncReadStream/SyncWriteStream shape Beast expects.
class ConnStream {
 public:
  explicit ConnStream(Conn& conn) : conn_(&conn) {}

  template <class Buffers>
  size_t read_some(const Buffers& buffers,
                   error_code& ec) {  // NOLINT(readability-identifier-naming)
    for (auto it = asio::buffer_sequence_begin(buffers); it != asio::buffer_sequence_end(buffers);
         ++it) {
      asio::mutable_buffer b = *it;
      if (b.size() > 0) {
        return conn_->readSome(b, ec);
      }
    }
    ec = {};
    return 0;
  }
  template <class Buffers>
  size_t read_some(const Buffers& buffers) {  // NOLINT(readability-identifier-naming)
    error_code ec;
    size_t n = read_some(buffers, ec);
    if (ec) {
      throw beast::system_error(ec);  // never used: Beast is always called with error codes
    }
    return n;
  }
  template <class Buffers>
  size_t write_some(const Buffers& buffers,
                    error_code& ec) {  // NOLINT(readability-identifier-naming)
    for (auto it = asio::buffer_sequence_begin(buffers); it != asio::buffer_sequence_end(buffers);
         ++it) {
      asio::const_buffer b = *it;
      if (b.size() > 0) {
        return conn_->writeSome(b, ec);
      }
    }
    ec = {};
    return 0;
  }
  template <class Buffers>
  size_t write_some(const Buffers& buffers) {  // NOLINT(readability-identifier-naming)
    error_code ec;
    size_t n = write_some(buffers, ec);
    if (ec) {
      throw beast::system_error(ec);
    }
    return n;
  }

 private:
  Conn* conn_;
};

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// connect(2) bounded by a timeout, since a black-holed TCP peer would otherwise
// hold the CLI for minutes.
template <class Socket, class Endpoint>
error_code connectWithTimeout(Socket& socket, const Endpoint& ep, int timeoutMs) {
  error_code ec;
  socket.open(ep.protocol(), ec);
  if (ec) {
    return ec;
  }
  // Asio's own connect() waits without a limit even on a non-blocking socket.
  socket.non_blocking(true, ec);
  if (!ec && ::connect(socket.native_handle(), ep.data(), static_cast<socklen_t>(ep.size())) != 0) {
    if (errno != EINPROGRESS && errno != EAGAIN) {
      ec = error_code(errno, boost::system::system_category());
    } else {
      pollfd pfd{socket.native_handle(), POLLOUT, 0};
      int rc = ::poll(&pfd, 1, timeoutMs);
      if (rc == 0) {
        ec = asio::error::timed_out;
      } else if (rc < 0) {
        ec = error_code(errno, boost::system::system_category());
      } else {
        int err = 0;
        socklen_t len = sizeof(err);
        ::getsockopt(socket.native_handle(), SOL_SOCKET, SO_ERROR, &err, &len);
        ec = error_code(err, boost::system::system_category());
      }
    }
  }
  if (!ec) {
    socket.non_blocking(false, ec);
  }
  if (ec) {
    error_code ignored;
    socket.close(ignored);
  }
  return ec;
}

bool isConnectionLost(const error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == http::error::partial_message;
}


}  // namespace

// ---- the connection ----------------------------------------------------------

class ApiClient::Impl {
 public:
  explicit Impl(Options options) : options_(std::move(options)) {}

  Status init() {
    // As in docker, TLS settings only matter for tcp:// (DOCKER_TLS_VERIFY in the
    // environment must not break a unix socket).
    if (!options_.tls.enabled || options_.host.scheme != DaemonHost::Scheme::kTcp) {
      return okStatus();
    }
    ssl_ = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
    error_code ec;
    if (options_.tls.verify) {
      ssl_->set_verify_mode(asio::ssl::verify_peer, ec);
      if (!options_.tls.caFile.empty()) {
        ssl_->load_verify_file(options_.tls.caFile, ec);
        if (ec) {
          return invalidArgument(fmt::format("could not read CA certificate \"{}\": {}",
                                             options_.tls.caFile, ec.message()));
        }
      } else {
        ssl_->set_default_verify_paths(ec);
      }
    } else {
      ssl_->set_verify_mode(asio::ssl::verify_none, ec);
    }
    const auto& cert = options_.tls.certFile;
    const auto& key = options_.tls.keyFile;
    if (cert.empty() != key.empty()) {
      return invalidArgument(
          "Could not load X509 key pair: both --tlscert and --tlskey are needed");
    }
    if (!cert.empty()) {
      ssl_->use_certificate_chain_file(cert, ec);
      if (!ec) {
        ssl_->use_private_key_file(key, asio::ssl::context::pem, ec);
      }
      if (ec) {
        return invalidArgument(fmt::format("Could not load X509 key pair: {}", ec.message()));
      }
    }
    return okStatus();
  }

  Result<std::string> apiVersion() {
    if (!version_.empty()) {
      return version_;
    }
    if (!options_.apiVersion.empty()) {
      version_ = options_.apiVersion;
      return version_;
    }
    ApiRequest ping;
    ping.path = "/_ping";
    ping.versioned = false;
    std::string body;
    BERTH_ASSIGN_OR_RETURN(Reply reply, exchange(ping, [&](std::string_view c) {
                             body.append(c);
                             return true;
                           }));
    // Any reply will do, as in docker: a daemon that fails /_ping still names its version.
    version_ = negotiateApiVersion(reply.head.header("API-Version"));
    return version_;
  }

  std::string defaultApiVersion() const {
    return options_.apiVersion.empty() ? std::string(kMaxApiVersion) : options_.apiVersion;
  }

  Result<ApiResponse> send(const ApiRequest& request) {
    std::string body;
    BERTH_ASSIGN_OR_RETURN(Reply reply, exchangeVersioned(request, [&](std::string_view c) {
                             body.append(c);
                             return true;
                           }));
    reply.head.body = std::move(body);
    // As docker's checkResponseErr: 3xx is no error (304 "already started/stopped").
    if (reply.head.status < 200 || reply.head.status > 399) {
      return daemonError(reply.head.status, reply.head.header("Content-Type"), reply.head.body,
                         reply.target);
    }
    return std::move(reply.head);
  }

  Status stream(const ApiRequest& request, const ChunkCallback& onChunk,
                const HeadCallback& userOnHead = nullptr) {
    bool failed = false;
    std::string errorBody;
    unsigned status = 0;
    auto sink = [&](std::string_view chunk) {
      if (failed) {
        errorBody.append(chunk);
        return true;
      }
      return onChunk(chunk);
    };
    auto onHead = [&](unsigned s) {
      status = s;
      failed = s < 200 || s > 399;
      if (userOnHead) {
        userOnHead(s);
      }
    };
    BERTH_ASSIGN_OR_RETURN(Reply reply, exchangeVersioned(request, sink, onHead));
    if (failed) {
      return daemonError(status, reply.head.header("Content-Type"), errorBody, reply.target);
    }
    return okStatus();
  }

  Result<std::unique_ptr<HijackedConn>> hijack(const ApiRequest& request) {
    if (request.versioned) {
      BERTH_TRY(apiVersion());
    }
    std::string target = targetFor(request);
    http::request<http::string_body> req = buildRequest(request, target);
    req.set(http::field::connection, "Upgrade");
    req.set(http::field::upgrade, "tcp");

    std::optional<http::response_parser<http::string_body>> parser;
    BERTH_TRY(writeAndReadHeader(req, parser, false));
    unsigned status = parser->get().result_int();
    if (status == 101 || status == 200) {
      // What Beast read past the header already belongs to the raw stream.
      std::string pending(static_cast<const char*>(buffer_.data().data()), buffer_.data().size());
      buffer_.clear();
      std::unique_ptr<Conn> conn = std::move(conn_);
      disconnect();
      return makeHijackedConn(std::move(conn), std::move(pending));
    }
    ConnStream stream(*conn_);
    error_code ec;
    http::read(stream, buffer_, *parser, ec);
    std::string contentType(parser->get()[http::field::content_type]);
    std::string body = parser->get().body();
    if (ec || !parser->keep_alive()) {
      disconnect();
    }
    return daemonError(status, contentType, body, target);
  }

  const DaemonHost& host() const { return options_.host; }

 private:
  struct Reply {
    ApiResponse head;  // status and headers; body filled by the caller
    std::string target;
  };

  Result<Reply> exchangeVersioned(const ApiRequest& request, const ChunkCallback& sink,
                                  const std::function<void(unsigned)>& onHead = nullptr) {
    if (request.versioned) {
      BERTH_TRY(apiVersion());
    }
    return exchange(request, sink, onHead);
  }

  // Opens the connection if there is none.
  Status connect() {
    if (conn_) {
      return okStatus();
    }
    buffer_.clear();
    const DaemonHost& h = options_.host;
    if (h.scheme == DaemonHost::Scheme::kUnix) {
      asio::local::stream_protocol::socket socket(ioc_);
      error_code ec = connectWithTimeout(socket, asio::local::stream_protocol::endpoint(h.path),
                                         kConnectTimeoutMs);
      if (ec == asio::error::access_denied || ec == asio::error::no_permission) {
        return forbidden(fmt::format(
            "permission denied while trying to connect to the berth daemon socket at {}: {}",
            h.url(), ec.message()));
      }
      if (ec) {
        return cannotConnect(h);
      }
      conn_ = std::make_unique<SocketConn<asio::local::stream_protocol::socket>>(std::move(socket));
      return okStatus();
    }
    asio::ip::tcp::resolver resolver(ioc_);
    error_code ec;
    auto results = resolver.resolve(h.host, std::to_string(h.port), ec);
    if (ec) {
      return unavailable(
          fmt::format("error during connect: cannot resolve {}: {}", h.url(), ec.message()));
    }
    asio::ip::tcp::socket socket(ioc_);
    ec = asio::error::host_not_found;
    for (const auto& entry : results) {
      ec = connectWithTimeout(socket, entry.endpoint(), kConnectTimeoutMs);
      if (!ec) {
        break;
      }
    }
    if (ec) {
      return cannotConnect(h);
    }
    socket.set_option(asio::ip::tcp::no_delay(true), ec);
    if (!ssl_) {
      conn_ = std::make_unique<SocketConn<asio::ip::tcp::socket>>(std::move(socket));
      return okStatus();
    }
    auto tls = std::make_unique<TlsConn>(std::move(socket), *ssl_);
    if (!options_.tls.verify) {
      // No certificate check wanted, so no host name check either.
    } else {
      tls->stream().set_verify_callback(asio::ssl::host_name_verification(h.host), ec);
    }
    SSL_set_tlsext_host_name(tls->stream().native_handle(), h.host.c_str());  // SNI
    tls->stream().handshake(asio::ssl::stream_base::client, ec);
    if (ec) {
      return unavailable(
          fmt::format("error during connect: TLS handshake with {}: {}", h.url(), ec.message()));
    }
    conn_ = std::move(tls);
    return okStatus();
  }

  void disconnect() {
    activeFd_ = -1;
    conn_.reset();
    buffer_.clear();
  }

 public:
  void interrupt() {
    int fd = activeFd_.load();
    if (fd >= 0) {
      ::shutdown(fd, SHUT_RDWR);
    }
  }

 private:

  std::string targetFor(const ApiRequest& request) const {
    std::string target = request.path;
    if (request.versioned) {
      target = "/v" + version_ + request.path;
    }
    if (!request.query.empty()) {
      target += "?" + encodeQuery(request.query);
    }
    return target;
  }

  http::request<http::string_body> buildRequest(const ApiRequest& request,
                                                const std::string& target) const {
    http::request<http::string_body> req;
    req.method_string(request.method);
    req.target(target);
    req.version(11);
    const DaemonHost& h = options_.host;
    req.set(http::field::host, h.scheme == DaemonHost::Scheme::kUnix
                                   ? std::string("api.moby.localhost")
                                   : fmt::format("{}:{}", h.host, h.port));
    req.set(http::field::user_agent, options_.userAgent);
    for (const auto& [k, v] : request.headers) {
      req.set(k, v);
    }
    if (request.body) {
      req.set(http::field::content_type, request.contentType);
      req.body() = *request.body;
    }
    req.prepare_payload();
    return req;
  }

  // Writes `req` and reads the reply's header into a fresh `parser`. A kept-alive
  // connection the daemon has meanwhile closed is reopened once.
  template <class Parser>
  Status writeAndReadHeader(const http::request<http::string_body>& req,
                            std::optional<Parser>& parser, bool headRequest) {
    for (int attempt = 0;; ++attempt) {
      bool reused = conn_ != nullptr;
      BERTH_TRY(connect());
      activeFd_ = conn_->nativeHandle();
      ConnStream stream(*conn_);
      error_code ec;
      http::write(stream, req, ec);
      if (!ec) {
        parser.emplace();
        // Not boost::none: Boost 1.74 compares Content-Length against the empty
        // optional and fails every sized body.
        parser->body_limit(std::numeric_limits<std::uint64_t>::max());
        parser->skip(headRequest);
        http::read_header(stream, buffer_, *parser, ec);
      }
      if (!ec) {
        return okStatus();
      }
      disconnect();
      if (reused && attempt == 0 && isConnectionLost(ec)) {
        continue;
      }
      if (isConnectionLost(ec) || ec == asio::error::connection_refused) {
        return cannotConnect(options_.host);
      }
      return unavailable(fmt::format("error during connect: {}", ec.message()));
    }
  }

  // Sends `request` and feeds the reply body to `sink`.
  Result<Reply> exchange(const ApiRequest& request, const ChunkCallback& sink,
                         const std::function<void(unsigned)>& onHead = nullptr) {
    Reply reply;
    reply.target = targetFor(request);
    http::request<http::string_body> req = buildRequest(request, reply.target);
    req.keep_alive(true);

    std::optional<http::response_parser<http::buffer_body>> parser;  // one per attempt
    BERTH_TRY(writeAndReadHeader(req, parser, iequals(request.method, "HEAD")));

    auto& msg = parser->get();
    reply.head.status = msg.result_int();
    for (const auto& field : msg) {
      reply.head.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    if (onHead) {
      onHead(reply.head.status);
    }
    std::array<char, kReadChunk> chunk{};
    ConnStream stream(*conn_);
    while (!parser->is_done()) {
      msg.body().data = chunk.data();
      msg.body().size = chunk.size();
      error_code ec;
      http::read_some(stream, buffer_, *parser, ec);
      if (ec == http::error::need_buffer) {
        ec = {};
      }
      size_t got = chunk.size() - msg.body().size;
      if (got > 0 && !sink(std::string_view(chunk.data(), got))) {
        disconnect();  // the rest of the body is unread, so the connection is unusable
        return reply;
      }
      if (ec) {
        disconnect();
        if (isConnectionLost(ec)) {
          return unavailable("error reading from the berth daemon: unexpected EOF");
        }
        return unavailable(fmt::format("error reading from the berth daemon: {}", ec.message()));
      }
    }
    if (!parser->keep_alive()) {
      disconnect();
    }
    return reply;
  }

  Options options_;
  asio::io_context ioc_;
  std::unique_ptr<asio::ssl::context> ssl_;
  std::unique_ptr<Conn> conn_;
  beast::flat_buffer buffer_;
  std::string version_;
  std::atomic<int> activeFd_{-1};  // the connection's socket, for interrupt()
};

// ---- ApiClient -----------------------------------------------------------------

ApiClient::ApiClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ApiClient::~ApiClient() = default;

Result<std::unique_ptr<ApiClient>> ApiClient::create(Options options) {
  auto impl = std::make_unique<Impl>(std::move(options));
  BERTH_TRY(impl->init());
  return std::unique_ptr<ApiClient>(new ApiClient(std::move(impl)));
}

Result<ApiResponse> ApiClient::send(const ApiRequest& request) { return impl_->send(request); }

Result<ApiResponse> ApiClient::call(std::string_view method, std::string_view path,
                                    const Query& query, const std::optional<nlohmann::json>& body) {
  ApiRequest req;
  req.method = std::string(method);
  req.path = std::string(path);
  req.query = query;
  if (body) {
    req.body = body->dump();
  }
  return impl_->send(req);
}

Status ApiClient::stream(const ApiRequest& request, const ChunkCallback& onChunk) {
  return impl_->stream(request, onChunk);
}

Status ApiClient::stream(std::string_view method, std::string_view path, const Query& query,
                         const std::optional<nlohmann::json>& body, const ChunkCallback& onChunk) {
  ApiRequest req;
  req.method = std::string(method);
  req.path = std::string(path);
  req.query = query;
  if (body) {
    req.body = body->dump();
  }
  return impl_->stream(req, onChunk);
}

Status ApiClient::stream(const ApiRequest& request, const HeadCallback& onHead,
                         const ChunkCallback& onChunk) {
  return impl_->stream(request, onChunk, onHead);
}

Result<std::unique_ptr<HijackedConn>> ApiClient::hijack(const ApiRequest& request) {
  return impl_->hijack(request);
}

Result<std::unique_ptr<HijackedConn>> ApiClient::hijack(std::string_view method,
                                                        std::string_view path, const Query& query,
                                                        const std::optional<nlohmann::json>& body) {
  ApiRequest req;
  req.method = std::string(method);
  req.path = std::string(path);
  req.query = query;
  if (body) {
    req.body = body->dump();
  }
  return impl_->hijack(req);
}

void ApiClient::interrupt() { impl_->interrupt(); }

Result<std::string> ApiClient::apiVersion() { return impl_->apiVersion(); }

std::string ApiClient::defaultApiVersion() const { return impl_->defaultApiVersion(); }

const DaemonHost& ApiClient::host() const { return impl_->host(); }

}  // namespace berth::cli
