// JSON text exactly as Go's encoding/json writes it, because docker's output is
// byte-compared by scripts: Go's string escapes, Go's float spelling, and
// optional HTML escaping (<, >, & as \u003c...) which json.Marshal does and the
// docker CLI's `json` template function turns off.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace berth::format {

// json.Marshal (escapeHtml=true) or an Encoder with SetEscapeHTML(false).
std::string marshalGoJson(const nlohmann::json& value, bool escapeHtml);

// json.MarshalIndent(value, "", indent).
std::string marshalGoJsonIndent(const nlohmann::json& value, std::string_view indent,
                                bool escapeHtml);

// A float64 the way encoding/json spells it: 1e+21, 1e-7, 0.000001, 123456789.
std::string goJsonFloat(double value);

}  // namespace berth::format
