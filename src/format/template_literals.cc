#include "format/template_literals.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>

#include "format/utf8.h"

namespace berth::format {
namespace {

using nlohmann::json;

int hexValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

}  // namespace

std::optional<std::string> unquoteGoLiteral(std::string_view s, char quote) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    const char c = s[i];
    if (c == quote || c == '\n') {
      return std::nullopt;
    }
    if (static_cast<unsigned char>(c) >= 0x80) {
      const Rune r = decodeRune(s, i);
      appendRune(out, r.value);
      i += r.size;
      continue;
    }
    if (c != '\\') {
      out += c;
      ++i;
      continue;
    }
    if (++i >= s.size()) {
      return std::nullopt;
    }
    const char e = s[i++];
    switch (e) {
      case 'a':
        out += '\a';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'v':
        out += '\v';
        break;
      case '\\':
        out += '\\';
        break;
      case '\'':
      case '"':
        if (e != quote) {
          return std::nullopt;
        }
        out += e;
        break;
      case 'x':
      case 'u':
      case 'U': {
        const size_t n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
        if (i + n > s.size()) {
          return std::nullopt;
        }
        char32_t v = 0;
        for (size_t k = 0; k < n; ++k) {
          const int h = hexValue(s[i + k]);
          if (h < 0) {
            return std::nullopt;
          }
          v = v * 16 + static_cast<char32_t>(h);
        }
        i += n;
        if (e == 'x') {
          out += static_cast<char>(v);
        } else if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
          return std::nullopt;
        } else {
          appendRune(out, v);
        }
        break;
      }
      default: {
        if (e < '0' || e > '7' || i + 2 > s.size()) {
          return std::nullopt;
        }
        int v = e - '0';
        for (size_t k = 0; k < 2; ++k) {
          const char d = s[i + k];
          if (d < '0' || d > '7') {
            return std::nullopt;
          }
          v = v * 8 + (d - '0');
        }
        if (v > 255) {
          return std::nullopt;
        }
        i += 2;
        out += static_cast<char>(v);
      }
    }
  }
  return out;
}

std::optional<json> parseGoNumber(std::string_view text) {
  std::string s;
  for (const char c : text) {
    if (c != '_') {
      s += c;
    }
  }
  bool neg = false;
  std::string_view body = s;
  if (!body.empty() && (body[0] == '+' || body[0] == '-')) {
    neg = body[0] == '-';
    body.remove_prefix(1);
  }
  if (body.empty()) {
    return std::nullopt;
  }
  int base = 10;
  std::string_view digits = body;
  if (body.size() > 1 && body[0] == '0') {
    const char p = body[1];
    if (p == 'x' || p == 'X') {
      base = 16;
    } else if (p == 'o' || p == 'O') {
      base = 8;
    } else if (p == 'b' || p == 'B') {
      base = 2;
    }
    digits = base == 10 ? body : body.substr(2);
    if (base == 10 && body.find_first_not_of("01234567") == std::string_view::npos) {
      base = 8;
    }
  }
  std::uint64_t mag = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), mag, base);
  if (ec == std::errc() && ptr == digits.data() + digits.size() && !digits.empty()) {
    constexpr std::uint64_t kMinMag = std::uint64_t{1} << 63;
    if (!neg) {
      return mag <= kMinMag - 1 ? json(static_cast<std::int64_t>(mag)) : json(mag);
    }
    if (mag < kMinMag) {
      return json(-static_cast<std::int64_t>(mag));
    }
    if (mag == kMinMag) {
      return json(std::numeric_limits<std::int64_t>::min());
    }
  }
  if (body.size() > 1 && body[0] == '0' &&
      std::string_view("xXoObB").find(body[1]) != std::string_view::npos) {
    return std::nullopt;  // hex floats and overflowing prefixed ints
  }
  double d = 0;
  auto [fptr, fec] = std::from_chars(body.data(), body.data() + body.size(), d);
  if (fec != std::errc() || fptr != body.data() + body.size() || !std::isfinite(d)) {
    return std::nullopt;
  }
  return json(neg ? -d : d);
}

}  // namespace berth::format
