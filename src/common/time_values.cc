// Go durations and `since`/`until` filter values (declared in time_format.h).
// Kept out of time_format.cc so that berth-shim, which links only the objects
// it calls into, does not carry them.
#include <charconv>
#include <limits>
#include <string>

#include "common/time_format.h"

namespace berth {
namespace {

constexpr int64_t kNanosPerSecond = 1'000'000'000;
// Go's durations are int64 nanoseconds; the parser accumulates magnitudes up
// to 2^63 so that the most negative one still fits.
constexpr uint64_t kDurationLimit = uint64_t{1} << 63;

bool isDigit(char c) { return c >= '0' && c <= '9'; }

bool allDigits(std::string_view s) {
  for (char c : s) {
    if (!isDigit(c)) {
      return false;
    }
  }
  return !s.empty();
}

// Go's leadingInt: consumes [0-9]*; false on overflow past 2^63.
bool leadingInt(std::string_view* s, uint64_t* x) {
  *x = 0;
  while (!s->empty() && isDigit(s->front())) {
    if (*x > kDurationLimit / 10) {
      return false;
    }
    *x = *x * 10 + static_cast<uint64_t>(s->front() - '0');
    if (*x > kDurationLimit) {
      return false;
    }
    s->remove_prefix(1);
  }
  return true;
}

// Go's leadingFraction: consumes [0-9]*, keeping the precision that fits.
void leadingFraction(std::string_view* s, uint64_t* x, double* scale) {
  *x = 0;
  *scale = 1;
  bool overflow = false;
  while (!s->empty() && isDigit(s->front())) {
    auto digit = static_cast<uint64_t>(s->front() - '0');
    s->remove_prefix(1);
    if (overflow || *x > (kDurationLimit - 1) / 10 || *x * 10 + digit > kDurationLimit) {
      overflow = true;
      continue;
    }
    *x = *x * 10 + digit;
    *scale *= 10;
  }
}

// Nanoseconds per unit of Go's unitMap; 0 for an unknown unit.
uint64_t unitNanos(std::string_view unit) {
  if (unit == "ns") {
    return 1;
  }
  if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") {  // µs (micro sign, Greek mu)
    return 1'000;
  }
  if (unit == "ms") {
    return 1'000'000;
  }
  if (unit == "s") {
    return 1'000'000'000;
  }
  if (unit == "m") {
    return 60'000'000'000;
  }
  if (unit == "h") {
    return 3'600'000'000'000;
  }
  return 0;
}

// Unix seconds with an optional fraction, "1500" or "1500.25"; false when
// `s` has another shape or does not fit.
bool unixSecondsNanos(std::string_view s, int64_t* out) {
  size_t dot = s.find('.');
  std::string_view whole = s.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view() : s.substr(dot + 1);
  if (!allDigits(whole) || (dot != std::string_view::npos && !allDigits(frac))) {
    return false;
  }
  int64_t secs = 0;
  if (std::from_chars(whole.data(), whole.data() + whole.size(), secs).ec != std::errc() ||
      secs > std::numeric_limits<int64_t>::max() / kNanosPerSecond - 1) {
    return false;
  }
  // Nine digits of the fraction, zero-padded: ".25" is 250000000 ns.
  std::string nanos(frac.substr(0, 9));
  nanos.resize(9, '0');
  int64_t n = 0;
  std::from_chars(nanos.data(), nanos.data() + nanos.size(), n);
  *out = secs * kNanosPerSecond + n;
  return true;
}

// nowNano - d, saturating instead of overflowing.
int64_t subtractSaturating(int64_t nowNano, int64_t d) {
  int64_t out = 0;
  if (__builtin_sub_overflow(nowNano, d, &out)) {
    return d < 0 ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
  }
  return out;
}

}  // namespace

Result<int64_t> parseGoDuration(std::string_view text) {
  auto invalid = [&] {
    return invalidArgument("time: invalid duration \"" + std::string(text) + "\"");
  };
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s == "0") {
    return int64_t{0};
  }
  if (s.empty()) {
    return invalid();
  }
  uint64_t total = 0;
  while (!s.empty()) {
    if (s.front() != '.' && !isDigit(s.front())) {
      return invalid();
    }
    uint64_t whole = 0;
    size_t wholeStart = s.size();
    if (!leadingInt(&s, &whole)) {
      return invalid();
    }
    bool pre = wholeStart != s.size();
    uint64_t frac = 0;
    double scale = 1;
    bool post = false;
    if (!s.empty() && s.front() == '.') {
      s.remove_prefix(1);
      size_t fracStart = s.size();
      leadingFraction(&s, &frac, &scale);
      post = fracStart != s.size();
    }
    if (!pre && !post) {
      return invalid();  // no digits, as in ".s"
    }
    size_t unitLen = 0;
    while (unitLen < s.size() && s[unitLen] != '.' && !isDigit(s[unitLen])) {
      ++unitLen;
    }
    if (unitLen == 0) {
      return invalidArgument("time: missing unit in duration \"" + std::string(text) + "\"");
    }
    uint64_t unit = unitNanos(s.substr(0, unitLen));
    if (unit == 0) {
      return invalidArgument("time: unknown unit \"" + std::string(s.substr(0, unitLen)) +
                             "\" in duration \"" + std::string(text) + "\"");
    }
    s.remove_prefix(unitLen);
    if (whole > kDurationLimit / unit) {
      return invalid();
    }
    uint64_t v = whole * unit;
    // A double keeps fractions of hours nanosecond-accurate, as in Go.
    v += static_cast<uint64_t>(static_cast<double>(frac) * (static_cast<double>(unit) / scale));
    if (v > kDurationLimit || total > kDurationLimit - v) {
      return invalid();
    }
    total += v;
  }
  if (negative) {
    return static_cast<int64_t>(0 - total);
  }
  if (total > kDurationLimit - 1) {
    return invalid();
  }
  return static_cast<int64_t>(total);
}

Result<int64_t> parseFilterTimestamp(std::string_view value, int64_t nowNano) {
  auto bad = [&] {
    return invalidArgument("failed to parse value as time or duration: \"" + std::string(value) +
                           "\"");
  };
  if (value.empty()) {
    return bad();
  }
  // dockerd reads "0" as Unix time 0, not as a zero duration.
  if (auto d = parseGoDuration(value); d.ok() && value != "0") {
    return subtractSaturating(nowNano, *d);
  }
  if (int64_t nanos = 0; unixSecondsNanos(value, &nanos)) {
    return nanos;
  }
  std::string t(value);
  if (t.size() == 10) {
    t += "T00:00:00Z";  // a date alone is midnight UTC
  } else if (t.size() >= 19 && t.find_first_of("Zz+-", 19) == std::string::npos) {
    t += "Z";  // a date-time without zone is UTC
  }
  auto parsed = parseRfc3339(t);
  if (!parsed.ok()) {
    return bad();
  }
  return *parsed;
}

}  // namespace berth
