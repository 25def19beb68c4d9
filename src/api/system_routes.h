// /_ping, /version, /info and /events.
#pragma once

#include "api/router.h"
#include "events/event_bus.h"
#include "system/system_service.h"

namespace berth::api {

void addSystemRoutes(Router& router, const system::SystemService& system,
                     events::EventBus& bus);

// Docker's API timestamp: "<seconds>[.<fraction>]" → nanoseconds since the epoch.
Result<int64_t> parseApiTimestamp(std::string_view s);

}  // namespace berth::api
