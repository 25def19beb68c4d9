// Time values as dockerd writes and reads them: Go's RFC 3339 layouts, Go's
// zero time, Go durations, and the forms `since`/`until` filters accept.
// berth-shim links this (statically): keep it free of heavy dependencies.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace berth {

// Go's zero time.Time in RFC 3339: what dockerd shows for a time never set.
inline constexpr char kGoZeroTime[] = "0001-01-01T00:00:00Z";

// Go's time.RFC3339Nano in UTC: trailing zeros of the fraction dropped (and the
// dot with them): "2026-11-21T09:00:00.1234567Z". What json-file's "time" holds.
std::string formatRfc3339Nano(int64_t unixNano);

// dockerd's RFC3339NanoFixed in UTC: always nine fraction digits. What
// `docker logs --timestamps` prints.
std::string formatRfc3339NanoFixed(int64_t unixNano);

// formatRfc3339Nano, where 0 means "never" and is shown as kGoZeroTime.
std::string formatGoTime(int64_t unixNano);

// Parses "YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)" into Unix nanoseconds.
Result<int64_t> parseRfc3339(std::string_view text);

// Go's time.ParseDuration, in nanoseconds: "300ms", "-1.5h", "2h45m", "1µs", "0".
// The errors carry Go's messages ("time: missing unit in duration \"10\"").
Result<int64_t> parseGoDuration(std::string_view text);

// A `since`/`until` filter value (dockerd's timetypes.GetTimestamp forms), in
// Unix nanoseconds: a Go duration before `nowNano` ("10m"; "0" is Unix time 0),
// Unix seconds with an optional fraction ("1500.25"), RFC 3339, or a date
// "2006-01-02" or date-time without zone (both read as UTC).
Result<int64_t> parseFilterTimestamp(std::string_view value, int64_t nowNano);

// The current wall-clock time in Unix nanoseconds.
int64_t nowUnixNano();

}  // namespace berth
