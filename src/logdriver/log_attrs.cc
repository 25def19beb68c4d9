// The `tag` template and the labels/env attributes of dockerd's logger.Info.
#include <regex>

#include "common/strings.h"
#include "logdriver/log_options.h"

namespace berth {
namespace {

std::string shortOf(std::string_view id) {
  if (startsWith(id, "sha256:")) {
    id.remove_prefix(7);
  }
  return std::string(id.substr(0, 12));
}

Result<std::regex> compileRegex(std::string_view key, const std::string& pattern) {
  try {
    return std::regex(pattern, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    return invalidArgument("invalid " + std::string(key) + " \"" + pattern + "\": " + e.what());
  }
}

}  // namespace

Result<std::string> renderLogTag(std::string_view tmpl, const LogContext& ctx) {
  std::string out;
  size_t pos = 0;
  while (pos < tmpl.size()) {
    size_t open = tmpl.find("{{", pos);
    if (open == std::string_view::npos) {
      out += tmpl.substr(pos);
      break;
    }
    out += tmpl.substr(pos, open - pos);
    size_t close = tmpl.find("}}", open + 2);
    if (close == std::string_view::npos) {
      return invalidArgument("template: log-tag: unclosed action in tag \"" + std::string(tmpl) +
                             "\"");
    }
    std::string_view field = trim(tmpl.substr(open + 2, close - open - 2));
    if (field == ".ID") {
      out += shortOf(ctx.containerId);
    } else if (field == ".FullID") {
      out += ctx.containerId;
    } else if (field == ".Name") {
      std::string_view name = ctx.containerName;
      out += name.substr(startsWith(name, "/") ? 1 : 0);
    } else if (field == ".ImageID") {
      out += shortOf(ctx.imageId);
    } else if (field == ".ImageFullID") {
      out += ctx.imageId;
    } else if (field == ".ImageName") {
      out += ctx.imageName;
    } else if (field == ".DaemonName") {
      out += ctx.daemonName;
    } else {
      return invalidArgument("template: log-tag: berth does not support \"{{" + std::string(field) +
                             "}}\" in a log tag (use .ID, .FullID, .Name, .ImageID, .ImageFullID, "
                             ".ImageName or .DaemonName)");
    }
    pos = close + 2;
  }
  return out;
}

Result<std::map<std::string, std::string>> logAttributes(
    const LogOptions& opts, const std::map<std::string, std::string>& labels,
    const std::vector<std::string>& env) {
  std::map<std::string, std::string> extra;
  auto option = [&opts](const char* key) -> std::string {
    auto it = opts.find(key);
    return it == opts.end() ? std::string() : it->second;
  };
  if (std::string names = option("labels"); !names.empty()) {
    for (const std::string& name : split(names, ',')) {
      if (auto it = labels.find(name); it != labels.end()) {
        extra[name] = it->second;
      }
    }
  }
  if (std::string pattern = option("labels-regex"); !pattern.empty()) {
    BERTH_ASSIGN_OR_RETURN(std::regex re, compileRegex("labels-regex", pattern));
    for (const auto& [k, v] : labels) {
      if (std::regex_search(k, re)) {
        extra[k] = v;
      }
    }
  }
  std::map<std::string, std::string> envMap;
  for (const std::string& e : env) {
    size_t eq = e.find('=');
    if (eq != std::string::npos) {
      envMap[e.substr(0, eq)] = e.substr(eq + 1);
    }
  }
  if (std::string names = option("env"); !names.empty()) {
    for (const std::string& name : split(names, ',')) {
      if (auto it = envMap.find(name); it != envMap.end()) {
        extra[name] = it->second;
      }
    }
  }
  if (std::string pattern = option("env-regex"); !pattern.empty()) {
    BERTH_ASSIGN_OR_RETURN(std::regex re, compileRegex("env-regex", pattern));
    for (const auto& [k, v] : envMap) {
      if (std::regex_search(k, re)) {
        extra[k] = v;
      }
    }
  }
  return extra;
}

}  // namespace berth
