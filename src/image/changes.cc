#include "image/changes.h"

#include <cctype>
#include <charconv>
#include <map>

#include "common/strings.h"

namespace berth::image {

namespace {

using json = nlohmann::json;
using Env = std::map<std::string, std::string>;

Env envOf(const json& config) {
  Env env;
  if (config.contains("Env") && config["Env"].is_array()) {
    for (const auto& kv : config["Env"]) {
      if (kv.is_string()) {
        std::string s = kv.get<std::string>();
        auto eq = s.find('=');
        env[s.substr(0, eq)] = eq == std::string::npos ? "" : s.substr(eq + 1);
      }
    }
  }
  return env;
}

bool isNameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }

// $VAR, ${VAR}, ${VAR:-default}, ${VAR:+alternative} at s[i] == '$'.
std::string expandVar(std::string_view s, size_t& i, const Env& env) {
  ++i;  // '$'
  auto lookup = [&](const std::string& name) -> std::string {
    auto it = env.find(name);
    return it == env.end() ? std::string() : it->second;
  };
  if (i < s.size() && s[i] == '{') {
    size_t close = s.find('}', i);
    if (close == std::string_view::npos) {
      std::string rest(s.substr(i - 1));
      i = s.size();
      return rest;
    }
    std::string body(s.substr(i + 1, close - i - 1));
    i = close + 1;
    auto op = body.find(':');
    if (op != std::string::npos && op + 1 < body.size() &&
        (body[op + 1] == '-' || body[op + 1] == '+')) {
      std::string name = body.substr(0, op);
      std::string word = body.substr(op + 2);
      bool set = env.count(name) != 0 && !lookup(name).empty();
      if (body[op + 1] == '-') {
        return set ? lookup(name) : word;
      }
      return set ? word : std::string();
    }
    return lookup(body);
  }
  size_t start = i;
  while (i < s.size() && isNameChar(s[i])) {
    ++i;
  }
  if (i == start) {
    return "$";
  }
  return lookup(std::string(s.substr(start, i - start)));
}

// Splits like the builder's shell lexer: whitespace separates words, quotes
// group, a backslash escapes, $VARs expand (not inside single quotes).
std::vector<std::string> shellWords(std::string_view s, const Env& env) {
  std::vector<std::string> out;
  std::string cur;
  bool inWord = false;
  for (size_t i = 0; i < s.size();) {
    char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c)) != 0) {
      if (inWord) {
        out.push_back(cur);
        cur.clear();
        inWord = false;
      }
      ++i;
      continue;
    }
    inWord = true;
    if (c == '\\' && i + 1 < s.size()) {
      cur += s[i + 1];
      i += 2;
    } else if (c == '\'') {
      size_t close = s.find('\'', i + 1);
      size_t end = close == std::string_view::npos ? s.size() : close;
      cur += s.substr(i + 1, end - i - 1);
      i = end + 1;
    } else if (c == '"') {
      ++i;
      while (i < s.size() && s[i] != '"') {
        if (s[i] == '\\' && i + 1 < s.size() &&
            (s[i + 1] == '"' || s[i + 1] == '\\' || s[i + 1] == '$')) {
          cur += s[i + 1];
          i += 2;
        } else if (s[i] == '$') {
          cur += expandVar(s, i, env);
        } else {
          cur += s[i++];
        }
      }
      ++i;
    } else if (c == '$') {
      cur += expandVar(s, i, env);
    } else {
      cur += c;
      ++i;
    }
  }
  if (inWord) {
    out.push_back(cur);
  }
  return out;
}

// The whole rest of a line as one word (quotes removed, variables expanded).
std::string shellString(std::string_view s, const Env& env) {
  std::string out;
  for (const auto& w : shellWords(s, env)) {
    out += out.empty() ? w : " " + w;
  }
  return out;
}

// "[\"a\", \"b\"]" → {a, b}; nullopt when it is not a JSON array of strings.
std::optional<std::vector<std::string>> jsonArgs(std::string_view rest) {
  if (rest.empty() || rest.front() != '[') {
    return std::nullopt;
  }
  json j = json::parse(rest, nullptr, false);
  if (j.is_discarded() || !j.is_array()) {
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (const auto& v : j) {
    if (!v.is_string()) {
      return std::nullopt;
    }
    out.push_back(v.get<std::string>());
  }
  return out;
}

// CMD/ENTRYPOINT: the exec form as given, the shell form run by /bin/sh -c.
json commandLine(std::string_view rest) {
  if (auto args = jsonArgs(rest)) {
    return *args;
  }
  if (rest.empty()) {
    return nullptr;
  }
  return json::array({"/bin/sh", "-c", std::string(rest)});
}

// ENV and LABEL: "k=v k2=v2" pairs, or the legacy "k value with spaces".
Result<std::vector<std::pair<std::string, std::string>>> nameValues(std::string_view instr,
                                                                    std::string_view rest,
                                                                    const Env& env) {
  std::vector<std::pair<std::string, std::string>> out;
  auto firstSpace = rest.find_first_of(" \t");
  std::string_view firstWord = rest.substr(0, firstSpace);
  if (firstWord.find('=') == std::string_view::npos) {
    if (firstSpace == std::string_view::npos) {
      return invalidArgument(std::string(instr) + " must have two arguments");
    }
    out.emplace_back(std::string(firstWord), shellString(trim(rest.substr(firstSpace)), env));
    return out;
  }
  for (const auto& word : shellWords(rest, env)) {
    auto eq = word.find('=');
    if (eq == std::string::npos) {
      return invalidArgument("Syntax error - can't find = in \"" + word +
                             "\". Must be of the form: name=value");
    }
    out.emplace_back(word.substr(0, eq), word.substr(eq + 1));
  }
  return out;
}

void setEnv(json& config, const std::string& key, const std::string& value) {
  if (!config["Env"].is_array()) {
    config["Env"] = json::array();
  }
  std::string entry = key + "=" + value;
  for (auto& kv : config["Env"]) {
    std::string s = kv.get<std::string>();
    if (s.substr(0, s.find('=')) == key) {
      kv = entry;
      return;
    }
  }
  config["Env"].push_back(entry);
}

Result<int> parsePortNumber(std::string_view s) {
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size() || v < 0 || v > 65535) {
    return invalidArgument("invalid containerPort: " + std::string(s));
  }
  return v;
}

Status exposePorts(json& config, const std::vector<std::string>& words) {
  json& ports = config["ExposedPorts"];
  if (!ports.is_object()) {
    ports = json::object();
  }
  for (const auto& w : words) {
    auto slash = w.find('/');
    std::string proto = slash == std::string::npos ? "tcp" : toLower(w.substr(slash + 1));
    if (proto != "tcp" && proto != "udp" && proto != "sctp") {
      return invalidArgument("invalid proto: " + proto);
    }
    std::string range = w.substr(0, slash);
    auto dash = range.find('-');
    BERTH_ASSIGN_OR_RETURN(int lo, parsePortNumber(range.substr(0, dash)));
    int hi = lo;
    if (dash != std::string::npos) {
      BERTH_ASSIGN_OR_RETURN(hi, parsePortNumber(range.substr(dash + 1)));
      if (hi < lo) {
        return invalidArgument("invalid range specified for container port: " + range);
      }
    }
    for (int p = lo; p <= hi; ++p) {
      ports[std::to_string(p) + "/" + proto] = json::object();
    }
  }
  return okStatus();
}

// A lexical path.Clean of an absolute path.
std::string cleanAbs(const std::string& p) {
  std::vector<std::string> parts;
  for (const auto& s : split(p, '/')) {
    if (s.empty() || s == ".") {
      continue;
    }
    if (s == "..") {
      if (!parts.empty()) {
        parts.pop_back();
      }
      continue;
    }
    parts.push_back(s);
  }
  return "/" + join(parts, "/");
}

Status validateSignal(const std::string& sig) {
  static const char* const kNames[] = {
      "ABRT",   "ALRM",   "BUS",  "CHLD", "CLD",    "CONT",  "FPE",  "HUP",  "ILL",
      "INT",    "IO",     "IOT",  "KILL", "PIPE",   "POLL",  "PROF", "PWR",  "QUIT",
      "SEGV",   "STKFLT", "STOP", "SYS",  "TERM",   "TRAP",  "TSTP", "TTIN", "TTOU",
      "UNUSED", "URG",    "USR1", "USR2", "VTALRM", "WINCH", "XCPU", "XFSZ"};
  int n = 0;
  auto [p, ec] = std::from_chars(sig.data(), sig.data() + sig.size(), n);
  if (!sig.empty() && ec == std::errc() && p == sig.data() + sig.size()) {
    if (n > 0 && n <= 64) {
      return okStatus();
    }
    return invalidArgument("Invalid signal: " + sig);
  }
  std::string name = sig;
  for (char& c : name) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  if (startsWith(name, "SIG")) {
    name = name.substr(3);
  }
  if (startsWith(name, "RTMIN") || startsWith(name, "RTMAX")) {
    return okStatus();
  }
  for (const char* k : kNames) {
    if (name == k) {
      return okStatus();
    }
  }
  return invalidArgument("Invalid signal: " + sig);
}

// A Go duration for HEALTHCHECK flags: "30s", "1m30s", "500ms".
Result<int64_t> parseDuration(std::string_view flag, std::string_view s) {
  int64_t total = 0;
  std::string_view rest = s;
  if (rest.empty()) {
    return invalidArgument("time: invalid duration \"" + std::string(s) + "\"");
  }
  while (!rest.empty()) {
    size_t i = 0;
    while (i < rest.size() &&
           (std::isdigit(static_cast<unsigned char>(rest[i])) != 0 || rest[i] == '.')) {
      ++i;
    }
    size_t u = i;
    while (u < rest.size() && std::isalpha(static_cast<unsigned char>(rest[u])) != 0) {
      ++u;
    }
    if (i == 0 || u == i) {
      return invalidArgument("time: invalid duration \"" + std::string(s) + "\"");
    }
    double v = std::strtod(std::string(rest.substr(0, i)).c_str(), nullptr);
    std::string_view unit = rest.substr(i, u - i);
    double scale = unit == "ns"   ? 1
                   : unit == "us" ? 1e3
                   : unit == "ms" ? 1e6
                   : unit == "s"  ? 1e9
                   : unit == "m"  ? 60e9
                   : unit == "h"  ? 3600e9
                                  : 0;
    if (scale == 0) {
      return invalidArgument("time: unknown unit \"" + std::string(unit) + "\" in duration \"" +
                             std::string(s) + "\"");
    }
    total += static_cast<int64_t>(v * scale);
    rest.remove_prefix(u);
  }
  if (total < 1000000 && total != 0) {
    return invalidArgument("Interval \"" + std::string(flag) + "\" cannot be less than 1ms");
  }
  return total;
}

Status healthcheck(json& config, std::string_view rest) {
  std::string_view r = trim(rest);
  std::string upper = toLower(r.substr(0, 4));
  if (upper == "none" && trim(r.substr(4)).empty()) {
    config["Healthcheck"] = {{"Test", json::array({"NONE"})}};
    return okStatus();
  }
  json hc = json::object();
  while (startsWith(r, "--")) {
    auto end = r.find_first_of(" \t");
    std::string flag(r.substr(2, end == std::string_view::npos ? r.size() - 2 : end - 2));
    r = end == std::string_view::npos ? std::string_view() : trim(r.substr(end));
    auto eq = flag.find('=');
    if (eq == std::string::npos) {
      return invalidArgument("missing a value on flag: " + flag);
    }
    std::string name = flag.substr(0, eq);
    std::string value = flag.substr(eq + 1);
    if (name == "retries") {
      int n = 0;
      auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec != std::errc() || p != value.data() + value.size() || n < 0) {
        return invalidArgument("--retries cannot be negative (" + value + ")");
      }
      hc["Retries"] = n;
      continue;
    }
    static const std::map<std::string, std::string> kDurations = {
        {"interval", "Interval"},
        {"timeout", "Timeout"},
        {"start-period", "StartPeriod"},
        {"start-interval", "StartInterval"}};
    auto it = kDurations.find(name);
    if (it == kDurations.end()) {
      return invalidArgument("Unknown flag: " + name);
    }
    BERTH_ASSIGN_OR_RETURN(int64_t ns, parseDuration(name, value));
    hc[it->second] = ns;
  }
  if (toLower(r.substr(0, 3)) != "cmd" ||
      (r.size() > 3 && std::isspace(static_cast<unsigned char>(r[3])) == 0)) {
    return invalidArgument("Unknown type \"" + std::string(r.substr(0, r.find(' '))) +
                           "\" in HEALTHCHECK (try CMD)");
  }
  std::string_view cmd = trim(r.substr(3));
  if (auto args = jsonArgs(cmd)) {
    json test = json::array({"CMD"});
    for (const auto& a : *args) {
      test.push_back(a);
    }
    hc["Test"] = test;
  } else {
    if (cmd.empty()) {
      return invalidArgument("Missing command after HEALTHCHECK CMD");
    }
    hc["Test"] = json::array({"CMD-SHELL", std::string(cmd)});
  }
  config["Healthcheck"] = hc;
  return okStatus();
}

Status applyOne(json& config, const std::string& instr, std::string_view rest, bool& cmdSet) {
  Env env = envOf(config);
  if (instr == "env" || instr == "label") {
    if (rest.empty()) {
      return invalidArgument(std::string(instr == "env" ? "ENV" : "LABEL") +
                             " requires at least one argument");
    }
    BERTH_ASSIGN_OR_RETURN(auto pairs, nameValues(instr == "env" ? "ENV" : "LABEL", rest, env));
    for (const auto& [k, v] : pairs) {
      if (k.empty()) {
        return invalidArgument(std::string(instr == "env" ? "ENV" : "LABEL") +
                               " names can not be blank");
      }
      if (instr == "env") {
        setEnv(config, k, v);
      } else {
        if (!config["Labels"].is_object()) {
          config["Labels"] = json::object();
        }
        config["Labels"][k] = v;
      }
    }
  } else if (instr == "cmd") {
    config["Cmd"] = commandLine(rest);
    cmdSet = true;
  } else if (instr == "entrypoint") {
    config["Entrypoint"] = commandLine(rest);
    if (!cmdSet) {
      config["Cmd"] = nullptr;
    }
  } else if (instr == "expose") {
    auto words = shellWords(rest, env);
    if (words.empty()) {
      return invalidArgument("EXPOSE requires at least one argument");
    }
    BERTH_TRY(exposePorts(config, words));
  } else if (instr == "volume") {
    std::vector<std::string> vols;
    if (auto args = jsonArgs(rest)) {
      vols = *args;
    } else {
      vols = shellWords(rest, env);
    }
    if (vols.empty()) {
      return invalidArgument("VOLUME requires at least one argument");
    }
    if (!config["Volumes"].is_object()) {
      config["Volumes"] = json::object();
    }
    for (const auto& v : vols) {
      if (trim(v).empty()) {
        return invalidArgument("VOLUME specified can not be an empty string");
      }
      config["Volumes"][std::string(trim(v))] = json::object();
    }
  } else if (instr == "workdir") {
    std::string dir = shellString(rest, env);
    if (dir.empty()) {
      return invalidArgument("WORKDIR requires exactly one argument");
    }
    std::string cur = config.value("WorkingDir", "");
    config["WorkingDir"] = cleanAbs(dir.front() == '/' ? dir : cur + "/" + dir);
  } else if (instr == "user") {
    std::string user = shellString(rest, env);
    if (user.empty()) {
      return invalidArgument("USER requires exactly one argument");
    }
    config["User"] = user;
  } else if (instr == "stopsignal") {
    std::string sig = shellString(rest, env);
    if (sig.empty()) {
      return invalidArgument("STOPSIGNAL requires exactly one argument");
    }
    BERTH_TRY(validateSignal(sig));
    config["StopSignal"] = sig;
  } else if (instr == "onbuild") {
    std::string trigger = toLower(rest.substr(0, rest.find_first_of(" \t")));
    if (trigger.empty()) {
      return invalidArgument("ONBUILD requires at least one argument");
    }
    if (trigger == "onbuild") {
      return invalidArgument("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
    }
    if (trigger == "from" || trigger == "maintainer") {
      return invalidArgument(toLower(trigger) == "from"
                                 ? "FROM isn't allowed as an ONBUILD trigger"
                                 : "MAINTAINER isn't allowed as an ONBUILD trigger");
    }
    if (!config["OnBuild"].is_array()) {
      config["OnBuild"] = json::array();
    }
    config["OnBuild"].push_back(std::string(rest));
  } else if (instr == "healthcheck") {
    BERTH_TRY(healthcheck(config, rest));
  } else {
    return invalidArgument(instr + " is not a valid change command");
  }
  return okStatus();
}

}  // namespace

nlohmann::json emptyContainerConfig() {
  return {{"Hostname", ""},       {"Domainname", ""},      {"User", ""},
          {"AttachStdin", false}, {"AttachStdout", false}, {"AttachStderr", false},
          {"Tty", false},         {"OpenStdin", false},    {"StdinOnce", false},
          {"Env", nullptr},       {"Cmd", nullptr},        {"Image", ""},
          {"Volumes", nullptr},   {"WorkingDir", ""},      {"Entrypoint", nullptr},
          {"OnBuild", nullptr},   {"Labels", nullptr}};
}

Status applyChanges(nlohmann::json& config, const std::vector<std::string>& changes) {
  json work = config.is_object() ? config : emptyContainerConfig();
  bool cmdSet = false;
  for (const auto& change : changes) {
    for (const auto& rawLine : split(change, '\n')) {
      std::string_view line = trim(rawLine);
      if (line.empty() || line.front() == '#') {
        continue;
      }
      auto sp = line.find_first_of(" \t");
      std::string instr = toLower(line.substr(0, sp));
      std::string_view rest =
          sp == std::string_view::npos ? std::string_view() : trim(line.substr(sp));
      BERTH_TRY(applyOne(work, instr, rest, cmdSet));
    }
  }
  config = std::move(work);
  return okStatus();
}

}  // namespace berth::image
