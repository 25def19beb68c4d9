// goSprintf (declared in go_fmt.h): Go's fmt directive parser and the per-type
// formatting behind it, including its in-band error spellings.
#include <algorithm>
#include <cstdint>
#include <string>

#include "format/go_fmt.h"
#include "format/utf8.h"

namespace berth::format {
namespace {

using nlohmann::json;

void appendHex(std::string& out, std::uint64_t v, int width, bool upper) {
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string s;
  do {
    s.insert(s.begin(), digits[v & 0xF]);
    v >>= 4;
  } while (v != 0);
  if (static_cast<int>(s.size()) < width) {
    s.insert(0, static_cast<size_t>(width) - s.size(), '0');
  }
  out += s;
}

struct Spec {
  bool minus = false;
  bool plus = false;
  bool sharp = false;
  bool space = false;
  bool zero = false;
  bool widPresent = false;
  bool precPresent = false;
  int wid = 0;
  int prec = 0;
};

constexpr int kMaxWidth = 1000000;  // Go's fmt rejects larger widths/precisions

void pad(std::string& out, const Spec& spec, std::string_view s) {
  const size_t n = runeCount(s);
  if (!spec.widPresent || static_cast<size_t>(spec.wid) <= n) {
    out += s;
    return;
  }
  const size_t fill = static_cast<size_t>(spec.wid) - n;
  if (spec.minus) {
    out += s;
    out.append(fill, ' ');
  } else {
    out.append(fill, spec.zero ? '0' : ' ');
    out += s;
  }
}

void badVerb(std::string& out, char32_t verb, const json& arg) {
  out += "%!";
  appendRune(out, verb);
  out += '(';
  if (arg.is_null()) {
    out += "<nil>";
  } else {
    out += goTypeName(arg);
    out += '=';
    out += goPrintValue(arg);
  }
  out += ')';
}

void fmtInteger(std::string& out, const Spec& spec, char32_t verb, bool neg, std::uint64_t mag) {
  int base = 10;
  bool upper = false;
  std::string prefix;
  switch (verb) {
    case 'b':
      base = 2;
      prefix = spec.sharp ? "0b" : "";
      break;
    case 'o':
      base = 8;
      prefix = spec.sharp ? "0" : "";
      break;
    case 'O':
      base = 8;
      prefix = "0o";
      break;
    case 'x':
      base = 16;
      prefix = spec.sharp ? "0x" : "";
      break;
    case 'X':
      base = 16;
      upper = true;
      prefix = spec.sharp ? "0X" : "";
      break;
    default:
      break;
  }
  const char* alphabet = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string digits;
  do {
    digits.insert(digits.begin(), alphabet[mag % static_cast<unsigned>(base)]);
    mag /= static_cast<unsigned>(base);
  } while (mag != 0);
  const std::string sign = neg ? "-" : spec.plus ? "+" : spec.space ? " " : "";
  int minDigits = 0;
  if (spec.precPresent) {
    minDigits = spec.prec;
    if (spec.prec == 0 && digits == "0") {
      digits.clear();
    }
  } else if (spec.zero && spec.widPresent && !spec.minus) {
    minDigits = spec.wid - static_cast<int>(sign.size());
  }
  if (static_cast<int>(digits.size()) < minDigits) {
    digits.insert(0, static_cast<size_t>(minDigits) - digits.size(), '0');
  }
  Spec plain = spec;
  plain.zero = false;
  pad(out, plain, sign + prefix + digits);
}

void fmtFloat(std::string& out, const Spec& spec, char32_t verb, double v) {
  char fmt = 'g';
  int prec = -1;
  switch (verb) {
    case 'v':
      break;
    case 'g':
    case 'G':
      fmt = static_cast<char>(verb);
      break;
    case 'e':
    case 'E':
    case 'f':
      fmt = static_cast<char>(verb);
      prec = 6;
      break;
    case 'F':
      fmt = 'f';
      prec = 6;
      break;
    default:
      badVerb(out, verb, json(v));
      return;
  }
  if (spec.precPresent) {
    prec = spec.prec;
  }
  std::string num = goFormatFloat(v, fmt, prec);
  if (num[0] != '-' && num[0] != '+') {
    num.insert(num.begin(), '+');
  }
  if (spec.space && num[0] == '+' && !spec.plus) {
    num[0] = ' ';
  }
  Spec noZero = spec;
  noZero.zero = false;
  if (num[1] == 'I' || num[1] == 'N') {
    if (num[1] == 'N' && !spec.space && !spec.plus) {
      num.erase(0, 1);
    }
    pad(out, noZero, num);
    return;
  }
  if (spec.plus || num[0] != '+') {
    if (spec.zero && !spec.minus && spec.widPresent && spec.wid > static_cast<int>(num.size())) {
      out += num[0];
      out.append(static_cast<size_t>(spec.wid) - num.size(), '0');
      out.append(num, 1);
      return;
    }
    pad(out, spec, num);
    return;
  }
  pad(out, spec, std::string_view(num).substr(1));
}

void formatArg(std::string& out, const Spec& spec, char32_t verb, const json& arg) {
  if (verb == 'T') {
    pad(out, spec, arg.is_null() ? "<nil>" : goTypeName(arg));
    return;
  }
  switch (arg.type()) {
    case json::value_t::null:
      if (verb == 'v') {
        pad(out, spec, "<nil>");
      } else {
        badVerb(out, verb, arg);
      }
      return;
    case json::value_t::boolean:
      if (verb == 't' || verb == 'v') {
        pad(out, spec, arg.get<bool>() ? "true" : "false");
      } else {
        badVerb(out, verb, arg);
      }
      return;
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: {
      const bool neg = arg.is_number_integer() && arg.get<std::int64_t>() < 0;
      const std::uint64_t mag =
          neg ? static_cast<std::uint64_t>(0) - static_cast<std::uint64_t>(arg.get<std::int64_t>())
              : arg.get<std::uint64_t>();
      switch (verb) {
        case 'd':
        case 'v':
        case 'b':
        case 'o':
        case 'O':
        case 'x':
        case 'X':
          fmtInteger(out, spec, verb, neg, mag);
          return;
        case 'c':
        case 'q':
        case 'U': {
          const char32_t r = (neg || mag > 0x10FFFF) ? 0xFFFD : static_cast<char32_t>(mag);
          std::string s;
          if (verb == 'c') {
            appendRune(s, r);
          } else if (verb == 'q') {
            std::string raw;
            appendRune(raw, r);
            s = goQuote(raw);
            s.front() = '\'';
            s.back() = '\'';
          } else {
            s = "U+";
            appendHex(s, r, 4, true);
          }
          pad(out, spec, s);
          return;
        }
        default:
          badVerb(out, verb, arg);
          return;
      }
    }
    case json::value_t::number_float:
      fmtFloat(out, spec, verb, arg.get<double>());
      return;
    case json::value_t::string: {
      std::string_view s = arg.get_ref<const std::string&>();
      if (spec.precPresent) {
        size_t i = 0;
        for (int n = 0; n < spec.prec && i < s.size(); ++n) {
          i += decodeRune(s, i).size;
        }
        s = s.substr(0, i);
      }
      switch (verb) {
        case 's':
        case 'v':
          pad(out, spec, s);
          return;
        case 'q':
          pad(out, spec, goQuote(s));
          return;
        case 'x':
        case 'X': {
          // Go: '#' adds 0x, and ' ' spaces the bytes (each then with its own 0x).
          const std::string prefix = spec.sharp ? (verb == 'x' ? "0x" : "0X") : "";
          std::string hex;
          for (size_t k = 0; k < s.size(); ++k) {
            if (k == 0 || spec.space) {
              hex += k > 0 ? " " : "";
              hex += prefix;
            }
            appendHex(hex, static_cast<unsigned char>(s[k]), 2, verb == 'X');
          }
          pad(out, spec, hex);
          return;
        }
        default:
          badVerb(out, verb, arg);
          return;
      }
    }
    case json::value_t::object: {
      out += "map[";
      bool first = true;
      for (const auto& [key, item] : arg.items()) {
        out += first ? "" : " ";
        first = false;
        formatArg(out, spec, verb, json(key));
        out += ':';
        formatArg(out, spec, verb, item);
      }
      out += ']';
      return;
    }
    case json::value_t::array:
      out += '[';
      for (size_t i = 0; i < arg.size(); ++i) {
        out += i == 0 ? "" : " ";
        formatArg(out, spec, verb, arg[i]);
      }
      out += ']';
      return;
    default:
      badVerb(out, verb, arg);
      return;
  }
}

// Parses a decimal number at format[i]; false when there is none. Sets tooBig past kMaxWidth.
bool parseNum(std::string_view format, size_t& i, int& value, bool& tooBig) {
  const size_t start = i;
  long long v = 0;
  while (i < format.size() && format[i] >= '0' && format[i] <= '9') {
    v = std::min<long long>(v * 10 + (format[i] - '0'), 10LL * kMaxWidth);
    ++i;
  }
  tooBig = v > kMaxWidth;
  value = static_cast<int>(std::min<long long>(v, kMaxWidth));
  return i > start;
}

// Takes an int argument for a '*' width or precision.
bool starArg(const std::vector<json>& args, size_t& argNum, int& value) {
  if (argNum >= args.size()) {
    return false;
  }
  const json& a = args[argNum++];
  if (!a.is_number_integer() && !a.is_number_unsigned()) {
    return false;
  }
  const std::int64_t v = a.is_number_unsigned() && a.get<std::uint64_t>() > kMaxWidth
                             ? kMaxWidth + 1
                             : a.get<std::int64_t>();
  if (v > kMaxWidth || v < -kMaxWidth) {
    return false;
  }
  value = static_cast<int>(v);
  return true;
}

}  // namespace

std::string goSprintf(std::string_view format, const std::vector<json>& args) {
  std::string out;
  size_t argNum = 0;
  size_t i = 0;
  while (i < format.size()) {
    const size_t pct = format.find('%', i);
    if (pct == std::string_view::npos) {
      out.append(format.substr(i));
      break;
    }
    out.append(format.substr(i, pct - i));
    i = pct + 1;
    Spec spec;
    for (; i < format.size(); ++i) {
      const char c = format[i];
      if (c == '-') {
        spec.minus = true;
      } else if (c == '+') {
        spec.plus = true;
      } else if (c == '#') {
        spec.sharp = true;
      } else if (c == ' ') {
        spec.space = true;
      } else if (c == '0') {
        spec.zero = true;
      } else {
        break;
      }
    }
    bool tooBig = false;
    if (i < format.size() && format[i] == '*') {
      ++i;
      spec.widPresent = starArg(args, argNum, spec.wid);
      if (!spec.widPresent) {
        out += "%!(BADWIDTH)";
      } else if (spec.wid < 0) {
        spec.minus = true;
        spec.wid = -spec.wid;
      }
    } else {
      spec.widPresent = parseNum(format, i, spec.wid, tooBig);
      if (tooBig) {
        spec.widPresent = false;
        out += "%!(BADWIDTH)";
      }
    }
    if (i < format.size() && format[i] == '.') {
      ++i;
      if (i < format.size() && format[i] == '*') {
        ++i;
        spec.precPresent = starArg(args, argNum, spec.prec);
        if (!spec.precPresent || spec.prec < 0) {
          spec.precPresent = false;
          out += "%!(BADPREC)";
        }
      } else {
        parseNum(format, i, spec.prec, tooBig);
        spec.precPresent = !tooBig;
        if (tooBig) {
          out += "%!(BADPREC)";
        }
      }
    }
    spec.zero = spec.zero && !spec.minus;
    if (i >= format.size()) {
      out += "%!(NOVERB)";
      break;
    }
    const Rune verb = decodeRune(format, i);
    i += verb.size;
    if (verb.value == '%') {
      out += '%';
      continue;
    }
    if (argNum >= args.size()) {
      out += "%!";
      appendRune(out, verb.value);
      out += "(MISSING)";
      continue;
    }
    if (verb.value == 'v') {
      // Go turns %+v and %#v into struct/Go-syntax modes, which JSON values don't have.
      spec.plus = false;
      spec.sharp = false;
    }
    formatArg(out, spec, verb.value, args[argNum++]);
  }
  if (argNum < args.size()) {
    out += "%!(EXTRA ";
    for (size_t k = argNum; k < args.size(); ++k) {
      out += k == argNum ? "" : ", ";
      if (args[k].is_null()) {
        out += "<nil>";
      } else {
        out += goTypeName(args[k]);
        out += '=';
        out += goPrintValue(args[k]);
      }
    }
    out += ')';
  }
  return out;
}

}  // namespace berth::format
