// Object identifiers: 64 hex digits like dockerd's, and their 12-digit short form.
#pragma once

#include <string>
#include <string_view>

namespace berth {

// A fresh random 256-bit id as 64 lowercase hex digits.
std::string generateId();

// The first 12 hex digits, as `docker ps` shows ids.
std::string shortId(std::string_view id);

// True when `s` is 1..64 lowercase hex digits (a full id or a prefix of one).
bool isHexIdPrefix(std::string_view s);

}  // namespace berth
