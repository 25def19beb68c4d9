#include "cli/timestamps.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <ctime>
#include <limits>
#include <optional>
#include <vector>

namespace berth::cli {

namespace {

constexpr uint64_t kMaxDuration = uint64_t{1} << 63;

bool isDigit(char c) { return c >= '0' && c <= '9'; }

Error badDuration(std::string_view text) {
  return invalidArgument(fmt::format("time: invalid duration \"{}\"", text));
}

// The units time.ParseDuration knows, in nanoseconds.
std::optional<uint64_t> durationUnit(std::string_view unit) {
  if (unit == "ns") {
    return 1;
  }
  if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") {  // us, µs (micro sign), μs (mu)
    return 1000;
  }
  if (unit == "ms") {
    return 1000 * 1000;
  }
  if (unit == "s") {
    return 1000 * 1000 * 1000;
  }
  if (unit == "m") {
    return uint64_t{60} * 1000 * 1000 * 1000;
  }
  if (unit == "h") {
    return uint64_t{3600} * 1000 * 1000 * 1000;
  }
  return std::nullopt;
}

// One element of a Go time layout, enough for the layouts GetTimestamp uses.
enum class Elem { kYear, kDash, kMonth, kDay, kT, kHour, kColon, kMinute, kSecond, kFrac, kZone };

std::string_view elemText(Elem e) {
  switch (e) {
    case Elem::kYear:
      return "2006";
    case Elem::kDash:
      return "-";
    case Elem::kMonth:
      return "01";
    case Elem::kDay:
      return "02";
    case Elem::kT:
      return "T";
    case Elem::kHour:
      return "15";
    case Elem::kColon:
      return ":";
    case Elem::kMinute:
      return "04";
    case Elem::kSecond:
      return "05";
    case Elem::kFrac:
      return ".999999999";
    case Elem::kZone:
      return "Z07:00";
  }
  return "";
}

struct Layout {
  std::vector<Elem> elems;

  std::string text() const {
    std::string out;
    for (Elem e : elems) {
      out += elemText(e);
    }
    return out;
  }
};

struct ParsedTime {
  int year = 0;
  unsigned month = 1;
  unsigned day = 1;
  int hour = 0;
  int minute = 0;
  int second = 0;
  int64_t nanos = 0;
  std::optional<int> offset;  // seconds east of UTC when the value carries a zone
};

// Reads exactly `width` digits, or 1..width digits when !fixed (Go's getnum).
std::optional<int> takeNumber(std::string_view& s, size_t width, bool fixed) {
  size_t n = 0;
  while (n < s.size() && n < width && isDigit(s[n])) {
    ++n;
  }
  if (n == 0 || (fixed && n != width)) {
    return std::nullopt;
  }
  int value = 0;
  for (size_t i = 0; i < n; ++i) {
    value = value * 10 + (s[i] - '0');
  }
  s.remove_prefix(n);
  return value;
}

// time.Parse for the fixed set of layouts above, with Go's error wording.
Result<ParsedTime> parseLayout(std::string_view value, const Layout& layout) {
  ParsedTime t;
  std::string_view s = value;
  auto cannotParse = [&](Elem e) {
    return invalidArgument(
        fmt::format("parsing time \"{}\" as \"{}\": cannot parse \"{}\" as \"{}\"", value,
                    layout.text(), s, elemText(e)));
  };
  auto outOfRange = [&](std::string_view what) {
    return invalidArgument(fmt::format("parsing time \"{}\": {} out of range", value, what));
  };
  for (Elem e : layout.elems) {
    std::optional<int> n;
    switch (e) {
      case Elem::kDash:
      case Elem::kT:
      case Elem::kColon:
        if (s.empty() || s.front() != elemText(e).front()) {
          return cannotParse(e);
        }
        s.remove_prefix(1);
        continue;
      case Elem::kYear:
        n = takeNumber(s, 4, true);
        if (!n) {
          return cannotParse(e);
        }
        t.year = *n;
        continue;
      case Elem::kMonth:
        n = takeNumber(s, 2, true);
        if (!n) {
          return cannotParse(e);
        }
        if (*n < 1 || *n > 12) {
          return outOfRange("month");
        }
        t.month = static_cast<unsigned>(*n);
        continue;
      case Elem::kDay:
        n = takeNumber(s, 2, true);
        if (!n) {
          return cannotParse(e);
        }
        t.day = static_cast<unsigned>(*n);
        continue;
      case Elem::kHour:
        n = takeNumber(s, 2, false);
        if (!n) {
          return cannotParse(e);
        }
        if (*n > 23) {
          return outOfRange("hour");
        }
        t.hour = *n;
        continue;
      case Elem::kMinute:
        n = takeNumber(s, 2, true);
        if (!n) {
          return cannotParse(e);
        }
        if (*n > 59) {
          return outOfRange("minute");
        }
        t.minute = *n;
        continue;
      case Elem::kSecond:
        n = takeNumber(s, 2, true);
        if (!n) {
          return cannotParse(e);
        }
        if (*n > 59) {
          return outOfRange("second");
        }
        t.second = *n;
        // Go accepts a fraction after the seconds even when the layout has none.
        if (s.size() >= 2 && s[0] == '.' && isDigit(s[1])) {
          s.remove_prefix(1);
          int64_t frac = 0;
          int digits = 0;
          while (!s.empty() && isDigit(s.front())) {
            if (digits < 9) {
              frac = frac * 10 + (s.front() - '0');
              ++digits;
            }
            s.remove_prefix(1);
          }
          for (; digits < 9; ++digits) {
            frac *= 10;
          }
          t.nanos = frac;
        }
        continue;
      case Elem::kFrac:
        continue;  // consumed with the seconds; optional in Go's .999 form
      case Elem::kZone:
        if (!s.empty() && s.front() == 'Z') {
          s.remove_prefix(1);
          t.offset = 0;
          continue;
        }
        if (s.size() < 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':') {
          return cannotParse(e);
        }
        {
          std::string_view hh = s.substr(1, 2);
          std::string_view mm = s.substr(4, 2);
          auto h = takeNumber(hh, 2, true);
          auto m = takeNumber(mm, 2, true);
          if (!h || !m) {
            return cannotParse(e);
          }
          if (*h > 24 || *m > 59) {
            return outOfRange("time zone offset");
          }
          int off = *h * 3600 + *m * 60;
          t.offset = s[0] == '-' ? -off : off;
          s.remove_prefix(6);
        }
        continue;
    }
  }
  if (!s.empty()) {
    return invalidArgument(fmt::format("parsing time \"{}\": extra text: \"{}\"", value, s));
  }
  std::chrono::year_month_day ymd{std::chrono::year{t.year}, std::chrono::month{t.month},
                                  std::chrono::day{t.day}};
  if (!ymd.ok()) {
    return outOfRange("day");
  }
  return t;
}

int64_t floorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// moby's parseTimestamp: "<seconds>[.<digits>]" with Go's strconv.ParseInt rules.
bool isUnixTimestamp(std::string_view value) {
  auto isInt = [](std::string_view s) {
    if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
      s.remove_prefix(1);
    }
    if (s.empty() || s.size() > 19) {
      return false;
    }
    for (char c : s) {
      if (!isDigit(c)) {
        return false;
      }
    }
    return true;
  };
  size_t dot = value.find('.');
  if (dot == std::string_view::npos) {
    return isInt(value);
  }
  return isInt(value.substr(0, dot)) && isInt(value.substr(dot + 1));
}

bool containsAny(std::string_view s, std::string_view chars) {
  return s.find_first_of(chars) != std::string_view::npos;
}

}  // namespace

Result<std::chrono::nanoseconds> parseGoDuration(std::string_view text) {
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s == "0") {
    return std::chrono::nanoseconds{0};
  }
  if (s.empty()) {
    return badDuration(text);
  }
  uint64_t total = 0;
  while (!s.empty()) {
    if (s.front() != '.' && !isDigit(s.front())) {
      return badDuration(text);
    }
    // Integer part.
    uint64_t whole = 0;
    size_t before = s.size();
    while (!s.empty() && isDigit(s.front())) {
      uint64_t digit = static_cast<uint64_t>(s.front() - '0');
      if (whole > (kMaxDuration - digit) / 10) {
        return badDuration(text);
      }
      whole = whole * 10 + digit;
      s.remove_prefix(1);
    }
    bool pre = before != s.size();
    // Fraction: digits beyond what fits are dropped, as Go does.
    uint64_t frac = 0;
    double scale = 1;
    bool post = false;
    if (!s.empty() && s.front() == '.') {
      s.remove_prefix(1);
      bool overflow = false;
      while (!s.empty() && isDigit(s.front())) {
        post = true;
        if (!overflow) {
          uint64_t digit = static_cast<uint64_t>(s.front() - '0');
          if (frac > (kMaxDuration - 1 - digit) / 10) {
            overflow = true;
          } else {
            frac = frac * 10 + digit;
            scale *= 10;
          }
        }
        s.remove_prefix(1);
      }
    }
    if (!pre && !post) {
      return badDuration(text);
    }
    size_t unitLen = 0;
    while (unitLen < s.size() && s[unitLen] != '.' && !isDigit(s[unitLen])) {
      ++unitLen;
    }
    if (unitLen == 0) {
      return invalidArgument(fmt::format("time: missing unit in duration \"{}\"", text));
    }
    auto unit = durationUnit(s.substr(0, unitLen));
    if (!unit) {
      return invalidArgument(
          fmt::format("time: unknown unit \"{}\" in duration \"{}\"", s.substr(0, unitLen), text));
    }
    s.remove_prefix(unitLen);
    if (whole > kMaxDuration / *unit) {
      return badDuration(text);
    }
    uint64_t v = whole * *unit;
    if (frac > 0) {
      v += static_cast<uint64_t>(static_cast<double>(frac) * (static_cast<double>(*unit) / scale));
      if (v > kMaxDuration) {
        return badDuration(text);
      }
    }
    total += v;
    if (total > kMaxDuration) {
      return badDuration(text);
    }
  }
  if (negative) {
    return std::chrono::nanoseconds{static_cast<int64_t>(0 - total)};
  }
  if (total > kMaxDuration - 1) {
    return badDuration(text);
  }
  return std::chrono::nanoseconds{static_cast<int64_t>(total)};
}

Result<std::string> parseTimestampArg(std::string_view value,
                                      std::chrono::system_clock::time_point now,
                                      int utcOffsetSeconds) {
  using std::chrono::duration_cast;
  using std::chrono::seconds;
  if (value != "0") {
    auto d = parseGoDuration(value);
    if (d.ok()) {
      auto then = now - duration_cast<std::chrono::system_clock::duration>(*d);
      // Go's Time.Unix() floors toward the earlier second.
      auto ns = duration_cast<std::chrono::nanoseconds>(then.time_since_epoch()).count();
      return std::to_string(floorDiv(ns, 1'000'000'000));
    }
  }

  // Which layout to try follows moby's GetTimestamp character tests exactly.
  bool inLocation = !containsAny(value, "zZ+") && std::count(value.begin(), value.end(), '-') != 3;
  using E = Elem;
  const std::vector<Elem> date = {E::kYear, E::kDash, E::kMonth, E::kDash, E::kDay};
  Layout layout{date};
  auto append = [&](std::initializer_list<Elem> more) {
    layout.elems.insert(layout.elems.end(), more.begin(), more.end());
  };
  if (value.find('.') != std::string_view::npos) {
    append({E::kT, E::kHour, E::kColon, E::kMinute, E::kColon, E::kSecond, E::kFrac});
    if (!inLocation) {
      append({E::kZone});
    }
  } else if (value.find('T') != std::string_view::npos) {
    auto colons = std::count(value.begin(), value.end(), ':');
    if (!inLocation && !containsAny(value, "zZ") && colons > 0) {
      --colons;  // the zone offset's own colon
    }
    append({E::kT, E::kHour});
    if (colons >= 1) {
      append({E::kColon, E::kMinute});
    }
    if (colons >= 2) {
      append({E::kColon, E::kSecond});
    }
    if (!inLocation) {
      append({E::kZone});
    }
  } else if (!inLocation) {
    append({E::kZone});
  }

  auto parsed = parseLayout(value, layout);
  if (!parsed.ok()) {
    if (value.find('-') != std::string_view::npos) {
      return std::move(parsed).error();  // looked like a date but was not one
    }
    if (!isUnixTimestamp(value)) {
      return invalidArgument(
          fmt::format("failed to parse value as time or duration: \"{}\"", value));
    }
    return std::string(value);  // unix seconds pass through to the daemon unchanged
  }
  const ParsedTime& t = *parsed;
  std::chrono::sys_days days = std::chrono::year_month_day{
      std::chrono::year{t.year}, std::chrono::month{t.month}, std::chrono::day{t.day}};
  int64_t secs = int64_t{days.time_since_epoch().count()} * 86400 + int64_t{t.hour} * 3600 +
                 int64_t{t.minute} * 60 + t.second - t.offset.value_or(utcOffsetSeconds);
  return fmt::format("{}.{:09d}", secs, t.nanos);
}

Result<std::string> parseTimestampArg(std::string_view value) {
  auto now = std::chrono::system_clock::now();
  return parseTimestampArg(value, now, localUtcOffset(std::chrono::system_clock::to_time_t(now)));
}

int localUtcOffset(int64_t unixSeconds) {
  std::time_t t = static_cast<std::time_t>(unixSeconds);
  std::tm tm{};
  if (localtime_r(&t, &tm) == nullptr) {
    return 0;
  }
  return static_cast<int>(tm.tm_gmtoff);
}

namespace {

struct Civil {
  std::chrono::year_month_day ymd;
  std::chrono::weekday weekday;
  int64_t secondOfDay;
};

Civil toCivil(int64_t localSeconds) {
  int64_t day = floorDiv(localSeconds, 86400);
  std::chrono::sys_days d{std::chrono::days{day}};
  return {std::chrono::year_month_day{d}, std::chrono::weekday{d}, localSeconds - day * 86400};
}

}  // namespace

std::string formatRfc3339NanoFixed(int64_t unixNanos, int utcOffsetSeconds) {
  int64_t secs = floorDiv(unixNanos, 1'000'000'000);
  int64_t nanos = unixNanos - secs * 1'000'000'000;
  Civil c = toCivil(secs + utcOffsetSeconds);
  std::string zone = "Z";
  if (utcOffsetSeconds != 0) {
    int off = utcOffsetSeconds < 0 ? -utcOffsetSeconds : utcOffsetSeconds;
    zone = fmt::format("{}{:02d}:{:02d}", utcOffsetSeconds < 0 ? '-' : '+', off / 3600,
                       (off % 3600) / 60);
  }
  return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}.{:09d}{}",
                     static_cast<int>(c.ymd.year()), static_cast<unsigned>(c.ymd.month()),
                     static_cast<unsigned>(c.ymd.day()), c.secondOfDay / 3600,
                     (c.secondOfDay % 3600) / 60, c.secondOfDay % 60, nanos, zone);
}

std::string formatAnsic(int64_t unixSeconds, int utcOffsetSeconds) {
  static constexpr std::array<std::string_view, 7> kDays = {"Sun", "Mon", "Tue", "Wed",
                                                            "Thu", "Fri", "Sat"};
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  Civil c = toCivil(unixSeconds + utcOffsetSeconds);
  return fmt::format("{} {} {:>2} {:02d}:{:02d}:{:02d} {}", kDays[c.weekday.c_encoding()],
                     kMonths[static_cast<unsigned>(c.ymd.month()) - 1],
                     static_cast<unsigned>(c.ymd.day()), c.secondOfDay / 3600,
                     (c.secondOfDay % 3600) / 60, c.secondOfDay % 60,
                     static_cast<int>(c.ymd.year()));
}

}  // namespace berth::cli
