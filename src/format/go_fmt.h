// Go's fmt package as templates use it: %v printing of JSON values (maps as
// map[k:v], arrays as [a b]), Sprint/Sprintln spacing rules and Sprintf with the
// common verbs, including Go's in-band error spellings like %!d(string=x).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace berth::format {

// strconv.FormatFloat(v, fmt, prec, 64) for fmt in e E f g G; prec -1 = shortest.
std::string goFormatFloat(double value, char fmt, int prec);

// fmt.Sprint(v) for one value: what {{.X}} prints. Null is "<nil>".
std::string goPrintValue(const nlohmann::json& value);

// The Go type name used by %T and by error text: string, int, float64, ...
std::string goTypeName(const nlohmann::json& value);

// strconv.Quote: a double-quoted Go string literal.
std::string goQuote(std::string_view s);

// fmt.Sprint / fmt.Sprintln over already-evaluated arguments.
std::string goSprint(const std::vector<nlohmann::json>& args);
std::string goSprintln(const std::vector<nlohmann::json>& args);

// fmt.Sprintf; widths and precisions above Go's 1e6 limit print %!(BADWIDTH).
std::string goSprintf(std::string_view format, const std::vector<nlohmann::json>& args);

}  // namespace berth::format
