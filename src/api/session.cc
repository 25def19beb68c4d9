#include "api/session.h"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

#include <deque>
#include <limits>
#include <optional>
#include <thread>

#include "api/raw_conn.h"
#include "common/strings.h"

namespace berth::api {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

template <typename Stream>
constexpr bool kIsTls = false;
template <typename Next>
constexpr bool kIsTls<asio::ssl::stream<Next>> = true;

template <typename Stream>
auto& lowest(Stream& s) {
  if constexpr (kIsTls<Stream>) {
    return s.next_layer();
  } else {
    return s;
  }
}

void setCommonHeaders(http::header<false>& h) {
  h.set(http::field::server, "berth/" BERTH_VERSION " (linux)");
  h.set("Api-Version", kApiVersion);
  h.set("Docker-Experimental", "false");
  h.set("Ostype", "linux");
}

template <typename Stream>
class Session : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(Stream stream, SessionHost& host)
      : stream_(std::move(stream)), host_(host), timer_(stream_.get_executor()) {}

  void start() override {
    if constexpr (kIsTls<Stream>) {
      armTimer(host_.options().readTimeout);
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](boost::system::error_code ec) {
                                self->timer_.cancel();
                                if (ec) {
                                  spdlog::debug("TLS handshake failed: {}", ec.message());
                                  self->close();
                                  return;
                                }
                                self->readRequest();
                              });
    } else {
      readRequest();
    }
  }

  void shutdown() override {
    asio::post(stream_.get_executor(), [self = this->shared_from_this()] { self->close(); });
  }

  // Stream sink operations, always on the executor.
  void streamWrite(std::string data) {
    if (closed_) {
      return;
    }
    chunks_.push_back(std::move(data));
    if (!writing_) {
      writeNextChunk();
    }
  }
  void streamFinish() {
    if (closed_ || finishing_) {
      return;
    }
    finishing_ = true;
    if (!writing_) {
      writeNextChunk();
    }
  }
  void streamRunAfter(std::chrono::nanoseconds delay, std::function<void()> fn) {
    auto t = std::make_shared<asio::steady_timer>(stream_.get_executor());
    t->expires_after(delay);
    streamTimers_.push_back(t);
    t->async_wait([self = this->shared_from_this(), fn = std::move(fn)](boost::system::error_code ec) {
      if (!ec && !self->closed_) {
        fn();
      }
    });
  }
  void addOnClose(std::function<void()> fn) {
    if (closed_) {
      fn();
      return;
    }
    onClose_.push_back(std::move(fn));
  }
  bool isClosed() const { return closed_; }
  asio::any_io_executor executor() { return stream_.get_executor(); }

 private:
  void armTimer(std::chrono::milliseconds d) {
    timer_.expires_after(d);
    timer_.async_wait([weak = this->weak_from_this()](boost::system::error_code ec) {
      auto self = weak.lock();
      if (!ec && self) {
        spdlog::debug("API connection timed out");
        self->close();
      }
    });
  }

  void readRequest() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(host_.options().maxHeaderBytes));
    // No limit until onHeader knows the route: Beast checks Content-Length
    // against the limit while parsing the header, before a route could raise it.
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    armTimer(requests_ == 0 ? host_.options().readTimeout : host_.options().idleTimeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = this->shared_from_this()](beast::error_code ec, size_t) {
                              self->onHeader(ec);
                            });
  }

  void onHeader(beast::error_code ec) {
    if (ec) {
      onReadError(ec);
      return;
    }
    armTimer(host_.options().readTimeout);
    const auto& h = parser_->get();
    size_t limit = host_.routes().maxBodyFor(std::string(h.method_string()), h.target());
    if (limit == 0) {
      limit = host_.options().maxBodyBytes;
    }
    // Beast counts only chunked bodies against body_limit once the header is
    // parsed; a declared length over the limit is refused here, unread.
    if (auto len = parser_->content_length(); len && *len > limit) {
      onReadError(http::error::body_limit);
      return;
    }
    parser_->body_limit(limit);
    if (parser_->is_done()) {
      onRequest({});
      return;
    }
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code e, size_t) {
                       self->onRequest(e);
                     });
  }

  void onReadError(beast::error_code ec) {
    timer_.cancel();
    if (ec == http::error::end_of_stream || ec == asio::error::eof ||
        ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
        ec == asio::ssl::error::stream_truncated) {
      close();
      return;
    }
    keepAlive_ = false;
    if (ec == http::error::body_limit) {
      sendReply(Reply::json(413, {{"message", "request body too large"}}));
    } else if (ec == http::error::header_limit) {
      sendReply(Reply::json(431, {{"message", "request headers too large"}}));
    } else {
      sendReply(Reply::json(400, {{"message", "malformed HTTP request: " + ec.message()}}));
    }
  }

  void onRequest(beast::error_code ec) {
    if (ec) {
      onReadError(ec);
      return;
    }
    timer_.cancel();
    ++requests_;
    auto msg = parser_->release();
    keepAlive_ = msg.keep_alive();
    // Read here: the parser's copy of the message is gone after release().
    upgrade_ = !msg[http::field::upgrade].empty();
    auto req = std::make_shared<Request>();
    req->method = std::string(msg.method_string());
    for (const auto& field : msg) {
      req->headers[toLower(field.name_string())] = std::string(field.value());
    }
    req->body = std::move(msg.body());
    isHead_ = msg.method() == http::verb::head;
    Status st = Router::parseTarget(msg.target(), *req);
    if (!st.ok()) {
      sendReply(Reply::error(st.error()));
      return;
    }
    spdlog::debug("Calling {} {}", req->method, std::string(msg.target()));
    asio::post(host_.handlerPool(), [self = this->shared_from_this(), req] {
      Reply reply = self->host_.routes().dispatch(*req);
      asio::post(self->stream_.get_executor(),
                 [self, reply = std::move(reply)]() mutable { self->sendReply(std::move(reply)); });
    });
  }

  void sendReply(Reply reply) {
    if (closed_) {
      return;
    }
    if (reply.hijack) {
      hijack(std::move(reply));
      return;
    }
    if (reply.stream) {
      startStream(std::move(reply));
      return;
    }
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(reply.status), 11);
    setCommonHeaders(res->base());
    if (!reply.contentType.empty()) {
      res->set(http::field::content_type, reply.contentType);
    }
    for (const auto& [k, v] : reply.headers) {
      res->set(k, v);
    }
    res->keep_alive(keepAlive_);
    // 1xx/204/304 carry no body; Beast's prepare_payload throws if one is set.
    if (reply.status >= 200 && reply.status != 204 && reply.status != 304) {
      res->body() = std::move(reply.body);
    }
    res->prepare_payload();
    if (isHead_) {
      res->body().clear();
    }
    armTimer(host_.options().writeTimeout);
    http::async_write(stream_, *res,
                      [self = this->shared_from_this(), res](beast::error_code ec, size_t) {
                        self->timer_.cancel();
                        if (ec || !self->keepAlive_) {
                          self->close();
                          return;
                        }
                        self->readRequest();
                      });
  }

  void startStream(Reply reply) {
    auto res = std::make_shared<http::response<http::empty_body>>(
        static_cast<http::status>(reply.status), 11);
    setCommonHeaders(res->base());
    res->set(http::field::content_type, reply.contentType);
    for (const auto& [k, v] : reply.headers) {
      res->set(k, v);
    }
    // A stream ends with the connection: no request can follow it.
    res->keep_alive(false);
    res->chunked(true);
    auto sr = std::make_shared<http::response_serializer<http::empty_body>>(*res);
    writing_ = true;
    http::async_write_header(
        stream_, *sr,
        [self = this->shared_from_this(), res, sr, fn = std::move(reply.stream)](
            beast::error_code ec, size_t) {
          self->writing_ = false;
          if (ec) {
            self->close();
            return;
          }
          self->watchForHangup();
          // Held until close() so that routes may keep only a weak_ptr to it.
          self->sink_ = makeSink(self);
          fn(self->sink_);
          if (!self->chunks_.empty() || self->finishing_) {
            self->writeNextChunk();
          }
        });
  }

  // The client sends nothing during a stream; a read completing means it hung up.
  void watchForHangup() {
    stream_.async_read_some(asio::buffer(hangupBuf_),
                            [self = this->shared_from_this()](beast::error_code ec, size_t) {
                              if (ec) {
                                self->close();
                                return;
                              }
                              self->watchForHangup();
                            });
  }

  void writeNextChunk() {
    if (closed_ || writing_) {
      return;
    }
    if (chunks_.empty()) {
      if (finishing_) {
        writing_ = true;
        asio::async_write(stream_, http::make_chunk_last(),
                          [self = this->shared_from_this()](beast::error_code, size_t) {
                            self->writing_ = false;
                            self->close();
                          });
      }
      return;
    }
    writing_ = true;
    auto data = std::make_shared<std::string>(std::move(chunks_.front()));
    chunks_.pop_front();
    armTimer(host_.options().writeTimeout);
    asio::async_write(stream_, http::make_chunk(asio::buffer(*data)),
                      [self = this->shared_from_this(), data](beast::error_code ec, size_t) {
                        self->timer_.cancel();
                        self->writing_ = false;
                        if (ec) {
                          self->close();
                          return;
                        }
                        self->writeNextChunk();
                      });
  }

  void hijack(Reply reply) {
    auto res = std::make_shared<http::response<http::empty_body>>(
        upgrade_ ? http::status::switching_protocols : http::status::ok, 11);
    setCommonHeaders(res->base());
    res->set(http::field::content_type, reply.contentType);
    if (upgrade_) {
      res->set(http::field::connection, "Upgrade");
      res->set(http::field::upgrade, "tcp");
    }
    for (const auto& [k, v] : reply.headers) {
      res->set(k, v);
    }
    timer_.cancel();
    http::async_write(
        stream_, *res,
        [self = this->shared_from_this(), res, fn = std::move(reply.hijack)](beast::error_code ec,
                                                                               size_t) {
          if (ec) {
            self->close();
            return;
          }
          std::string pending = beast::buffers_to_string(self->buffer_.data());
          std::unique_ptr<RawConn> conn =
              makeRawConn(std::move(self->stream_), std::move(pending));
          self->hijacked_ = true;
          self->close();
          std::thread([fn, c = std::move(conn)]() mutable { fn(std::move(c)); }).detach();
        });
  }

  void close() {
    if (closed_) {
      return;
    }
    closed_ = true;
    timer_.cancel();
    for (auto& t : streamTimers_) {
      t->cancel();
    }
    if (!hijacked_) {
      beast::error_code ec;
      lowest(stream_).shutdown(asio::socket_base::shutdown_both, ec);
      lowest(stream_).close(ec);
    }
    auto callbacks = std::move(onClose_);
    for (auto& fn : callbacks) {
      fn();
    }
    sink_.reset();  // it holds this session
    host_.sessionEnded(this->shared_from_this());
  }

  class Sink : public StreamSink {
   public:
    explicit Sink(std::shared_ptr<Session> s) : s_(std::move(s)) {}
    bool write(std::string data) override {
      if (s_->closedFlag_.load()) {
        return false;
      }
      asio::post(s_->executor(), [s = s_, d = std::move(data)]() mutable {
        s->streamWrite(std::move(d));
      });
      return true;
    }
    void finish() override {
      asio::post(s_->executor(), [s = s_] { s->streamFinish(); });
    }
    bool closed() const override { return s_->closedFlag_.load(); }
    void onClose(std::function<void()> fn) override {
      asio::post(s_->executor(), [s = s_, fn = std::move(fn)]() mutable {
        s->addOnClose(std::move(fn));
      });
    }
    void runAfter(std::chrono::nanoseconds delay, std::function<void()> fn) override {
      asio::post(s_->executor(), [s = s_, delay, fn = std::move(fn)]() mutable {
        s->streamRunAfter(delay, std::move(fn));
      });
    }

   private:
    std::shared_ptr<Session> s_;
  };

  static std::shared_ptr<StreamSink> makeSink(const std::shared_ptr<Session>& s) {
    auto sink = std::make_shared<Sink>(s);
    s->addOnClose([s] { s->closedFlag_.store(true); });
    return sink;
  }

  Stream stream_;
  SessionHost& host_;
  asio::steady_timer timer_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  bool keepAlive_ = true;
  bool isHead_ = false;
  bool closed_ = false;
  bool hijacked_ = false;
  bool upgrade_ = false;  // the request asked for "Upgrade:"
  size_t requests_ = 0;
  // Streaming state.
  std::atomic<bool> closedFlag_{false};
  std::deque<std::string> chunks_;
  bool writing_ = false;
  bool finishing_ = false;
  std::vector<std::function<void()>> onClose_;
  std::shared_ptr<StreamSink> sink_;
  std::vector<std::shared_ptr<asio::steady_timer>> streamTimers_;
  std::array<char, 512> hangupBuf_{};
};

}  // namespace

std::shared_ptr<SessionBase> makeSession(asio::local::stream_protocol::socket sock,
                                         SessionHost& host) {
  return std::make_shared<Session<asio::local::stream_protocol::socket>>(std::move(sock), host);
}

std::shared_ptr<SessionBase> makeSession(tcp::socket sock, SessionHost& host) {
  return std::make_shared<Session<tcp::socket>>(std::move(sock), host);
}

std::shared_ptr<SessionBase> makeTlsSession(tcp::socket sock, asio::ssl::context& ctx,
                                            SessionHost& host) {
  return std::make_shared<Session<asio::ssl::stream<tcp::socket>>>(
      asio::ssl::stream<tcp::socket>(std::move(sock), ctx), host);
}

}  // namespace berth::api
