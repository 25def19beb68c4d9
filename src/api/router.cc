#include "api/router.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "common/strings.h"

namespace berth::api {

namespace {

std::vector<std::string> pathSegments(std::string_view path) {
  std::vector<std::string> out;
  for (auto& s : split(path, '/')) {
    if (!s.empty()) {
      out.push_back(std::move(s));
    }
  }
  return out;
}

bool isVersionPrefix(std::string_view seg) {
  if (seg.size() < 2 || seg[0] != 'v') {
    return false;
  }
  bool digit = false;
  for (char c : seg.substr(1)) {
    if (c >= '0' && c <= '9') {
      digit = true;
    } else if (c != '.') {
      return false;
    }
  }
  return digit;
}

}  // namespace

int compareVersions(std::string_view a, std::string_view b) {
  auto pa = split(a, '.');
  auto pb = split(b, '.');
  for (size_t i = 0; i < std::max(pa.size(), pb.size()); ++i) {
    long va = 0;
    long vb = 0;
    if (i < pa.size()) {
      std::from_chars(pa[i].data(), pa[i].data() + pa[i].size(), va);
    }
    if (i < pb.size()) {
      std::from_chars(pb[i].data(), pb[i].data() + pb[i].size(), vb);
    }
    if (va != vb) {
      return va < vb ? -1 : 1;
    }
  }
  return 0;
}

Result<std::string> urlDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%') {
      int v = 0;
      // Two hex digits exactly: from_chars alone would take a sign ("%-1").
      if (i + 2 >= s.size() || std::isxdigit(static_cast<unsigned char>(s[i + 1])) == 0 ||
          std::isxdigit(static_cast<unsigned char>(s[i + 2])) == 0) {
        return invalidArgument("invalid URL escape in query string");
      }
      std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16);
      out.push_back(static_cast<char>(v));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

Status Router::parseTarget(std::string_view target, Request& req) {
  auto qpos = target.find('?');
  std::string_view path = target.substr(0, qpos);
  if (path.empty() || path[0] != '/') {
    return invalidArgument("invalid request target");
  }
  auto segs = pathSegments(path);
  if (!segs.empty() && isVersionPrefix(segs[0])) {
    std::string version = segs[0].substr(1);
    if (compareVersions(version, kApiVersion) > 0) {
      return invalidArgument("client version " + version +
                             " is too new. Maximum supported API version is " +
                             std::string(kApiVersion));
    }
    if (compareVersions(version, kMinApiVersion) < 0) {
      return invalidArgument("client version " + version +
                             " is too old. Minimum supported API version is " +
                             std::string(kMinApiVersion) +
                             ", please upgrade your client to a newer version");
    }
    req.apiVersion = version;
    // The prefix may follow more than one slash ("//v1.44/info").
    path.remove_prefix(path.find(segs[0]) + segs[0].size());
    if (path.empty()) {
      path = "/";
    }
  }
  BERTH_ASSIGN_OR_RETURN(req.path, urlDecode(path));
  if (qpos != std::string_view::npos) {
    for (const auto& pair : split(target.substr(qpos + 1), '&')) {
      if (pair.empty()) {
        continue;
      }
      auto eq = pair.find('=');
      BERTH_ASSIGN_OR_RETURN(std::string key, urlDecode(std::string_view(pair).substr(0, eq)));
      std::string value;
      if (eq != std::string::npos) {
        BERTH_ASSIGN_OR_RETURN(value, urlDecode(std::string_view(pair).substr(eq + 1)));
      }
      req.query.emplace(std::move(key), std::move(value));
    }
  }
  return okStatus();
}

void Router::add(std::string method, const std::string& pattern, RouteOptions options,
                 Handler handler) {
  routes_.push_back(
      Route{std::move(method), pathSegments(pattern), std::move(options), std::move(handler)});
}

namespace {

bool isParam(const std::string& seg) {
  return seg.size() > 2 && seg.front() == '{' && seg.back() == '}';
}

bool isGreedy(const std::string& seg) { return isParam(seg) && seg[seg.size() - 2] == '*'; }

// Matches `segs` against a pattern; a greedy {name*} takes what the segments
// before and after it leave (at least one).
bool matchSegments(const std::vector<std::string>& pattern, const std::vector<std::string>& segs,
                   std::map<std::string, std::string>* found) {
  size_t greedy = pattern.size();
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (isGreedy(pattern[i])) {
      greedy = i;
      break;
    }
  }
  if (greedy == pattern.size() ? segs.size() != pattern.size() : segs.size() < pattern.size()) {
    return false;
  }
  size_t extra = segs.size() - pattern.size();  // segments the greedy one takes beyond its first
  for (size_t i = 0; i < pattern.size(); ++i) {
    const std::string& want = pattern[i];
    size_t at = i > greedy ? i + extra : i;
    if (i == greedy) {
      std::string joined = segs[at];
      for (size_t k = 1; k <= extra; ++k) {
        joined += "/" + segs[at + k];
      }
      (*found)[want.substr(1, want.size() - 3)] = std::move(joined);
    } else if (isParam(want)) {
      (*found)[want.substr(1, want.size() - 2)] = segs[at];
    } else if (want != segs[at]) {
      return false;
    }
  }
  return true;
}

}  // namespace

const Router::Route* Router::match(std::string_view method, std::string_view path,
                                   std::map<std::string, std::string>* params,
                                   bool* pathKnown) const {
  auto segs = pathSegments(path);
  for (bool greedyPass : {false, true}) {
    for (const auto& route : routes_) {
      bool greedy = std::any_of(route.segments.begin(), route.segments.end(), isGreedy);
      if (greedy != greedyPass) {
        continue;
      }
      std::map<std::string, std::string> found;
      if (!matchSegments(route.segments, segs, &found)) {
        continue;
      }
      *pathKnown = true;
      if (route.method == method) {
        *params = std::move(found);
        return &route;
      }
    }
  }
  return nullptr;
}

size_t Router::maxBodyFor(std::string_view method, std::string_view target) const {
  Request req;
  if (!parseTarget(target, req).ok()) {
    return 0;
  }
  std::map<std::string, std::string> params;
  bool known = false;
  const Route* route = match(method, req.path, &params, &known);
  return route == nullptr ? 0 : route->options.maxBody;
}

namespace {

// The last line of defence: a handler that throws (a JSON body of an
// unexpected shape reaching a .get<>() or .value() deep inside a service) must
// cost the client a 400, not crash berthd for everyone.
template <typename Handler>
Result<Reply> callHandler(const Handler& handler, Request& req) {
  try {
    return handler(req);
  } catch (const nlohmann::json::exception& e) {
    spdlog::warn("{} {}: unexpected JSON: {}", req.method, req.path, e.what());
    return invalidArgument(std::string("invalid request: a JSON field has the wrong type (") +
                           e.what() + ")");
  } catch (const std::exception& e) {
    spdlog::error("{} {}: {}", req.method, req.path, e.what());
    return internal(std::string("internal error: ") + e.what());
  }
}

}  // namespace

Reply Router::dispatch(Request& req) const {
  bool known = false;
  const Route* route = match(req.method, req.path, &req.pathParams, &known);
  if (route == nullptr) {
    // dockerd answers both an unknown path and a wrong method with 404 "page not found".
    return Reply::json(404, {{"message", "page not found"}});
  }
  // dockerd ignores parameters it does not know, and clients rely on that
  // (docker-py sends only_ids, trunc_cmd, force...): so do we, but say so.
  for (const auto& [key, value] : req.query) {
    if (route->options.query.find(key) == route->options.query.end()) {
      spdlog::debug("{} {}: ignoring unknown query parameter '{}'", req.method, req.path, key);
    }
  }
  Result<Reply> reply = callHandler(route->handler, req);
  if (!reply.ok()) {
    const Error& err = reply.error();
    if (err.kind() == ErrorKind::kInternal) {
      spdlog::error("{} {}: {}", req.method, req.path, err.message());
    } else {
      spdlog::debug("{} {}: {}", req.method, req.path, err.message());
    }
    return Reply::error(err);
  }
  return std::move(reply).value();
}

}  // namespace berth::api
