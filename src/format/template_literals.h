// Decoding of template literals the way Go's strconv and parse.NumberNode do.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace berth::format {

// strconv.Unquote for the body of a "..." or '...' literal (quotes stripped);
// nullopt for invalid syntax. Invalid UTF-8 becomes U+FFFD, as in Go.
std::optional<std::string> unquoteGoLiteral(std::string_view body, char quote);

// A number literal (1_000, 0x1F, 017, -2.5e3): an integer unless the text is
// float syntax, as Go's idealConstant decides; nullopt when it is not a number.
std::optional<nlohmann::json> parseGoNumber(std::string_view text);

}  // namespace berth::format
