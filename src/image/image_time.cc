#include "image/image_time.h"

#include <time.h>

#include <cctype>
#include <charconv>
#include <cstdio>

namespace berth::image {

namespace {

constexpr int64_t kNanosPerSecond = 1000000000;

bool allDigits(std::string_view s) {
  if (s.empty()) {
    return false;
  }
  for (char c : s) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  return true;
}

int toInt(std::string_view s) {
  int v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

// "123" → 123000000 (nanoseconds of a fraction of up to 9 digits).
Result<int64_t> fractionNanos(std::string_view frac) {
  if (!allDigits(frac)) {
    return invalidArgument("invalid fractional seconds");
  }
  std::string padded(frac.substr(0, 9));
  padded.resize(9, '0');
  int64_t v = 0;
  std::from_chars(padded.data(), padded.data() + padded.size(), v);
  return v;
}

// A Go duration: one or more <number><unit>, e.g. "1h30m", "1.5s", "-10m".
Result<int64_t> parseGoDuration(std::string_view s) {
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) {
    return invalidArgument("invalid duration");
  }
  double total = 0;
  while (!s.empty()) {
    size_t i = 0;
    while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) != 0 || s[i] == '.')) {
      ++i;
    }
    if (i == 0) {
      return invalidArgument("invalid duration");
    }
    double value = std::strtod(std::string(s.substr(0, i)).c_str(), nullptr);
    s.remove_prefix(i);
    size_t u = 0;
    while (u < s.size() && std::isalpha(static_cast<unsigned char>(s[u])) != 0) {
      ++u;
    }
    std::string_view unit = s.substr(0, u);
    s.remove_prefix(u);
    double scale = 0;
    if (unit == "ns") {
      scale = 1;
    } else if (unit == "us" || unit == "µs") {
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
      return invalidArgument("invalid duration");
    }
    total += value * scale;
  }
  return static_cast<int64_t>(neg ? -total : total);
}

}  // namespace

std::string formatRfc3339Nano(int64_t unixNano) {
  int64_t secs = unixNano / kNanosPerSecond;
  int64_t nanos = unixNano % kNanosPerSecond;
  if (nanos < 0) {
    nanos += kNanosPerSecond;
    secs -= 1;
  }
  time_t t = static_cast<time_t>(secs);
  struct tm tm {};
  gmtime_r(&t, &tm);
  char buf[64];
  (void)std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900,
                      tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  std::string out = buf;
  if (nanos != 0) {
    char frac[16];
    (void)std::snprintf(frac, sizeof frac, ".%09lld", static_cast<long long>(nanos));
    std::string f = frac;
    while (f.back() == '0') {
      f.pop_back();
    }
    out += f;
  }
  return out + "Z";
}

Result<int64_t> parseRfc3339(std::string_view s) {
  auto bad = [&] { return invalidArgument("invalid time '" + std::string(s) + "'"); };
  // YYYY-MM-DDTHH:MM:SS
  if (s.size() < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
      s[13] != ':' || s[16] != ':') {
    return bad();
  }
  for (size_t i : {0, 5, 8, 11, 14, 17}) {
    size_t len = i == 0 ? 4 : 2;
    if (!allDigits(s.substr(i, len))) {
      return bad();
    }
  }
  struct tm tm {};
  tm.tm_year = toInt(s.substr(0, 4)) - 1900;
  tm.tm_mon = toInt(s.substr(5, 2)) - 1;
  tm.tm_mday = toInt(s.substr(8, 2));
  tm.tm_hour = toInt(s.substr(11, 2));
  tm.tm_min = toInt(s.substr(14, 2));
  tm.tm_sec = toInt(s.substr(17, 2));
  if (tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
      tm.tm_sec > 60) {
    return bad();
  }
  std::string_view rest = s.substr(19);
  int64_t nanos = 0;
  if (!rest.empty() && rest[0] == '.') {
    size_t end = 1;
    while (end < rest.size() && std::isdigit(static_cast<unsigned char>(rest[end])) != 0) {
      ++end;
    }
    auto frac = fractionNanos(rest.substr(1, end - 1));
    if (!frac.ok()) {
      return bad();
    }
    nanos = *frac;
    rest = rest.substr(end);
  }
  int64_t offset = 0;
  if (rest == "Z" || rest == "z") {
    offset = 0;
  } else if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':' &&
             allDigits(rest.substr(1, 2)) && allDigits(rest.substr(4, 2))) {
    offset = (int64_t{toInt(rest.substr(1, 2))} * 3600 + int64_t{toInt(rest.substr(4, 2))} * 60) *
             (rest[0] == '-' ? -1 : 1);
  } else {
    return bad();
  }
  int64_t secs = static_cast<int64_t>(timegm(&tm)) - offset;
  return secs * kNanosPerSecond + nanos;
}

Result<int64_t> parseFilterTimestamp(std::string_view s, int64_t nowNano) {
  auto bad = [&] {
    return invalidArgument("failed to parse value as time or duration: \"" + std::string(s) + "\"");
  };
  if (s.empty()) {
    return bad();
  }
  if (auto d = parseGoDuration(s); d.ok() && !allDigits(s)) {
    return nowNano - *d;
  }
  // Unix seconds with an optional fraction.
  auto dot = s.find('.');
  if (allDigits(s.substr(0, dot))) {
    int64_t secs = 0;
    std::from_chars(s.data(), s.data() + s.substr(0, dot).size(), secs);
    int64_t nanos = 0;
    if (dot != std::string_view::npos) {
      auto frac = fractionNanos(s.substr(dot + 1));
      if (!frac.ok()) {
        return bad();
      }
      nanos = *frac;
    }
    return secs * kNanosPerSecond + nanos;
  }
  if (auto t = parseRfc3339(s); t.ok()) {
    return *t;
  }
  // Local-less forms dockerd also takes, read as UTC.
  if (s.size() == 10) {
    return parseRfc3339(std::string(s) + "T00:00:00Z").ok()
               ? parseRfc3339(std::string(s) + "T00:00:00Z")
               : bad();
  }
  if (s.size() == 19) {
    auto t = parseRfc3339(std::string(s) + "Z");
    return t.ok() ? t : bad();
  }
  return bad();
}

}  // namespace berth::image
