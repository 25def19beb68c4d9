// `docker ps` filters with dockerd's rules (daemon/list.go): which keys and
// values are valid, and whether one container passes.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/filters.h"
#include "container/container_record.h"

namespace berth::container {

// Keys dockerd accepts for /containers/json; bad values of status, exited,
// health and is-task are invalid-argument with dockerd's messages.
Status validateListFilters(const Filters& filters);

// What the filters refer to, resolved by the caller against the store and images.
struct ListContext {
  std::optional<int64_t> beforeCreated;  // `before`: created strictly before this
  std::optional<int64_t> sinceCreated;   // `since`: created strictly after this
  std::set<std::string> ancestorIds;     // `ancestor`: image ids
  std::vector<int> exitCodes;            // `exited`
};

bool matchesListFilters(const ContainerRecord& r, const Filters& filters, const ListContext& ctx);

// Go's filters.Args.Match: a value equals `source` or, as an (unanchored)
// regular expression, matches it.
bool filterMatch(const Filters& filters, std::string_view key, const std::string& source);

}  // namespace berth::container
