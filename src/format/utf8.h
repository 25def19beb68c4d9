// UTF-8 helpers shared by the formatter; they follow Go's unicode/utf8 rules
// (invalid bytes decode one at a time as U+FFFD) so widths and escapes match Go.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace berth::format {

struct Rune {
  char32_t value;
  size_t size;  // bytes consumed, at least 1
  bool valid;
};

// Decodes the rune at s[i]; i must be < s.size().
inline Rune decodeRune(std::string_view s, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char b0 = byte(i);
  if (b0 < 0x80) {
    return {b0, 1, true};
  }
  size_t need = 0;
  char32_t r = 0;
  char32_t min = 0;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    need = 1;
    r = b0 & 0x1F;
    min = 0x80;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    need = 2;
    r = b0 & 0x0F;
    min = 0x800;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    need = 3;
    r = b0 & 0x07;
    min = 0x10000;
  } else {
    return {0xFFFD, 1, false};
  }
  if (i + need >= s.size()) {
    return {0xFFFD, 1, false};
  }
  for (size_t k = 1; k <= need; ++k) {
    const unsigned char b = byte(i + k);
    if ((b & 0xC0) != 0x80) {
      return {0xFFFD, 1, false};
    }
    r = (r << 6) | (b & 0x3F);
  }
  if (r < min || r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF)) {
    return {0xFFFD, 1, false};
  }
  return {r, need + 1, true};
}

inline void appendRune(std::string& out, char32_t r) {
  if (r < 0x80) {
    out += static_cast<char>(r);
  } else if (r < 0x800) {
    out += static_cast<char>(0xC0 | (r >> 6));
    out += static_cast<char>(0x80 | (r & 0x3F));
  } else if (r < 0x10000) {
    out += static_cast<char>(0xE0 | (r >> 12));
    out += static_cast<char>(0x80 | ((r >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (r & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (r >> 18));
    out += static_cast<char>(0x80 | ((r >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((r >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (r & 0x3F));
  }
}

// Number of runes, counting each invalid byte as one, like utf8.RuneCountInString.
inline size_t runeCount(std::string_view s) {
  size_t n = 0;
  for (size_t i = 0; i < s.size(); i += decodeRune(s, i).size) {
    ++n;
  }
  return n;
}

}  // namespace berth::format
