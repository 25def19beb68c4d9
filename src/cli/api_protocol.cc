#include "cli/api_protocol.h"

#include <fmt/format.h>

#include <cctype>
#include <cstdlib>

#include "common/strings.h"

namespace berth::cli {

namespace {

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

// Go's http.StatusText for the codes a daemon sends.
std::string_view statusText(unsigned status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 406:
      return "Not Acceptable";
    case 409:
      return "Conflict";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    default:
      return "Error";
  }
}

}  // namespace

std::string ApiResponse::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (iequals(k, name)) {
      return v;
    }
  }
  return "";
}

Result<nlohmann::json> ApiResponse::json() const {
  auto parsed = nlohmann::json::parse(body, nullptr, false);
  if (parsed.is_discarded()) {
    return internal("invalid JSON in the daemon's reply");
  }
  return parsed;
}

int compareApiVersions(std::string_view a, std::string_view b) {
  std::vector<std::string> pa = split(a, '.');
  std::vector<std::string> pb = split(b, '.');
  for (size_t i = 0; i < std::max(pa.size(), pb.size()); ++i) {
    long va = i < pa.size() ? std::strtol(pa[i].c_str(), nullptr, 10) : 0;
    long vb = i < pb.size() ? std::strtol(pb[i].c_str(), nullptr, 10) : 0;
    if (va != vb) {
      return va < vb ? -1 : 1;
    }
  }
  return 0;
}

std::string negotiateApiVersion(std::string_view serverApiVersion) {
  std::string_view v = trim(serverApiVersion);
  if (v.empty()) {
    return std::string(kFallbackApiVersion);
  }
  return std::string(compareApiVersions(v, kMaxApiVersion) < 0 ? v : kMaxApiVersion);
}

Error cannotConnect(const DaemonHost& host) {
  return unavailable(fmt::format(
      "Cannot connect to the berth daemon at {}. Is the berth daemon running?", host.url()));
}

Error daemonError(unsigned status, std::string_view contentType, std::string_view body,
                  std::string_view target) {
  std::string message;
  if (contentType.find("json") != std::string_view::npos || (!body.empty() && body[0] == '{')) {
    auto parsed = nlohmann::json::parse(body, nullptr, false);
    if (parsed.is_object() && parsed.contains("message") && parsed["message"].is_string()) {
      message = std::string(trim(parsed["message"].get<std::string>()));
    }
  }
  if (message.empty()) {
    message = std::string(trim(body));
  }
  if (body.empty()) {
    message = fmt::format(
        "request returned {} for API route and version {}, check if the server supports the "
        "requested API version",
        statusText(status), target);
  } else {
    message = "Error response from daemon: " + message;
  }
  switch (status) {
    case 400:
      return invalidArgument(std::move(message));
    case 401:
    case 403:
      return forbidden(std::move(message));
    case 404:
      return notFound(std::move(message));
    case 409:
      return conflict(std::move(message));
    case 501:
      return notImplemented(std::move(message));
    case 503:
      return unavailable(std::move(message));
    default:
      return internal(std::move(message));
  }
}

std::string encodeQuery(const Query& query) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  auto encode = [&](std::string_view s) {
    for (char ch : s) {
      auto c = static_cast<unsigned char>(ch);
      if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
        out += ch;
      } else {
        out += '%';
        out += kHex[c >> 4];
        out += kHex[c & 0xF];
      }
    }
  };
  for (const auto& [k, v] : query) {
    if (!out.empty()) {
      out += '&';
    }
    encode(k);
    out += '=';
    encode(v);
  }
  return out;
}

}  // namespace berth::cli
