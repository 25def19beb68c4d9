#include "format/go_fmt.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>

#include "format/utf8.h"

namespace berth::format {
namespace {

using nlohmann::json;

// A decimal mantissa as strconv keeps it: value = 0.digits * 10^dp, with no
// leading or trailing zeros in digits (zero is digits == "").
struct Decimal {
  std::string digits;
  int dp = 0;
};

// Reads std::to_chars output ("1.25e+03" or "1250.000") of a non-negative number.
Decimal parseDecimal(std::string_view s) {
  Decimal d;
  int intDigits = -1;
  int exp = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c >= '0' && c <= '9') {
      d.digits += c;
    } else if (c == '.') {
      intDigits = static_cast<int>(d.digits.size());
    } else if (c == 'e' || c == 'E') {
      size_t k = i + 1;
      bool neg = false;
      if (k < s.size() && (s[k] == '+' || s[k] == '-')) {
        neg = s[k] == '-';
        ++k;
      }
      std::from_chars(s.data() + k, s.data() + s.size(), exp);
      exp = neg ? -exp : exp;
      break;
    }
  }
  if (intDigits < 0) {
    intDigits = static_cast<int>(d.digits.size());
  }
  d.dp = intDigits + exp;
  size_t lead = 0;
  while (lead < d.digits.size() && d.digits[lead] == '0') {
    ++lead;
  }
  d.digits.erase(0, lead);
  d.dp -= static_cast<int>(lead);
  while (!d.digits.empty() && d.digits.back() == '0') {
    d.digits.pop_back();
  }
  if (d.digits.empty()) {
    d.dp = 0;
  }
  return d;
}

// Correctly rounded digits of |v|: shortest round-trip when prec < 0.
Decimal toDecimal(double v, std::chars_format format, int prec) {
  std::string buf(static_cast<size_t>(std::max(prec, 0)) + 400, '\0');
  std::to_chars_result r =
      prec < 0 ? std::to_chars(buf.data(), buf.data() + buf.size(), v, format)
               : std::to_chars(buf.data(), buf.data() + buf.size(), v, format, prec);
  return parseDecimal(std::string_view(buf.data(), static_cast<size_t>(r.ptr - buf.data())));
}

std::string fmtE(bool neg, const Decimal& d, int prec, char e) {
  std::string out = neg ? "-" : "";
  out += d.digits.empty() ? '0' : d.digits[0];
  if (prec > 0) {
    out += '.';
    for (int i = 1; i <= prec; ++i) {
      out += i < static_cast<int>(d.digits.size()) ? d.digits[static_cast<size_t>(i)] : '0';
    }
  }
  out += e;
  int exp = d.digits.empty() ? 0 : d.dp - 1;
  out += exp < 0 ? '-' : '+';
  exp = std::abs(exp);
  if (exp < 10) {
    out += '0';
  }
  out += std::to_string(exp);
  return out;
}

std::string fmtF(bool neg, const Decimal& d, int prec) {
  std::string out = neg ? "-" : "";
  const int nd = static_cast<int>(d.digits.size());
  if (d.dp > 0) {
    const int m = std::min(nd, d.dp);
    out.append(d.digits, 0, static_cast<size_t>(m));
    out.append(static_cast<size_t>(d.dp - m), '0');
  } else {
    out += '0';
  }
  if (prec > 0) {
    out += '.';
    for (int i = 1; i <= prec; ++i) {
      const int j = d.dp + i - 1;
      out += (j >= 0 && j < nd) ? d.digits[static_cast<size_t>(j)] : '0';
    }
  }
  return out;
}

void printTo(std::string& out, const json& v) {
  switch (v.type()) {
    case json::value_t::string:
      out += v.get_ref<const std::string&>();
      return;
    case json::value_t::boolean:
      out += v.get<bool>() ? "true" : "false";
      return;
    case json::value_t::number_integer:
      out += std::to_string(v.get<std::int64_t>());
      return;
    case json::value_t::number_unsigned:
      out += std::to_string(v.get<std::uint64_t>());
      return;
    case json::value_t::number_float:
      out += goFormatFloat(v.get<double>(), 'g', -1);
      return;
    case json::value_t::object: {
      out += "map[";
      bool first = true;
      for (const auto& [key, item] : v.items()) {
        out += first ? "" : " ";
        first = false;
        out += key;
        out += ':';
        printTo(out, item);
      }
      out += ']';
      return;
    }
    case json::value_t::array: {
      out += '[';
      for (size_t i = 0; i < v.size(); ++i) {
        out += i == 0 ? "" : " ";
        printTo(out, v[i]);
      }
      out += ']';
      return;
    }
    default:
      out += "<nil>";
      return;
  }
}

bool isPrintable(char32_t r) {
  if (r < 0x20 || r == 0x7F || (r >= 0x80 && r < 0xA0) || r == 0xAD) {
    return false;
  }
  return r != 0x2028 && r != 0x2029 && r != 0xFEFF;
}

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

}  // namespace

std::string goFormatFloat(double value, char fmt, int prec) {
  if (std::isnan(value)) {
    return "NaN";
  }
  if (std::isinf(value)) {
    return value > 0 ? "+Inf" : "-Inf";
  }
  const bool neg = std::signbit(value);
  const double a = std::fabs(value);
  const bool shortest = prec < 0;
  const bool isG = fmt == 'g' || fmt == 'G';
  Decimal d;
  if (shortest) {
    d = toDecimal(a, std::chars_format::scientific, -1);
  } else if (fmt == 'f') {
    d = toDecimal(a, std::chars_format::fixed, prec);
  } else {
    if (isG && prec == 0) {
      prec = 1;
    }
    d = toDecimal(a, std::chars_format::scientific, isG ? prec - 1 : prec);
  }
  const int nd = static_cast<int>(d.digits.size());
  if (fmt == 'e' || fmt == 'E') {
    return fmtE(neg, d, shortest ? std::max(nd - 1, 0) : prec, fmt);
  }
  if (fmt == 'f') {
    return fmtF(neg, d, shortest ? std::max(nd - d.dp, 0) : prec);
  }
  // %g: exponent form when the exponent is < -4 or >= the precision (6 for shortest).
  if (shortest) {
    prec = nd;
  }
  int eprec = prec;
  if (eprec > nd && nd >= d.dp) {
    eprec = nd;
  }
  if (shortest) {
    eprec = 6;
  }
  const int exp = d.dp - 1;
  if (exp < -4 || exp >= eprec) {
    return fmtE(neg, d, std::min(prec, nd) - 1, fmt == 'G' ? 'E' : 'e');
  }
  if (prec > d.dp) {
    prec = nd;
  }
  return fmtF(neg, d, std::max(prec - d.dp, 0));
}

std::string goPrintValue(const json& value) {
  std::string out;
  printTo(out, value);
  return out;
}

std::string goTypeName(const json& value) {
  switch (value.type()) {
    case json::value_t::string:
      return "string";
    case json::value_t::boolean:
      return "bool";
    case json::value_t::number_integer:
      return "int";
    case json::value_t::number_unsigned:
      return value.get<std::uint64_t>() >
                     static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())
                 ? "uint64"
                 : "int";
    case json::value_t::number_float:
      return "float64";
    case json::value_t::object:
      return "map[string]interface {}";
    case json::value_t::array:
      return "[]interface {}";
    default:
      return "<nil>";
  }
}

std::string goQuote(std::string_view s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    const Rune r = decodeRune(s, i);
    if (!r.valid) {
      out += "\\x";
      appendHex(out, static_cast<unsigned char>(s[i]), 2, false);
    } else if (r.value == '"' || r.value == '\\') {
      out += '\\';
      out += static_cast<char>(r.value);
    } else if (isPrintable(r.value)) {
      out.append(s.substr(i, r.size));
    } else {
      switch (r.value) {
        case '\a':
          out += "\\a";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\v':
          out += "\\v";
          break;
        default:
          if (r.value < 0x20 || r.value == 0x7F) {
            out += "\\x";
            appendHex(out, r.value, 2, false);
          } else if (r.value < 0x10000) {
            out += "\\u";
            appendHex(out, r.value, 4, false);
          } else {
            out += "\\U";
            appendHex(out, r.value, 8, false);
          }
      }
    }
    i += r.size;
  }
  out += '"';
  return out;
}

std::string goSprint(const std::vector<json>& args) {
  std::string out;
  bool prevString = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const bool isString = args[i].is_string();
    if (i > 0 && !isString && !prevString) {
      out += ' ';
    }
    printTo(out, args[i]);
    prevString = isString;
  }
  return out;
}

std::string goSprintln(const std::vector<json>& args) {
  std::string out;
  for (size_t i = 0; i < args.size(); ++i) {
    out += i == 0 ? "" : " ";
    printTo(out, args[i]);
  }
  out += '\n';
  return out;
}

}  // namespace berth::format
