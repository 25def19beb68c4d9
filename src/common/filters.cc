#include "common/filters.h"

#include <nlohmann/json.hpp>

namespace berth {

Result<Filters> Filters::parse(std::string_view json) {
  Filters f;
  if (json.empty()) {
    return f;
  }
  nlohmann::json doc = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return invalidArgument("invalid filter: filters must be a JSON object");
  }
  for (const auto& [key, val] : doc.items()) {
    if (val.is_object()) {
      for (const auto& [v, enabled] : val.items()) {
        if (!enabled.is_boolean()) {
          return invalidArgument("invalid filter: values of '" + key + "' must be booleans");
        }
        if (enabled.get<bool>()) {
          f.values_[key].insert(v);
        }
      }
    } else if (val.is_array()) {
      for (const auto& v : val) {
        if (!v.is_string()) {
          return invalidArgument("invalid filter: values of '" + key + "' must be strings");
        }
        f.values_[key].insert(v.get<std::string>());
      }
    } else {
      return invalidArgument("invalid filter: bad value for '" + key + "'");
    }
  }
  return f;
}

Status Filters::validateKeys(const std::set<std::string, std::less<>>& accepted) const {
  for (const auto& [key, vals] : values_) {
    if (accepted.find(key) == accepted.end()) {
      return invalidArgument("invalid filter '" + key + "'");
    }
  }
  return okStatus();
}

const std::set<std::string>& Filters::get(std::string_view key) const {
  static const std::set<std::string> kEmpty;
  auto it = values_.find(key);
  return it == values_.end() ? kEmpty : it->second;
}

bool Filters::exactMatch(std::string_view key, std::string_view value) const {
  auto it = values_.find(key);
  if (it == values_.end()) {
    return true;
  }
  return it->second.count(std::string(value)) > 0;
}

bool Filters::fuzzyMatch(std::string_view key, std::string_view value) const {
  auto it = values_.find(key);
  if (it == values_.end()) {
    return true;
  }
  for (const auto& v : it->second) {
    if (value.substr(0, v.size()) == v) {
      return true;
    }
  }
  return false;
}

bool Filters::matchKVList(std::string_view key,
                          const std::map<std::string, std::string>& labels) const {
  auto it = values_.find(key);
  if (it == values_.end()) {
    return true;
  }
  for (const auto& want : it->second) {
    auto eq = want.find('=');
    auto found = labels.find(want.substr(0, eq));
    if (found == labels.end()) {
      return false;
    }
    if (eq != std::string::npos && found->second != want.substr(eq + 1)) {
      return false;
    }
  }
  return true;
}

std::string Filters::toJson() const {
  nlohmann::json doc = nlohmann::json::object();
  for (const auto& [key, vals] : values_) {
    for (const auto& v : vals) {
      doc[key][v] = true;
    }
  }
  return doc.dump();
}

}  // namespace berth
