// Typed reads of fields of Docker's request JSON, with a 400 that names the
// field when the client sent the wrong type (where Go's decoder would fail).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace berth::container {

// Missing or null is "" / 0 / false.
Result<std::string> stringField(const nlohmann::json& obj, std::string_view key,
                                std::string_view where);
Result<int64_t> intField(const nlohmann::json& obj, std::string_view key, std::string_view where);
Result<bool> boolField(const nlohmann::json& obj, std::string_view key, std::string_view where);

// Docker's StrSlice: an array of strings or one string. nullopt when missing or null.
Result<std::optional<std::vector<std::string>>> stringList(const nlohmann::json& obj,
                                                           std::string_view key,
                                                           std::string_view where);

}  // namespace berth::container
