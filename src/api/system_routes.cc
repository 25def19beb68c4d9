#include "api/system_routes.h"

#include <charconv>
#include <limits>
#include <mutex>

namespace berth::api {

Result<int64_t> parseApiTimestamp(std::string_view s) {
  auto bad = [&] { return invalidArgument("invalid timestamp '" + std::string(s) + "'"); };
  auto dot = s.find('.');
  std::string_view secPart = s.substr(0, dot);
  int64_t secs = 0;
  auto [p, ec] = std::from_chars(secPart.data(), secPart.data() + secPart.size(), secs);
  if (secPart.empty() || ec != std::errc() || p != secPart.data() + secPart.size() ||
      secs < 0 || secs > 253402300799) {
    return bad();
  }
  int64_t nanos = 0;
  if (dot != std::string_view::npos) {
    std::string_view frac = s.substr(dot + 1);
    if (frac.empty() || frac.size() > 9) {
      return bad();
    }
    for (char c : frac) {
      if (c < '0' || c > '9') {
        return bad();
      }
    }
    std::string padded(frac);
    padded.resize(9, '0');
    std::from_chars(padded.data(), padded.data() + padded.size(), nanos);
  }
  // int64 nanoseconds end in 2262; later times (dockerd takes them up to the
  // year 9999) clamp to the largest value instead of overflowing.
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  if (secs > kMax / 1000000000 || (secs == kMax / 1000000000 && nanos > kMax % 1000000000)) {
    return kMax;
  }
  return secs * 1000000000 + nanos;
}

void addSystemRoutes(Router& router, const system::SystemService& system,
                     events::EventBus& bus) {
  auto ping = [](Request& req) -> Result<Reply> {
    Reply r = Reply::text(200, req.method == "HEAD" ? "" : "OK");
    r.headers = {{"Builder-Version", "1"},
                 {"Swarm", "inactive"},
                 {"Cache-Control", "no-cache, no-store, must-revalidate"},
                 {"Pragma", "no-cache"}};
    return r;
  };
  router.add("GET", "/_ping", {}, ping);
  router.add("HEAD", "/_ping", {}, ping);

  router.add("GET", "/version", {}, [&system](Request&) -> Result<Reply> {
    return Reply::json(200, system.version());
  });
  router.add("GET", "/info", {}, [&system](Request&) -> Result<Reply> {
    return Reply::json(200, system.info());
  });

  router.add(
      "GET", "/events", {.query = {"since", "until", "filters"}},
      [&bus](Request& req) -> Result<Reply> {
        int64_t since = 0;
        int64_t until = 0;
        if (auto v = req.queryValue("since"); v && !v->empty()) {
          BERTH_ASSIGN_OR_RETURN(since, parseApiTimestamp(*v));
        }
        if (auto v = req.queryValue("until"); v && !v->empty()) {
          BERTH_ASSIGN_OR_RETURN(until, parseApiTimestamp(*v));
        }
        if (until != 0 && until < since) {
          return invalidArgument("since time cannot be after until time");
        }
        BERTH_ASSIGN_OR_RETURN(Filters filters, Filters::parse(req.queryValue("filters").value_or("")));
        BERTH_TRY(events::validateEventFilters(filters));
        Reply r;
        r.stream = [&bus, filters, since, until](std::shared_ptr<StreamSink> sink) {
          auto sub = std::make_shared<std::unique_ptr<events::EventBus::Subscription>>();
          std::weak_ptr<StreamSink> weak = sink;
          // Live events wait for the backlog to be queued, so that they follow it.
          auto order = std::make_shared<std::mutex>();
          std::unique_lock<std::mutex> backlogLock(*order);
          auto backlog = bus.subscribe(
              filters, since, until,
              [weak, until, order](const events::Event& ev) {
                std::lock_guard<std::mutex> lock(*order);
                if (auto s = weak.lock(); s && (until == 0 || ev.timeNano <= until)) {
                  s->write(events::toJson(ev).dump() + "\n");
                }
              },
              sub.get());
          for (const auto& ev : backlog) {
            sink->write(events::toJson(ev).dump() + "\n");
          }
          backlogLock.unlock();
          // The subscription lives until the stream ends, whoever ends it.
          sink->onClose([sub] { sub->reset(); });
          if (until != 0) {
            int64_t wait = until - bus.now();
            if (wait <= 0) {
              sink->finish();
            } else {
              sink->runAfter(std::chrono::nanoseconds(wait), [weak] {
                if (auto s = weak.lock()) {
                  s->finish();
                }
              });
            }
          }
        };
        return r;
      });
}

}  // namespace berth::api
