#include "common/time_format.h"

#include <time.h>

#include <cstdio>

namespace berth {
namespace {

constexpr int64_t kNanosPerSecond = 1'000'000'000;

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm);
// timegm() would do, but this one has no locale or TZ state and cannot fail.
int64_t daysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

// "YYYY-MM-DDTHH:MM:SS" of the whole seconds, and the nanosecond remainder.
std::string formatSeconds(int64_t unixNano, int64_t* nanos) {
  int64_t secs = unixNano / kNanosPerSecond;
  int64_t rem = unixNano % kNanosPerSecond;
  if (rem < 0) {
    rem += kNanosPerSecond;
    --secs;
  }
  *nanos = rem;
  time_t t = static_cast<time_t>(secs);
  struct tm tm {};
  ::gmtime_r(&t, &tm);
  char buf[64];
  (void)std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900,
                      tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

bool digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) {
    return false;
  }
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') {
      return false;
    }
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

// Nanoseconds of a fraction's digits: "25" → 250000000; digits past the ninth
// are dropped.
int64_t fractionNanos(std::string_view frac) {
  int64_t nanos = 0;
  int64_t scale = kNanosPerSecond;
  for (char c : frac) {
    if (scale > 1) {
      scale /= 10;
      nanos += (c - '0') * scale;
    }
  }
  return nanos;
}

}  // namespace

std::string formatRfc3339Nano(int64_t unixNano) {
  int64_t nanos = 0;
  std::string out = formatSeconds(unixNano, &nanos);
  if (nanos != 0) {
    char frac[16];
    (void)std::snprintf(frac, sizeof(frac), ".%09lld", static_cast<long long>(nanos));
    std::string f(frac);
    while (f.back() == '0') {
      f.pop_back();
    }
    out += f;
  }
  out += 'Z';
  return out;
}

std::string formatRfc3339NanoFixed(int64_t unixNano) {
  int64_t nanos = 0;
  std::string out = formatSeconds(unixNano, &nanos);
  char frac[16];
  (void)std::snprintf(frac, sizeof(frac), ".%09lldZ", static_cast<long long>(nanos));
  return out + frac;
}

std::string formatGoTime(int64_t unixNano) {
  return unixNano == 0 ? std::string(kGoZeroTime) : formatRfc3339Nano(unixNano);
}

Result<int64_t> parseRfc3339(std::string_view s) {
  auto bad = [&] { return invalidArgument("invalid RFC 3339 time \"" + std::string(s) + "\""); };
  int year = 0;
  int month = 0;
  int day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
  if (!digits(s, 0, 4, &year) || s.size() < 20 || s[4] != '-' || !digits(s, 5, 2, &month) ||
      s[7] != '-' || !digits(s, 8, 2, &day) || (s[10] != 'T' && s[10] != 't') ||
      !digits(s, 11, 2, &hour) || s[13] != ':' || !digits(s, 14, 2, &minute) || s[16] != ':' ||
      !digits(s, 17, 2, &second)) {
    return bad();
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return bad();
  }
  size_t pos = 19;
  int64_t nanos = 0;
  if (pos < s.size() && s[pos] == '.') {
    size_t start = ++pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      ++pos;
    }
    if (pos == start) {
      return bad();
    }
    nanos = fractionNanos(s.substr(start, pos - start));
  }
  int64_t offsetSecs = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh = 0;
    int om = 0;
    if (!digits(s, pos + 1, 2, &oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !digits(s, pos + 4, 2, &om)) {
      return bad();
    }
    offsetSecs = (int64_t{oh} * 3600 + int64_t{om} * 60) * (s[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    return bad();
  }
  if (pos != s.size()) {
    return bad();
  }
  int64_t secs =
      daysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400 +
      int64_t{hour} * 3600 + int64_t{minute} * 60 + second - offsetSecs;
  return secs * kNanosPerSecond + nanos;
}
int64_t nowUnixNano() {
  struct timespec ts {};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * kNanosPerSecond + ts.tv_nsec;
}

}  // namespace berth
