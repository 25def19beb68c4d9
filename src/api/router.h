// Maps (method, path) to a route handler: strips the /v1.xx prefix and checks
// the version, matches {param} segments, ignores (and logs) unknown query parameters, as dockerd.
#pragma once

#include <cstddef>
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "api/http_types.h"

namespace berth::api {

using Handler = std::function<Result<Reply>(Request&)>;

struct RouteOptions {
  std::set<std::string, std::less<>> query;  // accepted query parameters
  size_t maxBody = 0;                       // 0: the server's default limit
};

class Router {
 public:
  // `pattern` is a path like "/containers/{id}/json"; a {name} matches one segment.
  // One {name*} per pattern matches one or more segments, joined by '/' (image
  // names like "library/busybox", as dockerd's {name:.*}); patterns without it
  // are tried first, so "/images/json" never reads as an image called "json".
  void add(std::string method, const std::string& pattern, RouteOptions options, Handler handler);

  // Splits "/v1.44/info?x=1" into the request's path, apiVersion and query.
  // Fails (400) on a version outside [kMinApiVersion, kApiVersion] or a bad query string.
  static Status parseTarget(std::string_view target, Request& req);

  // The body limit of the route `target` would reach (0 when unknown).
  size_t maxBodyFor(std::string_view method, std::string_view target) const;

  // Runs the matching route; every failure becomes Docker's {"message": ...} reply.
  Reply dispatch(Request& req) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;
    RouteOptions options;
    Handler handler;
  };
  const Route* match(std::string_view method, std::string_view path,
                     std::map<std::string, std::string>* params, bool* pathKnown) const;

  std::vector<Route> routes_;
};

// "1.44" < "1.5"? No: compares dotted versions numerically. Returns <0, 0, >0.
int compareVersions(std::string_view a, std::string_view b);

// Decodes %XX and '+' in a query component.
Result<std::string> urlDecode(std::string_view s);

}  // namespace berth::api
