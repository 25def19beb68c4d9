#include "events/event.h"

#include <set>

namespace berth::events {

nlohmann::json toJson(const Event& ev) {
  nlohmann::json attrs = nlohmann::json::object();
  for (const auto& [k, v] : ev.attributes) {
    attrs[k] = v;
  }
  nlohmann::json out = {
      {"Type", ev.type},
      {"Action", ev.action},
      {"Actor", {{"ID", ev.actorId}, {"Attributes", attrs}}},
      {"scope", ev.scope},
      {"time", ev.timeNano / 1000000000},
      {"timeNano", ev.timeNano},
  };
  if (ev.type == "container" || ev.type == "image") {
    out["status"] = ev.action;
    out["id"] = ev.actorId;
    if (auto it = ev.attributes.find("image"); it != ev.attributes.end()) {
      out["from"] = it->second;
    }
  }
  return out;
}

namespace {

std::string attribute(const Event& ev, const std::string& key) {
  auto it = ev.attributes.find(key);
  return it == ev.attributes.end() ? std::string() : it->second;
}

// dockerd: filter key == event type, value fuzzy-matches the actor id or name.
bool matchTyped(const Filters& f, const Event& ev, const std::string& type) {
  if (!f.contains(type)) {
    return true;
  }
  if (ev.type != type) {
    return false;
  }
  return f.fuzzyMatch(type, ev.actorId) || f.fuzzyMatch(type, attribute(ev, "name"));
}

bool matchEventName(const Filters& f, const Event& ev) {
  if (f.exactMatch("event", ev.action)) {
    return true;
  }
  // "exec_start: sh -c ..." matches the filter "exec_start".
  auto colon = ev.action.find(':');
  return colon != std::string::npos && f.exactMatch("event", ev.action.substr(0, colon));
}

bool matchImage(const Filters& f, const Event& ev) {
  if (!f.contains("image")) {
    return true;
  }
  std::string image = attribute(ev, "image");
  std::string untagged = image.substr(0, image.rfind(':'));
  return f.exactMatch("image", ev.actorId) || f.exactMatch("image", image) ||
         f.exactMatch("image", untagged);
}

}  // namespace

bool matches(const Filters& f, const Event& ev) {
  static const char* const kTyped[] = {"container", "network", "volume", "plugin", "daemon",
                                       "node",      "service", "secret", "config"};
  if (!matchEventName(f, ev) || !f.exactMatch("type", ev.type) ||
      !f.exactMatch("scope", ev.scope) || !matchImage(f, ev) ||
      !f.matchKVList("label", ev.attributes)) {
    return false;
  }
  for (const char* type : kTyped) {
    if (!matchTyped(f, ev, type)) {
      return false;
    }
  }
  return true;
}

Status validateEventFilters(const Filters& filters) {
  static const std::set<std::string, std::less<>> kKeys = {
      "config", "container", "daemon", "event",  "image",   "label", "network",
      "node",   "plugin",    "scope",  "secret", "service", "type",  "volume"};
  return filters.validateKeys(kKeys);
}

}  // namespace berth::events
