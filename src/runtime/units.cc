#include "runtime/units.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <vector>

#include "common/error.h"
#include "common/strings.h"
#include "runtime/capabilities.h"

namespace berth {
namespace {

bool allDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A non-negative decimal integer that fits T; nullopt otherwise.
template <typename T>
std::optional<T> parseUnsigned(std::string_view s) {
  if (!allDigits(s)) {
    return std::nullopt;
  }
  T value{};
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || ptr != s.data() + s.size()) {
    return std::nullopt;
  }
  return value;
}

std::string quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

}  // namespace

Result<int64_t> parseMemoryBytes(std::string_view s) {
  auto bad = [&] { return Unexpected(invalidArgument("invalid size: " + quoted(s))); };
  // number: digits, optionally ".digits"
  size_t i = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])) != 0) {
    ++i;
  }
  if (i == 0) {
    return bad();
  }
  size_t intEnd = i;
  if (i < s.size() && s[i] == '.') {
    ++i;
    size_t fracStart = i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])) != 0) {
      ++i;
    }
    if (i == fracStart) {
      return bad();
    }
  }
  std::string_view number = s.substr(0, i);
  std::string_view unit = s.substr(i);
  if (!unit.empty() && unit.front() == ' ') {
    unit.remove_prefix(1);
  }
  std::string u = toLower(unit);
  int shift = 0;
  if (!u.empty()) {
    static constexpr std::string_view kUnits = "bkmgtp";
    auto pos = kUnits.find(u.front());
    if (pos == std::string_view::npos) {
      return bad();
    }
    // "b" alone is bytes; "k"/"kb"/"kib" are kibibytes, and so on.
    std::string_view rest = std::string_view(u).substr(1);
    if (u.front() == 'b') {
      if (!rest.empty()) {
        return bad();
      }
    } else if (!(rest.empty() || rest == "b" || rest == "ib" || rest == "i")) {
      return bad();
    }
    shift = static_cast<int>(pos) * 10;
  }
  if (intEnd == number.size()) {
    auto whole = parseUnsigned<int64_t>(number);
    if (!whole || (shift > 0 && *whole > (std::numeric_limits<int64_t>::max() >> shift))) {
      return bad();
    }
    return *whole << shift;
  }
  double value = std::strtod(std::string(number).c_str(), nullptr) * std::ldexp(1.0, shift);
  if (!std::isfinite(value) || value >= 9.2e18) {
    return bad();
  }
  return static_cast<int64_t>(value);
}

Status validateMemoryLimit(int64_t bytes) {
  if (bytes < 0) {
    return Unexpected(invalidArgument("memory limit must not be negative"));
  }
  if (bytes > 0 && bytes < kMinMemoryBytes) {
    return Unexpected(invalidArgument("Minimum memory limit allowed is 6MB"));
  }
  return okStatus();
}

Result<int64_t> parseNanoCpus(std::string_view s) {
  auto bad = [&] {
    return Unexpected(invalidArgument("failed to parse " + quoted(s) + " as a rational number"));
  };
  if (!s.empty() && s.front() == '-') {
    return Unexpected(invalidArgument("invalid CPU count " + quoted(s) + ": must not be negative"));
  }
  auto dot = s.find('.');
  std::string_view whole = s.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view() : s.substr(dot + 1);
  if ((whole.empty() && frac.empty()) || (!whole.empty() && !allDigits(whole)) ||
      (!frac.empty() && !allDigits(frac))) {
    return bad();
  }
  while (frac.size() > 9 && frac.back() == '0') {
    frac.remove_suffix(1);
  }
  if (frac.size() > 9) {
    return Unexpected(invalidArgument("value " + quoted(s) + " is too precise"));
  }
  int64_t cpus = 0;
  if (!whole.empty()) {
    auto w = parseUnsigned<int64_t>(whole);
    if (!w || *w > std::numeric_limits<int64_t>::max() / 1'000'000'000) {
      return bad();
    }
    cpus = *w;
  }
  int64_t nanos = 0;
  if (!frac.empty()) {
    std::string padded(frac);
    padded.resize(9, '0');
    nanos = *parseUnsigned<int64_t>(padded);
  }
  return cpus * 1'000'000'000 + nanos;
}

Status validateNanoCpus(int64_t nanoCpus, int hostCpus) {
  if (nanoCpus == 0) {
    return okStatus();
  }
  if (nanoCpus < 10'000'000 || nanoCpus > int64_t{hostCpus} * 1'000'000'000) {
    return Unexpected(invalidArgument("Range of CPUs is from 0.01 to " + std::to_string(hostCpus) +
                                      ".00, as there are only " + std::to_string(hostCpus) +
                                      " CPUs available"));
  }
  return okStatus();
}

Result<std::string> parseCapability(std::string_view s) {
  std::string upper;
  for (char c : s) {
    upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  if (upper == "ALL") {
    return upper;
  }
  if (!startsWith(upper, "CAP_")) {
    upper = "CAP_" + upper;
  }
  if (capabilityNumber(upper) < 0) {
    return Unexpected(invalidArgument("unknown capability: \"" + upper + "\""));
  }
  return upper;
}

namespace {

struct SignalEntry {
  std::string_view name;  // without SIG
  int number;
};
constexpr std::array<SignalEntry, 34> kSignals = {{
    {"HUP", 1},   {"INT", 2},   {"QUIT", 3},    {"ILL", 4},     {"TRAP", 5},    {"ABRT", 6},
    {"IOT", 6},   {"BUS", 7},   {"FPE", 8},     {"KILL", 9},    {"USR1", 10},   {"SEGV", 11},
    {"USR2", 12}, {"PIPE", 13}, {"ALRM", 14},   {"TERM", 15},   {"STKFLT", 16}, {"CHLD", 17},
    {"CONT", 18}, {"STOP", 19}, {"TSTP", 20},   {"TTIN", 21},   {"TTOU", 22},   {"URG", 23},
    {"XCPU", 24}, {"XFSZ", 25}, {"VTALRM", 26}, {"PROF", 27},   {"WINCH", 28},  {"IO", 29},
    {"POLL", 29}, {"PWR", 30},  {"SYS", 31},    {"UNUSED", 31},
}};
// docker's signal map, like Go's: RTMIN is 34 (glibc reserves 32 and 33), RTMAX 64.
constexpr int kRtMin = 34;
constexpr int kRtMax = 64;

}  // namespace

Result<int> parseSignal(std::string_view s) {
  auto bad = [&] { return Unexpected(invalidArgument("Invalid signal: " + std::string(s))); };
  if (auto n = parseUnsigned<int>(s)) {
    if (*n < 1 || *n > kRtMax) {
      return bad();
    }
    return *n;
  }
  std::string name;
  for (char c : s) {
    name += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  if (startsWith(name, "SIG")) {
    name.erase(0, 3);
  }
  for (const auto& e : kSignals) {
    if (e.name == name) {
      return e.number;
    }
  }
  auto offset = [&](std::string_view prefix) -> std::optional<int> {
    if (name.size() <= prefix.size() + 1 || name.compare(0, prefix.size(), prefix) != 0) {
      return std::nullopt;
    }
    return parseUnsigned<int>(std::string_view(name).substr(prefix.size() + 1));
  };
  if (name == "RTMIN") {
    return kRtMin;
  }
  if (name == "RTMAX") {
    return kRtMax;
  }
  if (auto n = offset("RTMIN"); n && name[5] == '+' && *n >= 1 && *n <= kRtMax - kRtMin) {
    return kRtMin + *n;
  }
  if (auto n = offset("RTMAX"); n && name[5] == '-' && *n >= 1 && *n <= kRtMax - kRtMin) {
    return kRtMax - *n;
  }
  return bad();
}

std::string signalName(int signal) {
  for (const auto& e : kSignals) {
    if (e.number == signal) {
      return "SIG" + std::string(e.name);
    }
  }
  if (signal == kRtMin) {
    return "SIGRTMIN";
  }
  if (signal > kRtMin && signal <= kRtMax) {
    return "SIGRTMIN+" + std::to_string(signal - kRtMin);
  }
  return "";
}

std::string_view restartModeName(RestartMode mode) {
  switch (mode) {
    case RestartMode::kNo:
      return "no";
    case RestartMode::kAlways:
      return "always";
    case RestartMode::kUnlessStopped:
      return "unless-stopped";
    case RestartMode::kOnFailure:
      return "on-failure";
  }
  return "no";
}

Result<RestartPolicy> restartPolicyFrom(std::string_view name, int maximumRetryCount) {
  RestartPolicy p;
  p.maximumRetryCount = maximumRetryCount;
  if (name.empty() || name == "no") {
    p.mode = RestartMode::kNo;
  } else if (name == "always") {
    p.mode = RestartMode::kAlways;
  } else if (name == "unless-stopped") {
    p.mode = RestartMode::kUnlessStopped;
  } else if (name == "on-failure") {
    p.mode = RestartMode::kOnFailure;
  } else {
    return Unexpected(
        invalidArgument("invalid restart policy: unknown policy '" + std::string(name) +
                        "'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'"));
  }
  if (p.mode == RestartMode::kOnFailure) {
    if (maximumRetryCount < 0) {
      return Unexpected(
          invalidArgument("invalid restart policy: maximum retry count cannot be negative"));
    }
  } else if (maximumRetryCount != 0 && !name.empty()) {
    std::string msg =
        "invalid restart policy: maximum retry count can only be used with 'on-failure'";
    if (maximumRetryCount < 0) {
      msg += " and cannot be negative";
    }
    return Unexpected(invalidArgument(msg));
  } else {
    p.maximumRetryCount = 0;  // dockerd accepts any count with an empty name
  }
  return p;
}

Result<RestartPolicy> parseRestartPolicy(std::string_view s) {
  auto colon = s.find(':');
  std::string_view name = s.substr(0, colon);
  int count = 0;
  if (colon != std::string_view::npos) {
    if (name.empty()) {
      return Unexpected(
          invalidArgument("invalid restart policy format: no policy provided before colon"));
    }
    std::string_view countText = s.substr(colon + 1);
    if (!countText.empty()) {
      bool negative = countText.front() == '-';
      auto n = parseUnsigned<int>(negative ? countText.substr(1) : countText);
      if (!n) {
        return Unexpected(invalidArgument(
            "invalid restart policy format: maximum retry count must be an integer"));
      }
      count = negative ? -*n : *n;
    }
  }
  return restartPolicyFrom(name, count);
}

Result<UserSpec> parseUser(std::string_view s) {
  UserSpec spec;
  auto colon = s.find(':');
  spec.user = std::string(s.substr(0, colon));
  if (colon != std::string_view::npos) {
    spec.group = std::string(s.substr(colon + 1));
    if (spec.group.find(':') != std::string::npos) {
      return Unexpected(
          invalidArgument("invalid user " + quoted(s) + ": use name|uid[:group|gid]"));
    }
    if (spec.user.empty() || spec.group.empty()) {
      return Unexpected(invalidArgument("invalid user " + quoted(s) + ": empty user or group"));
    }
  }
  for (const std::string* part : {&spec.user, &spec.group}) {
    if (part->find_first_of(" \t\n/") != std::string::npos) {
      return Unexpected(invalidArgument("invalid user " + quoted(s)));
    }
    if (allDigits(*part) && !parseUnsigned<int32_t>(*part)) {
      return Unexpected(invalidArgument("invalid user " + quoted(s) + ": id out of range"));
    }
  }
  return spec;
}

Result<TmpfsOptions> parseTmpfsOptions(std::string_view s) {
  TmpfsOptions o;
  if (s.empty()) {
    return o;
  }
  for (const auto& raw : split(s, ',')) {
    std::string_view opt = trim(raw);
    auto eq = opt.find('=');
    std::string_view key = opt.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? std::string_view() : opt.substr(eq + 1);
    auto bad = [&] { return Unexpected(invalidArgument("invalid tmpfs option " + quoted(opt))); };
    auto number32 = [&]() -> std::optional<uint32_t> { return parseUnsigned<uint32_t>(value); };
    if (eq == std::string_view::npos) {
      if (key == "ro" || key == "rw") {
        o.readOnly = key == "ro";
      } else if (key == "exec" || key == "noexec") {
        o.noexec = key == "noexec";
      } else if (key == "suid" || key == "nosuid") {
        o.nosuid = key == "nosuid";
      } else if (key == "dev" || key == "nodev") {
        o.nodev = key == "nodev";
      } else {
        return bad();
      }
      continue;
    }
    if (key == "size") {
      auto size = parseMemoryBytes(value);
      if (!size.ok() || *size <= 0) {
        return bad();
      }
      o.sizeBytes = *size;
    } else if (key == "mode") {
      uint32_t mode = 0;
      auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), mode, 8);
      if (value.empty() || ec != std::errc() || ptr != value.data() + value.size() ||
          mode > 07777) {
        return bad();
      }
      o.mode = mode;
    } else if (key == "uid" && number32()) {
      o.uid = number32();
    } else if (key == "gid" && number32()) {
      o.gid = number32();
    } else if (key == "nr_inodes") {
      auto n = parseMemoryBytes(value);  // tmpfs takes k/m/g suffixes here too
      if (!n.ok() || *n <= 0) {
        return bad();
      }
      o.nrInodes = *n;
    } else {
      return bad();
    }
  }
  return o;
}

Result<std::string> parseContainerPath(std::string_view s) {
  if (s.empty() || s.front() != '/') {
    return Unexpected(invalidArgument("path " + quoted(s) + " must be absolute"));
  }
  std::vector<std::string> parts;
  for (const auto& part : split(s, '/')) {
    if (part.empty() || part == ".") {
      continue;
    }
    if (part == "..") {
      if (!parts.empty()) {
        parts.pop_back();
      }
      continue;
    }
    parts.push_back(part);
  }
  return "/" + join(parts, "/");
}

}  // namespace berth
