// libFuzzer target: any bytes as what a client sends on an API connection,
// through the server's own parse path (Beast's request parser with the
// server's limits and per-route body limit, Router::parseTarget,
// Router::dispatch over the system routes, the reply's serialization).
// Refusals are fine; crashes, sanitizer reports and exceptions are not.
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <sstream>
#include <string>
#include <string_view>

#include "api/router.h"
#include "api/server.h"
#include "api/system_routes.h"
#include "common/strings.h"
#include "events/event_bus.h"
#include "system/system_service.h"

namespace {

namespace http = boost::beast::http;
using namespace berth;

struct Env {
  Env()
      : bus([] { return int64_t{1700000000} * 1000000000; }, 64),
        system(facts(), nlohmann::json::object()) {
    api::addSystemRoutes(router, system, bus);
    // A route with a body and its own limit, so both limit paths are reached.
    router.add("POST", "/containers/{id}/rename", {.query = {"name"}, .maxBody = 64},
               [](api::Request& req) -> Result<api::Reply> {
                 BERTH_ASSIGN_OR_RETURN(auto doc, req.json());
                 return api::Reply::json(200, {{"id", req.pathParams["id"]}, {"doc", doc}});
               });
    events::Event ev;
    ev.type = "container";
    ev.action = "start";
    ev.actorId = "abc";
    ev.timeNano = int64_t{1699999999} * 1000000000;
    bus.publish(ev);
  }
  static system::DaemonFacts facts() {
    system::DaemonFacts f;
    f.engineId = "fuzz";
    return f;
  }

  events::EventBus bus;
  system::SystemService system;
  api::Router router;
};

Env& env() {
  static Env* e = new Env();  // never destroyed: libFuzzer may exit from any point
  return *e;
}

// What Session::sendReply puts on the wire for a plain reply.
void serialize(const api::Reply& reply, bool head) {
  if (reply.stream || reply.hijack) {
    return;  // streams and hijacks are not started here
  }
  http::response<http::string_body> res(static_cast<http::status>(reply.status), 11);
  if (!reply.contentType.empty()) {
    res.set(http::field::content_type, reply.contentType);
  }
  for (const auto& [k, v] : reply.headers) {
    res.set(k, v);
  }
  res.body() = reply.body;
  res.prepare_payload();
  if (head) {
    res.body().clear();
  }
  std::ostringstream out;
  out << res;
}

// Mirrors Session::onHeader/onRequest.
void parseLikeTheServer(std::string_view input) {
  const api::ServerOptions opts;
  http::request_parser<http::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(opts.maxHeaderBytes));
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  boost::asio::const_buffer buf(input.data(), input.size());
  boost::beast::error_code ec;
  bool limited = false;
  while (!parser.is_done()) {
    size_t n = parser.put(buf, ec);
    buf += n;
    if (ec && ec != http::error::need_more) {
      return;  // the server answers 400/413/431
    }
    if (parser.is_header_done() && !limited) {
      limited = true;
      const auto& h = parser.get();
      size_t limit = env().router.maxBodyFor(std::string(h.method_string()), h.target());
      if (limit == 0) {
        limit = opts.maxBodyBytes;
      }
      if (auto len = parser.content_length(); len && *len > limit) {
        return;  // 413
      }
      parser.body_limit(limit);
    }
    if (ec == http::error::need_more || n == 0) {
      // All the client sent is in `buf`: what is missing would never come.
      // Beast's read does the same at end of stream.
      if (!parser.got_some()) {
        return;
      }
      ec = {};
      parser.put_eof(ec);
      break;
    }
  }
  if (ec || !parser.is_done()) {
    return;
  }
  auto msg = parser.release();
  api::Request req;
  req.method = std::string(msg.method_string());
  for (const auto& field : msg) {
    req.headers[toLower(field.name_string())] = std::string(field.value());
  }
  req.body = std::move(msg.body());
  Status st = api::Router::parseTarget(msg.target(), req);
  if (!st.ok()) {
    serialize(api::Reply::error(st.error()), false);
    return;
  }
  serialize(env().router.dispatch(req), msg.method() == http::verb::head);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  parseLikeTheServer(input);

  // The whole input as a target too: Beast refuses many bytes that
  // parseTarget must survive on its own.
  api::Request req;
  req.method = "GET";
  if (api::Router::parseTarget(input, req).ok()) {
    serialize(env().router.dispatch(req), false);
  }
  return 0;
}
