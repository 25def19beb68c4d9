// An engine event as dockerd emits it on /events (Type, Action, Actor, scope, time).
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "common/filters.h"

namespace berth::events {

struct Event {
  std::string type;    // container, image, network, volume, daemon, plugin, ...
  std::string action;  // create, start, die, connect, exec_start: sh, ...
  std::string actorId;
  std::map<std::string, std::string> attributes;
  std::string scope = "local";
  int64_t timeNano = 0;  // set by the bus when zero
};

// dockerd's JSON shape, including the legacy status/id/from fields it still
// sends for container and image events.
nlohmann::json toJson(const Event& ev);

// dockerd's event filter semantics (daemon/events/filter.go): every key present
// must match; type/name keys match on the actor id or its "name" attribute.
bool matches(const Filters& filters, const Event& ev);

// The filter keys /events accepts.
Status validateEventFilters(const Filters& filters);

}  // namespace berth::events
