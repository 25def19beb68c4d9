#include "format/go_json.h"

#include <cmath>
#include <cstdint>

#include "format/go_fmt.h"
#include "format/utf8.h"

namespace berth::format {
namespace {

using nlohmann::json;

void writeString(std::string& out, std::string_view s, bool escapeHtml) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) {
      const bool html = b == '<' || b == '>' || b == '&';
      if (b >= 0x20 && b != '"' && b != '\\' && !(escapeHtml && html)) {
        out += static_cast<char>(b);
      } else if (b == '"' || b == '\\') {
        out += '\\';
        out += static_cast<char>(b);
      } else if (b == '\b') {
        out += "\\b";
      } else if (b == '\f') {
        out += "\\f";
      } else if (b == '\n') {
        out += "\\n";
      } else if (b == '\r') {
        out += "\\r";
      } else if (b == '\t') {
        out += "\\t";
      } else {
        out += "\\u00";
        out += kHex[b >> 4];
        out += kHex[b & 0xF];
      }
      ++i;
      continue;
    }
    const Rune r = decodeRune(s, i);
    if (!r.valid) {
      out += "\\ufffd";
    } else if (r.value == 0x2028 || r.value == 0x2029) {
      // Go escapes the JavaScript line separators so JSON stays valid JS.
      out += r.value == 0x2028 ? "\\u2028" : "\\u2029";
    } else {
      out.append(s.substr(i, r.size));
    }
    i += r.size;
  }
  out += '"';
}

void newline(std::string& out, std::string_view indent, int depth) {
  out += '\n';
  for (int i = 0; i < depth; ++i) {
    out += indent;
  }
}

// indent == nullptr writes the compact form.
void write(std::string& out, const json& v, const std::string_view* indent, int depth,
           bool escapeHtml) {
  switch (v.type()) {
    case json::value_t::string:
      writeString(out, v.get_ref<const std::string&>(), escapeHtml);
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
      out += goJsonFloat(v.get<double>());
      return;
    case json::value_t::object: {
      if (v.empty()) {
        out += "{}";
        return;
      }
      out += '{';
      bool first = true;
      for (const auto& [key, item] : v.items()) {
        if (!first) {
          out += ',';
        }
        first = false;
        if (indent != nullptr) {
          newline(out, *indent, depth + 1);
        }
        writeString(out, key, escapeHtml);
        out += indent != nullptr ? ": " : ":";
        write(out, item, indent, depth + 1, escapeHtml);
      }
      if (indent != nullptr) {
        newline(out, *indent, depth);
      }
      out += '}';
      return;
    }
    case json::value_t::array: {
      if (v.empty()) {
        out += "[]";
        return;
      }
      out += '[';
      for (size_t i = 0; i < v.size(); ++i) {
        if (i > 0) {
          out += ',';
        }
        if (indent != nullptr) {
          newline(out, *indent, depth + 1);
        }
        write(out, v[i], indent, depth + 1, escapeHtml);
      }
      if (indent != nullptr) {
        newline(out, *indent, depth);
      }
      out += ']';
      return;
    }
    default:
      out += "null";
      return;
  }
}

}  // namespace

std::string goJsonFloat(double value) {
  if (!std::isfinite(value)) {
    return "null";  // Go refuses to encode these; null keeps the output parseable.
  }
  const double a = std::fabs(value);
  if (a != 0 && (a < 1e-6 || a >= 1e21)) {
    std::string s = goFormatFloat(value, 'e', -1);
    // Go trims the exponent's leading zero: 1e-07 -> 1e-7.
    const size_t n = s.size();
    if (n >= 4 && s[n - 4] == 'e' && s[n - 3] == '-' && s[n - 2] == '0') {
      s.erase(n - 2, 1);
    }
    return s;
  }
  return goFormatFloat(value, 'f', -1);
}

std::string marshalGoJson(const json& value, bool escapeHtml) {
  std::string out;
  write(out, value, nullptr, 0, escapeHtml);
  return out;
}

std::string marshalGoJsonIndent(const json& value, std::string_view indent, bool escapeHtml) {
  std::string out;
  write(out, value, &indent, 0, escapeHtml);
  return out;
}

}  // namespace berth::format
