#include "container/list_filter.h"

#include <charconv>
#include <regex>

#include "common/strings.h"
#include "container/container_view.h"

namespace berth::container {

Status validateListFilters(const Filters& filters) {
  BERTH_TRY(filters.validateKeys({"ancestor", "before", "expose", "exited", "health", "id",
                                  "isolation", "is-task", "label", "name", "network", "publish",
                                  "since", "status", "volume"}));
  static const std::set<std::string> kStates = {"created", "restarting", "running", "removing",
                                                "paused",  "exited",     "dead"};
  for (const std::string& v : filters.get("status")) {
    if (kStates.count(v) == 0) {
      return invalidArgument("Unrecognised filter value for status: " + v);
    }
  }
  for (const std::string& v : filters.get("health")) {
    if (v != "starting" && v != "healthy" && v != "unhealthy" && v != "none") {
      return invalidArgument("Unrecognised filter value for health: " + v);
    }
  }
  for (const std::string& v : filters.get("exited")) {
    int code = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), code);
    if (v.empty() || ec != std::errc() || p != v.data() + v.size()) {
      return invalidArgument("strconv.Atoi: parsing \"" + v + "\": invalid syntax");
    }
  }
  for (const std::string& v : filters.get("is-task")) {
    if (v != "true" && v != "false" && v != "1" && v != "0") {
      return invalidArgument("Invalid filter 'is-task=" + v + "'");
    }
  }
  return okStatus();
}

bool filterMatch(const Filters& filters, std::string_view key, const std::string& source) {
  for (const std::string& pattern : filters.get(key)) {
    if (pattern == source) {
      return true;
    }
    try {
      if (std::regex_search(source, std::regex(pattern))) {
        return true;
      }
    } catch (const std::regex_error&) {
      // Go skips patterns that do not compile.
    }
  }
  return false;
}

bool matchesListFilters(const ContainerRecord& r, const Filters& f, const ListContext& ctx) {
  if (f.contains("id") && !filterMatch(f, "id", r.id)) {
    return false;
  }
  if (f.contains("name") && !filterMatch(f, "name", r.name)) {
    return false;
  }
  if (!f.matchKVList("label", r.labels())) {
    return false;
  }
  if (f.contains("status") && !filterMatch(f, "status", r.state.statusString())) {
    return false;
  }
  if (!ctx.exitCodes.empty()) {
    bool ok = false;
    for (int code : ctx.exitCodes) {
      if (code == r.state.exitCode && !r.state.running && r.state.startedAtNano != 0) {
        ok = true;
      }
    }
    if (!ok) {
      return false;
    }
  }
  if (ctx.beforeCreated && r.createdNano >= *ctx.beforeCreated) {
    return false;
  }
  if (ctx.sinceCreated && r.createdNano <= *ctx.sinceCreated) {
    return false;
  }
  if (f.contains("ancestor") && ctx.ancestorIds.count(r.imageId) == 0) {
    return false;
  }
  if (f.contains("network")) {
    bool found = false;
    const nlohmann::json nets = networksJson(r);
    for (const auto& [name, ep] : nets.items()) {
      std::string netId = ep.is_object() ? ep.value("NetworkID", std::string()) : "";
      if (filterMatch(f, "network", name) || (!netId.empty() && filterMatch(f, "network", netId))) {
        found = true;
        break;
      }
    }
    if (!found) {
      return false;
    }
  }
  // No container of berth has a health check yet, so only "none" matches.
  if (f.contains("health") && !f.exactMatch("health", "none")) {
    return false;
  }
  // No volumes or published ports yet: such filters match nothing.
  for (const char* key : {"volume", "publish", "expose"}) {
    if (f.contains(key)) {
      return false;
    }
  }
  if (f.contains("is-task") && !f.exactMatch("is-task", "false") && !f.exactMatch("is-task", "0")) {
    return false;
  }
  if (f.contains("isolation") && !f.exactMatch("isolation", "default")) {
    return false;
  }
  return true;
}

}  // namespace berth::container
