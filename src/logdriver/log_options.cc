#include "logdriver/log_options.h"

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <set>

#include "common/strings.h"

namespace berth {
namespace {

// dockerd's logger.ValidateLogOpts takes these for every driver.
bool isBuiltInOption(const std::string& key) { return key == "mode" || key == "max-buffer-size"; }

Status checkKeys(std::string_view driver, const LogOptions& opts,
                 std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, value] : opts) {
    if (isBuiltInOption(key)) {
      continue;
    }
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      return invalidArgument("unknown log opt '" + key + "' for " + std::string(driver) +
                             " log driver");
    }
  }
  return okStatus();
}

Status checkBuiltIns(const LogOptions& opts) {
  auto mode = opts.find("mode");
  std::string modeValue = mode == opts.end() ? "" : mode->second;
  if (!modeValue.empty() && modeValue != "blocking" && modeValue != "non-blocking") {
    return invalidArgument("logger: logging mode not supported: " + modeValue);
  }
  if (auto it = opts.find("max-buffer-size"); it != opts.end()) {
    if (modeValue != "non-blocking") {
      return invalidArgument("logger: max-buffer-size option is only supported with 'mode=non-blocking'");
    }
    BERTH_TRY(parseHumanSize(it->second));
  }
  return okStatus();
}

bool fileExists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

Result<bool> parseGoBool(std::string_view key, std::string_view v) {
  if (v == "1" || v == "t" || v == "T" || v == "true" || v == "TRUE" || v == "True") {
    return true;
  }
  if (v == "0" || v == "f" || v == "F" || v == "false" || v == "FALSE" || v == "False") {
    return false;
  }
  return invalidArgument("invalid boolean value for " + std::string(key) + ": \"" +
                         std::string(v) + "\"");
}

Result<int> parseInt(std::string_view key, std::string_view v) {
  if (v.empty() || v.size() > 9) {
    return invalidArgument("invalid value for " + std::string(key) + ": " + std::string(v));
  }
  size_t i = (v[0] == '-' || v[0] == '+') ? 1 : 0;
  if (i == v.size()) {
    return invalidArgument("invalid value for " + std::string(key) + ": " + std::string(v));
  }
  for (size_t j = i; j < v.size(); ++j) {
    if (!std::isdigit(static_cast<unsigned char>(v[j]))) {
      return invalidArgument("invalid value for " + std::string(key) + ": " + std::string(v));
    }
  }
  return std::atoi(std::string(v).c_str());
}

// berth writes no compressed rotations; "compress=false" is all it accepts.
Status checkCompress(std::string_view driver, const LogOptions& opts) {
  auto it = opts.find("compress");
  if (it == opts.end()) {
    return okStatus();
  }
  BERTH_ASSIGN_OR_RETURN(bool compress, parseGoBool("compress", it->second));
  if (compress) {
    return invalidArgument("compress=true is not supported by berth's " + std::string(driver) +
                           " log driver (use compress=false)");
  }
  return okStatus();
}

Result<FileLogOptions> parseFileOptions(std::string_view driver, const LogOptions& opts,
                                        FileLogOptions defaults) {
  FileLogOptions out = defaults;
  if (auto it = opts.find("max-size"); it != opts.end()) {
    BERTH_ASSIGN_OR_RETURN(out.maxSize, parseHumanSize(it->second));
    if (out.maxSize <= 0) {
      return invalidArgument("max-size must be a positive number");
    }
  }
  if (auto it = opts.find("max-file"); it != opts.end()) {
    BERTH_ASSIGN_OR_RETURN(out.maxFile, parseInt("max-file", it->second));
    if (out.maxFile < 1) {
      return invalidArgument("max-file cannot be less than 1");
    }
  }
  BERTH_TRY(checkCompress(driver, opts));
  return out;
}

Status checkTag(const LogOptions& opts) {
  if (auto it = opts.find("tag"); it != opts.end()) {
    LogContext probe;
    probe.containerId = std::string(64, '0');
    BERTH_TRY(renderLogTag(it->second, probe));
  }
  return okStatus();
}

Result<int> parseFacility(std::string_view v) {
  static constexpr std::array<std::pair<std::string_view, int>, 20> kFacilities{{
      {"kern", 0},    {"user", 1},    {"mail", 2},    {"daemon", 3},  {"auth", 4},
      {"syslog", 5},  {"lpr", 6},     {"news", 7},    {"uucp", 8},    {"cron", 9},
      {"authpriv", 10}, {"ftp", 11},  {"local0", 16}, {"local1", 17}, {"local2", 18},
      {"local3", 19}, {"local4", 20}, {"local5", 21}, {"local6", 22}, {"local7", 23},
  }};
  for (const auto& [name, code] : kFacilities) {
    if (name == v) {
      return code;
    }
  }
  auto n = parseInt("syslog-facility", v);
  if (n.ok() && *n >= 0 && *n <= 23) {
    return *n;
  }
  return invalidArgument("invalid syslog facility");
}

Result<SyslogAddress> parseSyslogAddress(std::string_view v) {
  SyslogAddress out;
  if (v.empty()) {
    return out;
  }
  size_t sep = v.find("://");
  if (sep == std::string_view::npos) {
    return invalidArgument("syslog-address should be in form proto://address, got " +
                           std::string(v));
  }
  std::string scheme = toLower(v.substr(0, sep));
  std::string_view rest = v.substr(sep + 3);
  if (scheme == "unix" || scheme == "unixgram") {
    out.kind = scheme == "unix" ? SyslogAddress::Kind::kUnixStream : SyslogAddress::Kind::kUnixDgram;
    out.path = std::string(rest);
    if (out.path.empty() || out.path[0] != '/') {
      return invalidArgument("syslog-address " + std::string(v) + ": the socket path must be absolute");
    }
    if (!fileExists(out.path)) {
      return invalidArgument("syslog-address " + std::string(v) + ": stat " + out.path +
                             ": no such file or directory");
    }
    return out;
  }
  if (scheme == "tcp+tls") {
    return invalidArgument("syslog-address tcp+tls:// is not supported by berth");
  }
  if (scheme != "udp" && scheme != "tcp") {
    return invalidArgument("unsupported scheme: '" + scheme + "'");
  }
  out.kind = scheme == "udp" ? SyslogAddress::Kind::kUdp : SyslogAddress::Kind::kTcp;
  std::string_view hostPort = rest.substr(0, rest.find('/'));
  std::string_view portText;
  if (!hostPort.empty() && hostPort[0] == '[') {  // [v6]:port
    size_t close = hostPort.find(']');
    if (close == std::string_view::npos) {
      return invalidArgument("syslog-address " + std::string(v) + ": missing ']' in address");
    }
    out.host = std::string(hostPort.substr(1, close - 1));
    if (close + 1 < hostPort.size()) {
      if (hostPort[close + 1] != ':') {
        return invalidArgument("syslog-address " + std::string(v) + ": bad port");
      }
      portText = hostPort.substr(close + 2);
    }
  } else {
    size_t colon = hostPort.rfind(':');
    if (colon != std::string_view::npos) {
      out.host = std::string(hostPort.substr(0, colon));
      portText = hostPort.substr(colon + 1);
    } else {
      out.host = std::string(hostPort);
    }
  }
  if (out.host.empty()) {
    return invalidArgument("syslog-address " + std::string(v) + ": missing host");
  }
  if (!portText.empty() || (!hostPort.empty() && hostPort.back() == ':')) {
    auto port = parseInt("syslog-address port", portText);
    if (!port.ok() || *port < 1 || *port > 65535) {
      return invalidArgument("syslog-address " + std::string(v) + ": invalid port");
    }
    out.port = static_cast<uint16_t>(*port);
  }
  return out;
}

}  // namespace

bool logDriverSupportsReading(std::string_view driver) {
  return driver == "json-file" || driver == "local";
}

Result<int64_t> parseHumanSize(std::string_view text) {
  auto bad = [&] { return invalidArgument("invalid size: '" + std::string(text) + "'"); };
  // ^(\d+(\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$ like go-units.
  size_t i = 0;
  std::string number;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) {
    number += text[i++];
  }
  if (number.empty() || number[0] == '.' || number.back() == '.' ||
      number.find("..") != std::string::npos) {
    return bad();
  }
  if (i < text.size() && text[i] == ' ') {
    ++i;
  }
  double mul = 1;
  if (i < text.size()) {
    switch (std::tolower(static_cast<unsigned char>(text[i]))) {
      case 'k': mul = 1e3; ++i; break;
      case 'm': mul = 1e6; ++i; break;
      case 'g': mul = 1e9; ++i; break;
      case 't': mul = 1e12; ++i; break;
      case 'p': mul = 1e15; ++i; break;
      default: break;
    }
  }
  if (i < text.size() && (text[i] == 'i' || text[i] == 'I')) {
    ++i;
  }
  if (i < text.size() && (text[i] == 'b' || text[i] == 'B')) {
    ++i;
  }
  if (i != text.size()) {
    return bad();
  }
  // strconv.ParseFloat takes "1.2.3" as invalid; go-units' regex allows it only to fail there.
  if (std::count(number.begin(), number.end(), '.') > 1) {
    return bad();
  }
  double value = std::strtod(number.c_str(), nullptr) * mul;
  if (value > 9.2e18) {
    return bad();
  }
  return static_cast<int64_t>(value);
}

Result<FileLogOptions> parseJsonFileOptions(const LogOptions& opts) {
  return parseFileOptions("json-file", opts, FileLogOptions{});
}

Result<FileLogOptions> parseLocalOptions(const LogOptions& opts) {
  return parseFileOptions("local", opts, FileLogOptions{int64_t{20} * 1024 * 1024, 5});
}

Result<SyslogOptions> parseSyslogOptions(const LogOptions& opts) {
  SyslogOptions out;
  if (auto it = opts.find("syslog-address"); it != opts.end()) {
    BERTH_ASSIGN_OR_RETURN(out.address, parseSyslogAddress(it->second));
  }
  if (auto it = opts.find("syslog-facility"); it != opts.end()) {
    BERTH_ASSIGN_OR_RETURN(out.facility, parseFacility(it->second));
  }
  if (auto it = opts.find("syslog-format"); it != opts.end()) {
    const std::string& f = it->second;
    if (f.empty()) {
      out.format = SyslogFormat::kUnix;
    } else if (f == "rfc3164") {
      out.format = SyslogFormat::kRfc3164;
    } else if (f == "rfc5424") {
      out.format = SyslogFormat::kRfc5424;
    } else if (f == "rfc5424micro") {
      out.format = SyslogFormat::kRfc5424Micro;
    } else {
      return invalidArgument("Invalid syslog format");
    }
  }
  // The syslog-tls-* options are accepted and unused: berth has no tcp+tls.
  if (auto it = opts.find("tag"); it != opts.end()) {
    out.tagTemplate = it->second;
  }
  return out;
}

Result<JournaldOptions> parseJournaldOptions(const LogOptions& opts) {
  JournaldOptions out;
  if (auto it = opts.find("tag"); it != opts.end()) {
    out.tagTemplate = it->second;
  }
  return out;
}

Status validateLogConfig(std::string_view driver, const LogOptions& opts) {
  return validateLogConfig(driver, opts, std::string(kJournaldSocket));
}

Status validateLogConfig(std::string_view driver, const LogOptions& opts,
                         const std::string& journaldSocket) {
  if (driver == "none") {
    return okStatus();  // dockerd checks nothing for "none"
  }
  BERTH_TRY(checkBuiltIns(opts));
  if (driver == "json-file") {
    BERTH_TRY(checkKeys(driver, opts,
                        {"max-file", "max-size", "compress", "labels", "labels-regex", "env",
                         "env-regex", "tag"}));
    BERTH_TRY(parseJsonFileOptions(opts));
  } else if (driver == "local") {
    BERTH_TRY(checkKeys(driver, opts, {"max-file", "max-size", "compress"}));
    BERTH_TRY(parseLocalOptions(opts));
  } else if (driver == "syslog") {
    BERTH_TRY(checkKeys(driver, opts,
                        {"env", "env-regex", "labels", "labels-regex", "syslog-address",
                         "syslog-facility", "syslog-tls-ca-cert", "syslog-tls-cert",
                         "syslog-tls-key", "syslog-tls-skip-verify", "tag", "syslog-format"}));
    BERTH_ASSIGN_OR_RETURN(SyslogOptions so, parseSyslogOptions(opts));
    if (so.address.kind == SyslogAddress::Kind::kLocal && !fileExists("/dev/log") &&
        !fileExists("/var/run/syslog") && !fileExists("/var/run/log")) {
      return unavailable("syslog is not available on this host (no /dev/log); set syslog-address");
    }
  } else if (driver == "journald") {
    BERTH_TRY(checkKeys(driver, opts, {"tag", "labels", "labels-regex", "env", "env-regex"}));
    BERTH_TRY(parseJournaldOptions(opts));
    if (!fileExists(journaldSocket)) {
      return unavailable("journald is not available on this host (no " + journaldSocket + ")");
    }
  } else {
    return invalidArgument("logger: no log driver named '" + std::string(driver) +
                           "' is registered");
  }
  BERTH_TRY(checkTag(opts));
  BERTH_TRY(logAttributes(opts, {}, {}));  // compiles labels-regex / env-regex
  return okStatus();
}

}  // namespace berth
