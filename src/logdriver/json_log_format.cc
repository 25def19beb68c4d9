#include "logdriver/json_log_format.h"

#include <nlohmann/json.hpp>

#include "common/time_format.h"

namespace berth {
namespace {

constexpr char kHex[] = "0123456789abcdef";

// Length of the valid UTF-8 sequence at s[i], or 0 when it is not one (Go's
// utf8.DecodeRune rules: no overlongs, no surrogates, nothing above U+10FFFF).
size_t utf8SequenceLength(std::string_view s, size_t i, uint32_t* cp) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  auto cont = [&](size_t k) { return i + k < s.size() && (b(k) & 0xC0) == 0x80; };
  unsigned char c = b(0);
  if (c >= 0xC2 && c <= 0xDF && cont(1)) {
    *cp = ((c & 0x1Fu) << 6) | (b(1) & 0x3Fu);
    return 2;
  }
  if (c >= 0xE0 && c <= 0xEF && cont(1) && cont(2)) {
    uint32_t v = ((c & 0x0Fu) << 12) | ((b(1) & 0x3Fu) << 6) | (b(2) & 0x3Fu);
    if (v < 0x800 || (v >= 0xD800 && v <= 0xDFFF)) {
      return 0;
    }
    *cp = v;
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4 && cont(1) && cont(2) && cont(3)) {
    uint32_t v = ((c & 0x07u) << 18) | ((b(1) & 0x3Fu) << 12) | ((b(2) & 0x3Fu) << 6) |
                 (b(3) & 0x3Fu);
    if (v < 0x10000 || v > 0x10FFFF) {
      return 0;
    }
    *cp = v;
    return 4;
  }
  return 0;
}

}  // namespace

void appendGoJsonString(std::string& out, std::string_view s) {
  out += '"';
  size_t start = 0;
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c >= 0x20 && c != '\\' && c != '"' && c != '<' && c != '>' && c != '&') {
        ++i;
        continue;
      }
      out.append(s.substr(start, i - start));
      switch (c) {
        case '\\':
        case '"':
          out += '\\';
          out += static_cast<char>(c);
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
        default:
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xF];
      }
      start = ++i;
      continue;
    }
    uint32_t cp = 0;
    size_t n = utf8SequenceLength(s, i, &cp);
    if (n == 0) {
      out.append(s.substr(start, i - start));
      out += "\\ufffd";
      start = ++i;
      continue;
    }
    if (cp == 0x2028 || cp == 0x2029) {
      out.append(s.substr(start, i - start));
      out += "\\u202";
      out += kHex[cp & 0xF];
      i += n;
      start = i;
      continue;
    }
    i += n;
  }
  out.append(s.substr(start));
  out += '"';
}

std::string encodeJsonLogAttrs(const std::map<std::string, std::string>& attrs) {
  if (attrs.empty()) {
    return {};
  }
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : attrs) {
    if (!first) {
      out += ',';
    }
    first = false;
    appendGoJsonString(out, k);
    out += ':';
    appendGoJsonString(out, v);
  }
  out += '}';
  return out;
}

void appendJsonLogLine(std::string& out, const LogMessage& msg, std::string_view rawAttrs) {
  // jsonlog.JSONLogs.MarshalJSONBuf: empty fields are left out.
  out += '{';
  if (!msg.line.empty()) {
    out += "\"log\":";
    appendGoJsonString(out, msg.line);
    out += ',';
  }
  out += "\"stream\":\"";
  out += logStreamName(msg.stream);
  out += "\",";
  if (!rawAttrs.empty()) {
    out += "\"attrs\":";
    out += rawAttrs;
    out += ',';
  }
  out += "\"time\":\"";
  out += formatRfc3339Nano(msg.timeNano);
  out += "\"}\n";
}

Result<LogEntry> decodeJsonLogLine(std::string_view line) {
  auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return invalidArgument("malformed json-file log line");
  }
  LogEntry e;
  auto log = j.find("log");
  if (log != j.end() && log->is_string()) {
    e.line = log->get<std::string>();
  }
  auto stream = j.find("stream");
  if (stream != j.end() && stream->is_string() && stream->get_ref<const std::string&>() == "stderr") {
    e.stream = LogStream::kStderr;
  }
  auto time = j.find("time");
  if (time == j.end() || !time->is_string()) {
    return invalidArgument("json-file log line without a time");
  }
  BERTH_ASSIGN_OR_RETURN(e.timeNano, parseRfc3339(time->get_ref<const std::string&>()));
  auto attrs = j.find("attrs");
  if (attrs != j.end() && attrs->is_object()) {
    for (const auto& [k, v] : attrs->items()) {
      if (v.is_string()) {
        e.attrs[k] = v.get<std::string>();
      }
    }
  }
  return e;
}

std::string_view logStreamName(LogStream stream) {
  return stream == LogStream::kStderr ? "stderr" : "stdout";
}

}  // namespace berth
