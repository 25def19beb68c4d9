// libFuzzer target: any bytes as a JSON request body, a `filters` parameter
// and a daemon.json: Request::json(), Filters::parse with the /events keys and
// matcher, and the daemon config decoder. Refusals are fine; crashes,
// sanitizer reports and exceptions are not.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "api/http_types.h"
#include "common/filters.h"
#include "daemon/config.h"
#include "events/event.h"

namespace {

using namespace berth;

const events::Event& sampleEvent() {
  static const events::Event* ev = [] {
    auto* e = new events::Event();
    e->type = "container";
    e->action = "exec_start: sh -c true";
    e->actorId = "3a4b5c6d";
    e->attributes = {{"name", "web"}, {"image", "busybox:latest"}, {"com.example", "x=y"}};
    e->timeNano = 1;
    return e;
  }();
  return *ev;
}

void jsonBody(std::string_view text) {
  api::Request req;
  req.method = "POST";
  req.headers["content-type"] = "application/json; charset=utf-8";
  req.body = std::string(text);
  Result<nlohmann::json> doc = req.json();
  if (!doc.ok()) {
    return;
  }
  // Encoding a decoded body must not throw either (routes echo parts of it).
  (void)api::Reply::json(200, *doc);

  daemon::DaemonConfig config;
  if (daemon::applyConfigFile(*doc, {}, config).ok()) {
    (void)daemon::validate(config);
    (void)config.listenAddresses();
  }
  // The "set both as a flag and in the file" path.
  daemon::DaemonConfig flagged;
  (void)daemon::applyConfigFile(*doc, {"debug", "hosts", "tlscert"}, flagged);
}

void filters(std::string_view text) {
  Result<Filters> f = Filters::parse(text);
  if (!f.ok()) {
    return;
  }
  (void)events::validateEventFilters(*f);
  (void)events::matches(*f, sampleEvent());
  // What toJson writes, parse reads back unchanged.
  std::string once = f->toJson();
  Result<Filters> again = Filters::parse(once);
  if (!again.ok() || again->toJson() != once) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  jsonBody(text);
  filters(text);
  return 0;
}
