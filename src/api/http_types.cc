#include "api/http_types.h"

#include <charconv>

#include "common/strings.h"

namespace berth::api {

std::optional<std::string> Request::queryValue(const std::string& key) const {
  auto range = query.equal_range(key);
  if (range.first == range.second) {
    return std::nullopt;
  }
  return std::prev(range.second)->second;
}

Result<bool> Request::queryBool(const std::string& key, bool fallback) const {
  auto v = queryValue(key);
  if (!v) {
    return fallback;
  }
  // dockerd's BoolValue: anything but "", "0", "no", "false", "none" is true.
  std::string s = toLower(trim(*v));
  return !(s.empty() || s == "0" || s == "no" || s == "false" || s == "none");
}

Result<int64_t> Request::queryInt(const std::string& key, int64_t fallback) const {
  auto v = queryValue(key);
  if (!v || v->empty()) {
    return fallback;
  }
  int64_t out = 0;
  auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  if (ec != std::errc() || ptr != v->data() + v->size()) {
    return invalidArgument("invalid value for " + key + ": " + *v + " is not an integer");
  }
  return out;
}

std::string Request::header(const std::string& lowerName) const {
  auto it = headers.find(lowerName);
  return it == headers.end() ? std::string() : it->second;
}

Result<nlohmann::json> Request::json() const {
  std::string ct = toLower(header("content-type"));
  // Compared like Go's mime.ParseMediaType: "application/json ; charset=utf-8" is JSON.
  if (!ct.empty() && trim(std::string_view(ct).substr(0, ct.find(';'))) != "application/json") {
    return invalidArgument("unsupported Content-Type header (" + header("content-type") +
                           "): must be 'application/json'");
  }
  if (trim(body).empty()) {
    return nlohmann::json::object();
  }
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    return invalidArgument("invalid JSON in request body");
  }
  return doc;
}

Reply Reply::json(int status, const nlohmann::json& body) {
  Reply r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  r.body.push_back('\n');
  return r;
}

Reply Reply::text(int status, std::string body, std::string contentType) {
  Reply r;
  r.status = status;
  r.body = std::move(body);
  r.contentType = std::move(contentType);
  return r;
}

Reply Reply::noContent() {
  Reply r;
  r.status = 204;
  r.contentType.clear();
  return r;
}

Reply Reply::error(const Error& err) {
  return json(httpStatus(err.kind()), {{"message", err.message()}});
}

int httpStatus(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kInvalidArgument:
      return 400;
    case ErrorKind::kForbidden:
      return 403;
    case ErrorKind::kNotFound:
      return 404;
    case ErrorKind::kConflict:
      return 409;
    case ErrorKind::kNotImplemented:
      return 501;
    case ErrorKind::kUnavailable:
      return 503;
    case ErrorKind::kInternal:
      return 500;
  }
  return 500;
}

}  // namespace berth::api
