// The docker CLI's small value formats and parsers (go-units, strconv,
// sortorder, stringid), so that sizes, ages and ids read exactly as docker's.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace berth::cli {

// units.HumanSizeWithPrecision: decimal units, Go's %.*g ("4.26MB", "999B", "1.23GB").
std::string humanSizeWithPrecision(double size, int precision);
// units.HumanSize: precision 4 ("4.261MB").
std::string humanSize(double size);

// units.HumanDuration: "Less than a second", "3 seconds", "About a minute",
// "2 hours", "3 days", "2 weeks", "5 months", "2 years".
std::string humanDuration(std::chrono::nanoseconds d);
// "<humanDuration(now - unixSeconds)> ago", as ps and images print CREATED.
std::string timeAgo(int64_t unixSeconds, std::chrono::system_clock::time_point now);

// units.RAMInBytes: "512m", "1.5g", "64MiB", "100" (bytes); binary multiples.
// Errors read like go-units': invalid size: 'x', invalid suffix: 'q'.
Result<int64_t> ramInBytes(std::string_view text);

// opts.NanoCPUs: a rational number of CPUs ("1.5", "3/2") in units of 1e-9 CPUs.
// Errors: "failed to parse x as a rational number", "value is too precise".
Result<int64_t> parseNanoCpus(std::string_view text);

// Go's time.Time.String() of a unix time in the local zone:
// "2006-01-02 15:04:05 -0700 MST" (whole seconds, so no fraction).
std::string goTimeString(int64_t unixSeconds);

// formatter.Ellipsis: at most `maxWidth` runes, the last one "…" when cut.
std::string ellipsis(std::string_view s, size_t maxWidth);

// stringid.TruncateID: drops an "algo:" prefix and keeps 12 characters.
std::string truncateId(std::string_view id);

// encoding/json's Indent over raw JSON text: the daemon's key order and escapes
// kept, whitespace redone with `indent` per level ("[]" and "{}" stay empty).
std::string goJsonIndent(std::string_view raw, std::string_view indent);

// sortorder.NaturalLess: runs of digits compare as numbers ("a2" < "a10").
bool naturalLess(std::string_view a, std::string_view b);

}  // namespace berth::cli
