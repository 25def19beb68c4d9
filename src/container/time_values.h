// Time values of the container API: Go durations ("1h30m") and the forms
// dockerd's `until` filter accepts (timetypes.GetTimestamp).
#pragma once

#include <cstdint>
#include <string_view>

#include "common/result.h"

namespace berth::container {

// Go's time.ParseDuration for non-negative durations: "300ms", "1.5h", "2h45m".
Result<int64_t> parseGoDurationNanos(std::string_view s);

// A point in time as prune's `until` takes it: a Go duration before `nowNano`,
// Unix seconds with an optional fraction, or an RFC 3339 date/time (a date or
// a time without zone is UTC).
Result<int64_t> parseUntil(std::string_view s, int64_t nowNano);

}  // namespace berth::container
