// Time values on the command line and in output, spelled the way the docker CLI
// spells them: --since/--until arguments and RFC 3339 timestamps of events.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace berth::cli {

// Go's time.ParseDuration: "300ms", "-1.5h", "2h45m", "1us" (also µs). "0" is allowed.
Result<std::chrono::nanoseconds> parseGoDuration(std::string_view text);

// docker's `--since`/`--until` argument (moby api/types/time GetTimestamp) turned
// into what the API expects, "<unix seconds>[.<9-digit nanoseconds>]":
//   a Go duration subtracted from `now` ("10m", "1h30m", "0s"), RFC 3339 with or
//   without fraction and zone, "2006-01-02", "2006-01-02T15", "2006-01-02T15:04",
//   or unix seconds with an optional fraction, passed through unchanged.
// Values without a zone are read at `utcOffsetSeconds` (the local zone of `now`).
Result<std::string> parseTimestampArg(std::string_view value,
                                      std::chrono::system_clock::time_point now,
                                      int utcOffsetSeconds);

// parseTimestampArg at the current time in the machine's local zone.
Result<std::string> parseTimestampArg(std::string_view value);

// The local zone's offset from UTC at `unixSeconds`, in seconds east of UTC.
int localUtcOffset(int64_t unixSeconds);

// "2006-01-02T15:04:05.000000000Z07:00" (docker's rfc3339NanoFixed) at the given
// zone offset: nine fraction digits always, "Z" for UTC.
std::string formatRfc3339NanoFixed(int64_t unixNanos, int utcOffsetSeconds);

// Go's time.ANSIC layout, "Mon Jan _2 15:04:05 2006", used for build times.
std::string formatAnsic(int64_t unixSeconds, int utcOffsetSeconds);

}  // namespace berth::cli
