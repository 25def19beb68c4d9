// Go's RFC 3339 time layouts, as dockerd writes and parses log times.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace berth {

// Go's time.RFC3339Nano in UTC: trailing zeros of the fraction dropped (and the
// dot with them): "2026-11-21T09:00:00.1234567Z". What json-file's "time" holds.
std::string formatRfc3339Nano(int64_t unixNano);

// dockerd's RFC3339NanoFixed in UTC: always nine fraction digits. What
// `docker logs --timestamps` prints.
std::string formatRfc3339NanoFixed(int64_t unixNano);

// Parses "YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)" into Unix nanoseconds.
Result<int64_t> parseRfc3339(std::string_view text);

// The current wall-clock time in Unix nanoseconds.
int64_t nowUnixNano();

}  // namespace berth
