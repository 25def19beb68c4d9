// Parsers for the values of run/create flags, with docker's (go-connections,
// opts, compose loader) semantics and error wording.
#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <system_error>

#include "cli/commands/container_opts.h"
#include "cli/units.h"
#include "common/strings.h"

namespace berth::cli {

namespace {

using nlohmann::json;

constexpr std::string_view kWhitespace = " \t\n\v\f\r";

// strconv.ParseUint(s, 10, 16).
std::optional<uint64_t> parsePort(std::string_view s) {
  if (s.empty() || s.size() > 5) {
    return std::nullopt;
  }
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v > 65535) {
    return std::nullopt;
  }
  return v;
}

// nat.ParsePortRange: "80" or "8000-8001".
std::optional<std::pair<uint64_t, uint64_t>> parsePortRange(std::string_view s) {
  size_t dash = s.find('-');
  if (dash == std::string_view::npos) {
    auto p = parsePort(s);
    if (!p) {
      return std::nullopt;
    }
    return std::make_pair(*p, *p);
  }
  auto start = parsePort(s.substr(0, dash));
  auto end = parsePort(s.substr(dash + 1));
  if (!start || !end || *end < *start) {
    return std::nullopt;
  }
  return std::make_pair(*start, *end);
}

// nat.SplitProtoPort: "80/udp" -> {"udp", "80"}; "80" -> {"tcp", "80"}.
std::pair<std::string, std::string> splitProtoPort(const std::string& raw) {
  std::vector<std::string> parts = split(raw, '/');
  if (raw.empty() || parts.empty() || parts[0].empty()) {
    return {"", ""};
  }
  if (parts.size() == 1) {
    return {"tcp", raw};
  }
  if (parts[1].empty()) {
    return {"tcp", parts[0]};
  }
  return {parts[1], parts[0]};
}

bool isIpAddress(const std::string& s) {
  in6_addr a6{};
  in_addr a4{};
  return ::inet_pton(AF_INET, s.c_str(), &a4) == 1 || ::inet_pton(AF_INET6, s.c_str(), &a6) == 1;
}

// docker's convertToStandardNotation for "target=80,published=8080,protocol=udp".
Result<std::string> standardPublishNotation(const std::string& spec) {
  if (spec.find('=') == std::string::npos) {
    return spec;
  }
  std::map<std::string, std::string> params{{"protocol", "tcp"}};
  for (const std::string& param : split(spec, ',')) {
    size_t eq = param.find('=');
    if (eq == std::string::npos || eq == 0) {
      return invalidArgument(fmt::format(
          "invalid publish opts format (should be name=value but got '{}')", param));
    }
    params[param.substr(0, eq)] = param.substr(eq + 1);
  }
  if (params.count("target") == 0) {
    return invalidArgument(
        fmt::format("invalid publish opts format (should be name=value but got '{}')", spec));
  }
  std::string published = params["published"];
  if (!params["host_ip"].empty()) {
    published = params["host_ip"] + ":" + published;
  }
  return fmt::format("{}:{}/{}", published, params["target"], params["protocol"]);
}

bool readFileLines(const std::string& path, std::vector<std::string>& lines, Error& error) {
  std::ifstream in(path);
  if (!in) {
    // Go's syscall errors are strerror's text with a lower-case first letter.
    std::string why = std::error_code(errno, std::generic_category()).message();
    if (!why.empty()) {
      why[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(why[0])));
    }
    error = invalidArgument(fmt::format("open {}: {}", path, why));
    return false;
  }
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    lines.push_back(line);
  }
  return true;
}

// parseKeyValueFile: "NAME=value" lines pass through; a bare "NAME" takes its
// value from `lookup` (or is dropped without one).
Result<std::vector<std::string>> parseKeyValueFile(const std::string& path,
                                                   const EnvLookup* lookup) {
  std::vector<std::string> raw;
  Error error = internal("");
  if (!readFileLines(path, raw, error)) {
    return error;
  }
  std::vector<std::string> out;
  for (size_t n = 0; n < raw.size(); ++n) {
    std::string_view line = raw[n];
    if (n == 0 && startsWith(line, "\xEF\xBB\xBF")) {
      line.remove_prefix(3);
    }
    size_t start = line.find_first_not_of(kWhitespace);
    line = start == std::string_view::npos ? std::string_view() : line.substr(start);
    if (line.empty() || line[0] == '#') {
      continue;
    }
    size_t eq = line.find('=');
    std::string variable(line.substr(0, eq));
    if (variable.find_first_of(kWhitespace) != std::string::npos) {
      return invalidArgument(fmt::format(
          "poorly formatted environment: variable '{}' contains whitespaces", variable));
    }
    if (variable.empty()) {
      return invalidArgument(
          fmt::format("poorly formatted environment: no variable name on line '{}'", line));
    }
    if (eq != std::string_view::npos) {
      out.push_back(std::string(line));
    } else if (lookup != nullptr) {
      if (auto v = (*lookup)(variable)) {
        out.push_back(variable + "=" + *v);
      }
    }
  }
  return out;
}

std::map<std::string, std::string> kvMap(const std::vector<std::string>& values) {
  std::map<std::string, std::string> out;
  for (const std::string& v : values) {
    size_t eq = v.find('=');
    out[v.substr(0, eq)] = eq == std::string::npos ? "" : v.substr(eq + 1);
  }
  return out;
}

// Go's strconv.ParseBool.
std::optional<bool> parseGoBool(const std::string& s) {
  static const std::set<std::string> kTrue = {"1", "t", "T", "TRUE", "true", "True"};
  static const std::set<std::string> kFalse = {"0", "f", "F", "FALSE", "false", "False"};
  if (kTrue.count(s) != 0) {
    return true;
  }
  if (kFalse.count(s) != 0) {
    return false;
  }
  return std::nullopt;
}

std::string absoluteIfRelative(const std::string& path) {
  if (!path.empty() && path[0] == '.') {
    std::error_code ec;
    auto abs = std::filesystem::absolute(path, ec).lexically_normal().string();
    if (!ec) {
      while (abs.size() > 1 && abs.back() == '/') {
        abs.pop_back();
      }
      return abs;
    }
  }
  return path;
}

// encoding/csv for one record: commas split, double quotes group.
std::vector<std::string> csvFields(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (quoted) {
      if (c == '"' && i + 1 < s.size() && s[i + 1] == '"') {
        cur += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cur += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

}  // namespace

std::optional<std::string> processEnv(const std::string& name) {
  // NOLINTNEXTLINE(concurrency-mt-unsafe): read before the command starts threads
  const char* v = std::getenv(name.c_str());
  if (v == nullptr) {
    return std::nullopt;
  }
  return std::string(v);
}

Result<std::vector<std::string>> readEnvStrings(const std::vector<std::string>& files,
                                                const std::vector<std::string>& values,
                                                const EnvLookup& env) {
  std::vector<std::string> out;
  for (const std::string& f : files) {
    BERTH_ASSIGN_OR_RETURN(std::vector<std::string> vars, parseKeyValueFile(f, &env));
    out.insert(out.end(), vars.begin(), vars.end());
  }
  for (const std::string& v : values) {
    // opts.ValidateEnv: "NAME" alone takes the value it has here, if any.
    size_t eq = v.find('=');
    if (eq == 0) {
      return invalidArgument("invalid environment variable: " + v);
    }
    if (eq == std::string::npos) {
      if (auto value = env(v)) {
        out.push_back(v + "=" + *value);
        continue;
      }
    }
    out.push_back(v);
  }
  return out;
}

Result<std::map<std::string, std::string>> readLabels(const std::vector<std::string>& files,
                                                      const std::vector<std::string>& values) {
  std::vector<std::string> all;
  for (const std::string& f : files) {
    BERTH_ASSIGN_OR_RETURN(std::vector<std::string> vars, parseKeyValueFile(f, nullptr));
    all.insert(all.end(), vars.begin(), vars.end());
  }
  all.insert(all.end(), values.begin(), values.end());
  return kvMap(all);
}

Status parsePublish(const std::string& rawSpec, json& exposed, json& bindings) {
  BERTH_ASSIGN_OR_RETURN(std::string spec, standardPublishNotation(rawSpec));
  // splitParts: the last two colon-separated fields are the ports, the rest the IP.
  std::vector<std::string> parts = split(spec, ':');
  std::string ip;
  std::string hostPort;
  std::string containerPort = parts.back();
  if (parts.size() == 2) {
    hostPort = parts[0];
  } else if (parts.size() >= 3) {
    hostPort = parts[parts.size() - 2];
    ip = join(std::vector<std::string>(parts.begin(), parts.end() - 2), ":");
  }
  auto [proto, port] = splitProtoPort(containerPort);
  if (!ip.empty() && ip[0] == '[') {
    if (ip.back() != ']') {
      return invalidArgument(fmt::format("invalid IP address {}: missing ']' in address", ip));
    }
    ip = ip.substr(1, ip.size() - 2);
  }
  if (!ip.empty() && !isIpAddress(ip)) {
    return invalidArgument("invalid IP address: " + ip);
  }
  if (port.empty()) {
    return invalidArgument(fmt::format("no port specified: {}<empty>", rawSpec));
  }
  auto range = parsePortRange(port);
  if (!range) {
    return invalidArgument("invalid containerPort: " + port);
  }
  std::pair<uint64_t, uint64_t> hostRange{0, 0};
  if (!hostPort.empty()) {
    auto h = parsePortRange(hostPort);
    if (!h) {
      return invalidArgument("invalid hostPort: " + hostPort);
    }
    hostRange = *h;
  }
  const auto [start, end] = *range;
  if (!hostPort.empty() && end - start != hostRange.second - hostRange.first && end != start) {
    return invalidArgument(fmt::format(
        "invalid ranges specified for container and host Ports: {} and {}", port, hostPort));
  }
  proto = toLower(proto);
  if (proto != "tcp" && proto != "udp" && proto != "sctp") {
    return invalidArgument("invalid proto: " + proto);
  }
  const uint64_t count = end - start + 1;
  for (uint64_t i = 0; i < count; ++i) {
    std::string key = fmt::format("{}/{}", start + i, proto);
    std::string host;
    if (!hostPort.empty()) {
      host = std::to_string(hostRange.first + i);
      // A single container port may take any free port of a host range.
      if (count == 1 && hostRange.first != hostRange.second) {
        host += "-" + std::to_string(hostRange.second);
      }
    }
    exposed[key] = json::object();
    if (!bindings.contains(key)) {
      bindings[key] = json::array();
    }
    bindings[key].push_back({{"HostIp", ip}, {"HostPort", host}});
  }
  return okStatus();
}

Status parseExpose(const std::string& spec, json& exposed) {
  if (spec.find(':') != std::string::npos) {
    return invalidArgument("invalid port format for --expose: " + spec);
  }
  auto [proto, port] = splitProtoPort(spec);
  auto range = parsePortRange(port);
  if (!range) {
    return invalidArgument(fmt::format(
        "invalid range format for --expose: {}, error: invalid port range: {}", spec, port));
  }
  for (uint64_t p = range->first; p <= range->second; ++p) {
    exposed[fmt::format("{}/{}", p, toLower(proto))] = json::object();
  }
  return okStatus();
}

Result<json> parseRestartPolicy(const std::string& policy) {
  json out = {{"Name", ""}, {"MaximumRetryCount", 0}};
  if (policy.empty()) {
    return out;
  }
  size_t colon = policy.find(':');
  if (colon == 0) {
    return invalidArgument("invalid restart policy format: no policy provided before colon");
  }
  std::string name = policy.substr(0, colon);
  if (colon != std::string::npos && colon + 1 < policy.size()) {
    std::string count = policy.substr(colon + 1);
    char* end = nullptr;
    long v = std::strtol(count.c_str(), &end, 10);
    if (*end != '\0' || count.empty() || v > INT32_MAX || v < INT32_MIN) {
      return invalidArgument(
          "invalid restart policy format: maximum retry count must be an integer");
    }
    out["MaximumRetryCount"] = v;
  }
  out["Name"] = name;
  return out;
}

std::pair<std::vector<std::string>, std::vector<std::string>> effectiveCaps(
    const std::vector<std::string>& add, const std::vector<std::string>& drop) {
  auto normalize = [](const std::vector<std::string>& caps) {
    std::set<std::string> out;
    for (const std::string& c : caps) {
      std::string u(trim(c));
      std::transform(u.begin(), u.end(), u.begin(),
                     [](unsigned char ch) { return static_cast<char>(std::toupper(ch)); });
      if (u != "ALL" && !startsWith(u, "CAP_")) {
        u = "CAP_" + u;
      }
      out.insert(u);
    }
    if (out.count("ALL") != 0) {
      return std::vector<std::string>{"ALL"};
    }
    return std::vector<std::string>(out.begin(), out.end());
  };
  std::vector<std::string> addCaps = normalize(add);
  std::vector<std::string> dropCaps = normalize(drop);
  // Adding a capability wins over dropping it.
  std::vector<std::string> keptDrops;
  for (const std::string& c : dropCaps) {
    if (std::find(addCaps.begin(), addCaps.end(), c) == addCaps.end()) {
      keptDrops.push_back(c);
    }
  }
  return {addCaps, keptDrops};
}

Result<VolumeSpecs> parseVolumes(const std::vector<std::string>& specs) {
  VolumeSpecs out;
  for (const std::string& spec : specs) {
    if (spec.empty()) {
      return invalidArgument("invalid empty volume spec");
    }
    std::vector<std::string> parts = split(spec, ':');
    if (parts.size() == 1 || spec.size() <= 2) {
      out.anonymous.push_back(spec);
      continue;
    }
    for (size_t i = 0; i < parts.size(); ++i) {
      if (parts[i].empty()) {
        return invalidArgument(
            fmt::format("invalid spec: {}: empty section between colons", spec));
      }
    }
    if (parts.size() > 3) {
      return invalidArgument(fmt::format("invalid spec: {}: too many colons", spec));
    }
    const std::string& source = parts[0];
    bool isPath = source == "." || source == ".." || source[0] == '.' || source[0] == '/' ||
                  source[0] == '~';
    if (isPath) {
      // Relative host paths are resolved here, as the daemon cannot know our cwd.
      std::string rest = spec.substr(source.size());
      out.binds.push_back(absoluteIfRelative(source) + rest);
    } else {
      out.binds.push_back(spec);
    }
  }
  return out;
}

Result<json> parseMount(const std::string& spec) {
  json mount = {{"Type", "volume"}};
  json bindOptions = json::object();
  json volumeOptions = json::object();
  json tmpfsOptions = json::object();
  for (const std::string& field : csvFields(spec)) {
    size_t eq = field.find('=');
    std::string key = toLower(field.substr(0, eq));
    if (eq == std::string::npos) {
      if (key == "readonly" || key == "ro") {
        mount["ReadOnly"] = true;
      } else if (key == "volume-nocopy") {
        volumeOptions["NoCopy"] = true;
      } else if (key == "bind-nonrecursive") {
        bindOptions["NonRecursive"] = true;
      } else {
        return invalidArgument(
            fmt::format("invalid field '{}' must be a key=value pair", field));
      }
      continue;
    }
    std::string val = field.substr(eq + 1);
    auto badValue = [&] {
      return invalidArgument(fmt::format("invalid value for {}: {}", key, val));
    };
    if (key == "type") {
      mount["Type"] = toLower(val);
    } else if (key == "source" || key == "src") {
      mount["Source"] = absoluteIfRelative(val);
    } else if (key == "target" || key == "dst" || key == "destination") {
      mount["Target"] = val;
    } else if (key == "readonly" || key == "ro") {
      auto b = parseGoBool(val);
      if (!b) {
        return badValue();
      }
      mount["ReadOnly"] = *b;
    } else if (key == "consistency") {
      mount["Consistency"] = toLower(val);
    } else if (key == "bind-propagation") {
      bindOptions["Propagation"] = toLower(val);
    } else if (key == "bind-nonrecursive") {
      auto b = parseGoBool(val);
      if (!b) {
        return badValue();
      }
      bindOptions["NonRecursive"] = *b;
    } else if (key == "volume-nocopy") {
      auto b = parseGoBool(val);
      if (!b) {
        return badValue();
      }
      volumeOptions["NoCopy"] = *b;
    } else if (key == "volume-label") {
      size_t e = val.find('=');
      volumeOptions["Labels"][val.substr(0, e)] = e == std::string::npos ? "" : val.substr(e + 1);
    } else if (key == "volume-driver") {
      volumeOptions["DriverConfig"]["Name"] = val;
    } else if (key == "volume-subpath") {
      volumeOptions["Subpath"] = val;
    } else if (key == "volume-opt") {
      size_t e = val.find('=');
      volumeOptions["DriverConfig"]["Options"][val.substr(0, e)] =
          e == std::string::npos ? "" : val.substr(e + 1);
    } else if (key == "tmpfs-size") {
      auto bytes = ramInBytes(val);
      if (!bytes.ok()) {
        return badValue();
      }
      tmpfsOptions["SizeBytes"] = *bytes;
    } else if (key == "tmpfs-mode") {
      char* end = nullptr;
      unsigned long mode = std::strtoul(val.c_str(), &end, 8);
      if (val.empty() || *end != '\0' || mode > 0xFFFFFFFFUL) {
        return badValue();
      }
      tmpfsOptions["Mode"] = mode;
    } else {
      return invalidArgument(fmt::format("unexpected key '{}' in '{}'", key, field));
    }
  }
  const std::string type = mount["Type"].get<std::string>();
  if (type.empty()) {
    return invalidArgument("type is required");
  }
  if (!mount.contains("Target") || mount["Target"].get<std::string>().empty()) {
    return invalidArgument("target is required");
  }
  auto attach = [&](const char* name, json& options, const char* wantType,
                    const char* prefix) -> Status {
    if (options.empty()) {
      return okStatus();
    }
    if (type != wantType) {
      return invalidArgument(
          fmt::format("cannot mix '{}-*' options with mount type '{}'", prefix, type));
    }
    mount[name] = options;
    return okStatus();
  };
  BERTH_TRY(attach("BindOptions", bindOptions, "bind", "bind"));
  BERTH_TRY(attach("VolumeOptions", volumeOptions, "volume", "volume"));
  BERTH_TRY(attach("TmpfsOptions", tmpfsOptions, "tmpfs", "tmpfs"));
  return mount;
}

}  // namespace berth::cli
