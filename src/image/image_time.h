// Timestamps as images carry them (RFC 3339 with nanoseconds, UTC) and as
// filters accept them (dockerd's timetypes.GetTimestamp forms).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace berth::image {

// Go's time.RFC3339Nano in UTC: "2024-05-01T10:00:00.5Z" (trailing zeros trimmed).
std::string formatRfc3339Nano(int64_t unixNano);

// "2024-05-01T10:00:00Z", "...T10:00:00.123+02:00" → nanoseconds since the epoch.
Result<int64_t> parseRfc3339(std::string_view s);

// A filter value: a Go duration before `nowNano` ("10m", "1h30m"), Unix seconds
// with an optional fraction, an RFC 3339 time, or a date "2006-01-02[T15:04:05]".
Result<int64_t> parseFilterTimestamp(std::string_view s, int64_t nowNano);

}  // namespace berth::image
