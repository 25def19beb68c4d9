// json-file's on-disk line, byte for byte as dockerd writes it:
// {"log":"hi\n","stream":"stdout","attrs":{"k":"v"},"time":"2026-11-21T09:00:00.123456789Z"}
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "common/result.h"
#include "logdriver/log_entry.h"

namespace berth {

// Appends `s` as a JSON string the way Go's encoding/json does (and dockerd's
// jsonlog): <, > and & as \u003c \u003e \u0026, other control bytes as \u00XX
// (lowercase hex) except \n \r \t, U+2028/U+2029 escaped, invalid UTF-8 as \ufffd.
void appendGoJsonString(std::string& out, std::string_view s);

// `attrs` rendered once per container (json.Marshal of a map: sorted keys), or ""
// when there are none.
std::string encodeJsonLogAttrs(const std::map<std::string, std::string>& attrs);

// One line of the file, '\n' included. `rawAttrs` is encodeJsonLogAttrs()'s output.
void appendJsonLogLine(std::string& out, const LogMessage& msg, std::string_view rawAttrs);

// Parses one line (without its '\n'); a malformed line is invalid-argument.
Result<LogEntry> decodeJsonLogLine(std::string_view line);

}  // namespace berth
