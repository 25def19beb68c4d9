#include "cli/units.h"

#include <fmt/format.h>

#include <cctype>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <vector>

#include "common/strings.h"

namespace berth::cli {

namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }

// Go's strconv.ParseFloat for the plain decimal forms a size can take.
Result<double> parseGoFloat(std::string_view num) {
  bool ok = !num.empty();
  for (char c : num) {
    if (!isDigit(c) && c != '.' && c != 'e' && c != 'E' && c != '+' && c != '-') {
      ok = false;
    }
  }
  std::string text(num);
  char* end = nullptr;
  double v = ok ? std::strtod(text.c_str(), &end) : 0;
  if (!ok || end == nullptr || *end != '\0') {
    return invalidArgument(fmt::format("strconv.ParseFloat: parsing \"{}\": invalid syntax", num));
  }
  return v;
}

// Decodes one UTF-8 sequence at s[i]; returns its length, or 0 if invalid.
size_t utf8Length(std::string_view s, size_t i, uint32_t& rune) {
  auto c = static_cast<unsigned char>(s[i]);
  size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (len == 0 || i + len > s.size()) {
    return 0;
  }
  rune = len == 1 ? c : c & (0x7F >> len);
  for (size_t k = 1; k < len; ++k) {
    auto cc = static_cast<unsigned char>(s[i + k]);
    if ((cc >> 6) != 0x2) {
      return 0;
    }
    rune = (rune << 6) | (cc & 0x3F);
  }
  static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (rune < kMin[len] || rune > 0x10FFFF || (rune >= 0xD800 && rune <= 0xDFFF)) {
    return 0;
  }
  return len;
}

}  // namespace

std::string humanSizeWithPrecision(double size, int precision) {
  static constexpr const char* kUnits[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};
  size_t i = 0;
  while (size >= 1000.0 && i + 1 < std::size(kUnits)) {
    size /= 1000.0;
    ++i;
  }
  // C's %g matches Go's %g for these magnitudes (trailing zeros dropped).
  char buf[64];
  (void)std::snprintf(buf, sizeof buf, "%.*g", precision, size);
  return std::string(buf) + kUnits[i];
}

std::string humanSize(double size) { return humanSizeWithPrecision(size, 4); }

std::string humanDuration(std::chrono::nanoseconds d) {
  using namespace std::chrono;
  const double secondsF = duration<double>(d).count();
  const auto seconds = static_cast<int64_t>(secondsF);
  if (seconds < 1) {
    return "Less than a second";
  }
  if (seconds == 1) {
    return "1 second";
  }
  if (seconds < 60) {
    return fmt::format("{} seconds", seconds);
  }
  const auto minutes = static_cast<int64_t>(secondsF / 60);
  if (minutes == 1) {
    return "About a minute";
  }
  if (minutes < 60) {
    return fmt::format("{} minutes", minutes);
  }
  const auto hours = static_cast<int64_t>(std::llround(secondsF / 3600));  // Go: int(h + 0.5)
  if (hours == 1) {
    return "About an hour";
  }
  if (hours < 48) {
    return fmt::format("{} hours", hours);
  }
  if (hours < int64_t{24} * 7 * 2) {
    return fmt::format("{} days", hours / 24);
  }
  if (hours < int64_t{24} * 30 * 2) {
    return fmt::format("{} weeks", hours / 24 / 7);
  }
  if (hours < int64_t{24} * 365 * 2) {
    return fmt::format("{} months", hours / 24 / 30);
  }
  return fmt::format("{} years", static_cast<int64_t>(secondsF / 3600) / 24 / 365);
}

std::string timeAgo(int64_t unixSeconds, std::chrono::system_clock::time_point now) {
  auto created = std::chrono::system_clock::time_point(std::chrono::seconds(unixSeconds));
  return humanDuration(now - created) + " ago";
}

Result<int64_t> ramInBytes(std::string_view text) {
  size_t sep = text.find_last_of("01234567890. ");
  if (sep == std::string_view::npos) {
    return invalidArgument(fmt::format("invalid size: '{}'", text));
  }
  std::string_view num;
  std::string_view sfx;
  if (text[sep] != ' ') {
    num = text.substr(0, sep + 1);
    sfx = text.substr(sep + 1);
  } else {
    num = text.substr(0, sep);
    sfx = text.substr(sep + 1);
  }
  BERTH_ASSIGN_OR_RETURN(double size, parseGoFloat(num));
  if (size < 0) {
    return invalidArgument(fmt::format("invalid size: '{}'", text));
  }
  if (sfx.empty()) {
    return static_cast<int64_t>(size);
  }
  std::string lower = toLower(sfx);
  auto badSuffix = [&] { return invalidArgument(fmt::format("invalid suffix: '{}'", lower)); };
  if (sfx.size() > 3) {
    return invalidArgument(fmt::format("invalid suffix: '{}'", sfx));
  }
  if (lower[0] == 'b') {
    if (lower.size() > 1) {
      return badSuffix();
    }
    return static_cast<int64_t>(size);
  }
  static constexpr std::string_view kMultipliers = "kmgtp";
  size_t power = kMultipliers.find(lower[0]);
  if (power == std::string_view::npos) {
    return badSuffix();
  }
  size *= std::pow(1024.0, static_cast<double>(power + 1));
  if ((lower.size() == 2 && lower[1] != 'b') || (lower.size() == 3 && lower.substr(1) != "ib")) {
    return badSuffix();
  }
  return static_cast<int64_t>(size);
}

Result<int64_t> parseNanoCpus(std::string_view text) {
  auto bad = [&] {
    return invalidArgument(fmt::format("failed to parse {} as a rational number", text));
  };
  // big.Rat.SetString: "a/b" or a decimal with an optional exponent, as an exact
  // fraction num / den.
  __int128 num = 0;
  __int128 den = 1;
  constexpr __int128 kLimit = static_cast<__int128>(1) << 100;
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) {
    return bad();
  }
  if (size_t slash = s.find('/'); slash != std::string_view::npos) {
    std::string_view a = s.substr(0, slash);
    std::string_view b = s.substr(slash + 1);
    if (a.empty() || b.empty()) {
      return bad();
    }
    den = 0;
    for (char c : a) {
      if (!isDigit(c) || num > kLimit) {
        return bad();
      }
      num = num * 10 + (c - '0');
    }
    for (char c : b) {
      if (!isDigit(c) || den > kLimit) {
        return bad();
      }
      den = den * 10 + (c - '0');
    }
    if (den == 0) {
      return bad();
    }
  } else {
    size_t e = s.find_first_of("eE");
    std::string_view mantissa = s.substr(0, e);
    int exponent = 0;
    if (e != std::string_view::npos) {
      std::string exp(s.substr(e + 1));
      char* end = nullptr;
      long v = std::strtol(exp.c_str(), &end, 10);
      if (exp.empty() || *end != '\0' || v > 30 || v < -30) {
        return bad();
      }
      exponent = static_cast<int>(v);
    }
    bool seenDigit = false;
    bool seenDot = false;
    for (char c : mantissa) {
      if (c == '.' && !seenDot) {
        seenDot = true;
        continue;
      }
      if (!isDigit(c) || num > kLimit) {
        return bad();
      }
      seenDigit = true;
      num = num * 10 + (c - '0');
      if (seenDot) {
        --exponent;
      }
    }
    if (!seenDigit) {
      return bad();
    }
    for (; exponent > 0; --exponent) {
      num *= 10;
    }
    for (; exponent < 0; ++exponent) {
      den *= 10;
    }
  }
  __int128 scaled = num * 1'000'000'000;
  if (scaled % den != 0) {
    return invalidArgument("value is too precise");
  }
  __int128 nano = scaled / den;
  if (nano > INT64_MAX) {
    return bad();
  }
  return static_cast<int64_t>(negative ? -nano : nano);
}

std::string goTimeString(int64_t unixSeconds) {
  auto t = static_cast<time_t>(unixSeconds);
  std::tm tm{};
  localtime_r(&t, &tm);
  long off = tm.tm_gmtoff;
  char sign = off < 0 ? '-' : '+';
  off = off < 0 ? -off : off;
  std::string zone = tm.tm_zone != nullptr ? tm.tm_zone : "";
  char date[32];
  (void)std::strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S", &tm);
  std::string offset = fmt::format("{}{:02}{:02}", sign, off / 3600, (off / 60) % 60);
  // Go prints the offset again when a zone has no abbreviation.
  return fmt::format("{} {} {}", date, offset, zone.empty() ? offset : zone);
}

std::string ellipsis(std::string_view s, size_t maxWidth) {
  // Runes, as docker counts display width for plain text.
  std::vector<std::string_view> runes;
  for (size_t i = 0; i < s.size();) {
    uint32_t rune = 0;
    size_t len = utf8Length(s, i, rune);
    len = len == 0 ? 1 : len;
    runes.push_back(s.substr(i, len));
    i += len;
  }
  if (runes.size() <= maxWidth) {
    return std::string(s);
  }
  if (maxWidth == 0) {
    return "";
  }
  std::string out;
  for (size_t i = 0; i + 1 < maxWidth; ++i) {
    out.append(runes[i]);
  }
  return out + "…";
}

std::string truncateId(std::string_view id) {
  if (size_t colon = id.find(':'); colon != std::string_view::npos) {
    id = id.substr(colon + 1);
  }
  return std::string(id.substr(0, 12));
}

std::string goJsonIndent(std::string_view raw, std::string_view indent) {
  std::string out;
  int depth = 0;
  bool needIndent = false;
  bool inString = false;
  bool escaped = false;
  auto newline = [&](int d) {
    out += '\n';
    for (int i = 0; i < d; ++i) {
      out.append(indent);
    }
  };
  for (char c : raw) {
    if (inString) {
      out += c;
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        inString = false;
      }
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      continue;
    }
    if (needIndent && c != ']' && c != '}') {
      needIndent = false;
      newline(depth);
    }
    switch (c) {
      case '"':
        inString = true;
        out += c;
        break;
      case '{':
      case '[':
        out += c;
        ++depth;
        needIndent = true;
        break;
      case ',':
        out += c;
        newline(depth);
        break;
      case ':':
        out += ": ";
        break;
      case '}':
      case ']':
        --depth;
        if (needIndent) {
          needIndent = false;  // an empty object or array stays on one line
        } else {
          newline(depth);
        }
        out += c;
        break;
      default:
        out += c;
    }
  }
  return out;
}

bool naturalLess(std::string_view a, std::string_view b) {
  size_t i = 0;
  size_t j = 0;
  while (i < a.size() && j < b.size()) {
    bool da = isDigit(a[i]);
    bool db = isDigit(b[j]);
    if (da != db) {
      return da;
    }
    if (!da) {
      if (a[i] != b[j]) {
        return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[j]);
      }
      ++i;
      ++j;
      continue;
    }
    while (i < a.size() && a[i] == '0') {
      ++i;
    }
    while (j < b.size() && b[j] == '0') {
      ++j;
    }
    size_t nz1 = i;
    size_t nz2 = j;
    while (i < a.size() && isDigit(a[i])) {
      ++i;
    }
    while (j < b.size() && isDigit(b[j])) {
      ++j;
    }
    if (i - nz1 != j - nz2) {
      return i - nz1 < j - nz2;
    }
    std::string_view n1 = a.substr(nz1, i - nz1);
    std::string_view n2 = b.substr(nz2, j - nz2);
    if (n1 != n2) {
      return n1 < n2;
    }
    if (nz1 != nz2) {
      return nz1 < nz2;
    }
  }
  return a.size() < b.size();
}

}  // namespace berth::cli
