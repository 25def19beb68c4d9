#include "container/json_fields.h"

#include <cmath>

namespace berth::container {
namespace {

Error typeError(std::string_view where, std::string_view key, std::string_view expected) {
  return invalidArgument("invalid " + std::string(where) + "." + std::string(key) + ": expected " +
                         std::string(expected));
}

const nlohmann::json* find(const nlohmann::json& obj, std::string_view key) {
  if (!obj.is_object()) {
    return nullptr;
  }
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    return nullptr;
  }
  return &*it;
}

}  // namespace

Result<std::string> stringField(const nlohmann::json& obj, std::string_view key,
                                std::string_view where) {
  const nlohmann::json* v = find(obj, key);
  if (v == nullptr) {
    return std::string();
  }
  if (!v->is_string()) {
    return typeError(where, key, "a string");
  }
  return v->get<std::string>();
}

Result<int64_t> intField(const nlohmann::json& obj, std::string_view key, std::string_view where) {
  const nlohmann::json* v = find(obj, key);
  if (v == nullptr) {
    return int64_t{0};
  }
  if (v->is_number_integer()) {
    return v->get<int64_t>();
  }
  // JavaScript clients send 1e9 as a float; accept integral values.
  if (v->is_number_float()) {
    double d = v->get<double>();
    if (std::isfinite(d) && std::floor(d) == d && std::fabs(d) < 9.2e18) {
      return static_cast<int64_t>(d);
    }
  }
  return typeError(where, key, "an integer");
}

Result<bool> boolField(const nlohmann::json& obj, std::string_view key, std::string_view where) {
  const nlohmann::json* v = find(obj, key);
  if (v == nullptr) {
    return false;
  }
  if (!v->is_boolean()) {
    return typeError(where, key, "a boolean");
  }
  return v->get<bool>();
}

Result<std::optional<std::vector<std::string>>> stringList(const nlohmann::json& obj,
                                                           std::string_view key,
                                                           std::string_view where) {
  const nlohmann::json* v = find(obj, key);
  if (v == nullptr) {
    return std::optional<std::vector<std::string>>();
  }
  std::vector<std::string> out;
  if (v->is_string()) {
    out.push_back(v->get<std::string>());
    return std::optional<std::vector<std::string>>(std::move(out));
  }
  if (!v->is_array()) {
    return typeError(where, key, "a list of strings");
  }
  for (const auto& e : *v) {
    if (!e.is_string()) {
      return typeError(where, key, "a list of strings");
    }
    out.push_back(e.get<std::string>());
  }
  return std::optional<std::vector<std::string>>(std::move(out));
}

}  // namespace berth::container
