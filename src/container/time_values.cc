#include "container/time_values.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <string>

#include "logdriver/time_format.h"

namespace berth::container {

Result<int64_t> parseGoDurationNanos(std::string_view s) {
  auto bad = [&] { return invalidArgument("time: invalid duration \"" + std::string(s) + "\""); };
  if (s.empty()) {
    return bad();
  }
  if (s == "0") {
    return int64_t{0};
  }
  double total = 0;
  size_t i = 0;
  while (i < s.size()) {
    size_t start = i;
    while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) != 0 || s[i] == '.')) {
      ++i;
    }
    if (i == start) {
      return bad();
    }
    double value = 0;
    std::string num(s.substr(start, i - start));
    auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), value);
    if (ec != std::errc() || p != num.data() + num.size()) {
      return bad();
    }
    size_t ustart = i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])) == 0 && s[i] != '.') {
      ++i;
    }
    std::string_view unit = s.substr(ustart, i - ustart);
    double scale = 0;
    if (unit == "ns") {
      scale = 1;
    } else if (unit == "us" || unit == "\xC2\xB5s") {
      scale = 1e3;
    } else if (unit == "ms") {
      scale = 1e6;
    } else if (unit == "s") {
      scale = 1e9;
    } else if (unit == "m") {
      scale = 60e9;
    } else if (unit == "h") {
      scale = 3600e9;
    } else {
      return bad();
    }
    total += value * scale;
  }
  if (total > 9.2e18) {
    return bad();
  }
  return static_cast<int64_t>(std::llround(total));
}

Result<int64_t> parseUntil(std::string_view s, int64_t nowNano) {
  auto bad = [&] {
    return invalidArgument("failed to parse value as time or duration: \"" + std::string(s) + "\"");
  };
  if (s.empty()) {
    return bad();
  }
  if (auto d = parseGoDurationNanos(s); d.ok()) {
    return nowNano - *d;
  }
  bool numeric = true;
  int dots = 0;
  for (char c : s) {
    if (c == '.') {
      ++dots;
    } else if (std::isdigit(static_cast<unsigned char>(c)) == 0) {
      numeric = false;
    }
  }
  if (numeric && dots <= 1) {
    std::string str(s);
    size_t dot = str.find('.');
    int64_t secs = std::stoll(str.substr(0, dot));
    int64_t nanos = 0;
    if (dot != std::string::npos) {
      std::string frac = str.substr(dot + 1, 9);
      frac.resize(9, '0');
      nanos = std::stoll(frac);
    }
    return secs * 1000000000 + nanos;
  }
  std::string t(s);
  if (t.size() == 10) {
    t += "T00:00:00Z";  // a date alone is midnight UTC
  } else if (t.find('Z') == std::string::npos && t.find('+') == std::string::npos &&
             t.rfind('-') < 10) {
    t += "Z";  // no zone: UTC
  }
  auto parsed = parseRfc3339(t);
  if (!parsed.ok()) {
    return bad();
  }
  return *parsed;
}

}  // namespace berth::container
