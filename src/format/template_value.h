// The values a template computes with: a JSON value, or "missing" (Go's
// invalid reflect.Value, printed as <no value>). Values borrow from the data
// being rendered where they can, and share ownership of what they compute.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

namespace berth::format {

class Value {
 public:
  Value() = default;  // missing

  static Value of(nlohmann::json j) {
    return Value(std::make_shared<const nlohmann::json>(std::move(j)));
  }
  // Borrows `j`; it must outlive the execution.
  static Value ref(const nlohmann::json& j) {
    return Value(
        std::shared_ptr<const nlohmann::json>(std::shared_ptr<const nlohmann::json>(), &j));
  }
  // A part of this value (an element or a member) that keeps the whole alive.
  Value child(const nlohmann::json& part) const {
    return Value(std::shared_ptr<const nlohmann::json>(p_, &part));
  }

  bool missing() const { return p_ == nullptr; }
  // Null for a missing value, as Go hands a nil interface to functions.
  const nlohmann::json& data() const {
    static const nlohmann::json kNull;
    return p_ ? *p_ : kNull;
  }

 private:
  explicit Value(std::shared_ptr<const nlohmann::json> p) : p_(std::move(p)) {}
  std::shared_ptr<const nlohmann::json> p_;
};

// Go's truth: false, 0, "", nil and empty maps/arrays are false; so is missing.
inline bool isTrue(const Value& v) {
  const nlohmann::json& j = v.data();
  switch (j.type()) {
    case nlohmann::json::value_t::boolean:
      return j.get<bool>();
    case nlohmann::json::value_t::number_integer:
      return j.get<std::int64_t>() != 0;
    case nlohmann::json::value_t::number_unsigned:
      return j.get<std::uint64_t>() != 0;
    case nlohmann::json::value_t::number_float:
      return j.get<double>() != 0;
    case nlohmann::json::value_t::string:
      return !j.get_ref<const std::string&>().empty();  // json::empty() is false for strings
    case nlohmann::json::value_t::object:
    case nlohmann::json::value_t::array:
      return !j.empty();
    default:
      return false;
  }
}

}  // namespace berth::format
