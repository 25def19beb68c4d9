// What a route sees and returns, without Beast: routes compile fast and stay
// thin (decode, call one service, encode).
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace berth::api {

inline constexpr std::string_view kApiVersion = "1.44";
inline constexpr std::string_view kMinApiVersion = "1.24";

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string path;    // without the /v1.xx prefix and the query string
  std::string apiVersion{kApiVersion};
  std::map<std::string, std::string> pathParams;  // {name} segments of the route pattern
  std::multimap<std::string, std::string> query;  // repeated keys kept in order
  std::map<std::string, std::string> headers;     // lower-case names
  std::string body;

  // The last value of a query parameter, if given.
  std::optional<std::string> queryValue(const std::string& key) const;
  // Docker's boolean query form: "1", "true", "True" are true; absent is `fallback`.
  Result<bool> queryBool(const std::string& key, bool fallback = false) const;
  Result<int64_t> queryInt(const std::string& key, int64_t fallback) const;
  std::string header(const std::string& lowerName) const;
  // The body as JSON (dockerd's CheckForJSON: a Content-Type, if any, must be JSON).
  Result<nlohmann::json> json() const;
};

// The chunked body of a streaming reply (events, logs). Thread-safe. The server
// keeps it alive until the stream ends, so routes may hold it weakly.
class StreamSink {
 public:
  virtual ~StreamSink() = default;
  // Queues `data` as one chunk; false once the client has gone.
  virtual bool write(std::string data) = 0;
  // Ends the body; the connection may then be reused.
  virtual void finish() = 0;
  virtual bool closed() const = 0;
  // Called once when the stream ends for any reason (finish, client gone, shutdown).
  virtual void onClose(std::function<void()> fn) = 0;
  // Runs `fn` on the connection's executor after `delay` unless the stream ended.
  virtual void runAfter(std::chrono::nanoseconds delay, std::function<void()> fn) = 0;
};

// A connection taken over after a 101 upgrade (attach, exec): raw bytes both
// ways. Blocking calls, meant for a dedicated thread.
class RawConn {
 public:
  virtual ~RawConn() = default;
  // Reads up to `n` bytes; 0 at end of stream.
  virtual Result<size_t> read(char* buf, size_t n) = 0;
  virtual Status write(std::string_view data) = 0;
  // Half-closes the write side (tells the client the output has ended).
  virtual void closeWrite() = 0;
  // Ends the connection both ways, from any thread; a blocked read returns.
  virtual void close() = 0;
};

struct Reply {
  int status = 200;
  std::string contentType = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // Set for a chunked streaming reply: called once the headers are sent.
  std::function<void(std::shared_ptr<StreamSink>)> stream;
  // Set for a hijacked connection: called on its own thread after the upgrade.
  std::function<void(std::unique_ptr<RawConn>)> hijack;

  static Reply json(int status, const nlohmann::json& body);
  static Reply text(int status, std::string body, std::string contentType = "text/plain; charset=utf-8");
  static Reply noContent();
  static Reply error(const Error& err);
};

// The one table from error kinds to HTTP status codes.
int httpStatus(ErrorKind kind);

}  // namespace berth::api
