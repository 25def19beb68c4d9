// The docker CLI's --format front door, shared by every list and inspect
// command: "json", "table ..." (header row + aligned columns) or a plain
// template per row, and docker inspect's indented JSON.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace berth::format {

// Column titles by field name: {"ID", "NETWORK ID"}.
using HeaderMap = std::map<std::string, std::string>;

// Renders list rows for `--format`:
//   "json"                  one compact JSON object per line ({{json .}});
//   "table {{.ID}}\t{{.X}}" a header line, then the rows, aligned by a TabWriter;
//   anything else           the template per row, each followed by "\n".
// As in docker, the two-character escapes \t and \n in `format` become a tab
// and a newline. "" and a bare "table" are refused: the caller substitutes its
// default table format for them. Errors are invalidArgument.
Result<std::string> renderRows(std::string_view format, const std::vector<nlohmann::json>& rows,
                               const HeaderMap& headers);

// Renders `docker inspect` output: "" gives the objects as a JSON array
// indented by four spaces, "json" the same array on one line (both with Go's
// \u003c-style escaping), anything else the template per object, one line each.
Result<std::string> renderInspect(std::string_view format,
                                  const std::vector<nlohmann::json>& objects);

// The title of a column with no entry in a HeaderMap: CreatedAt -> "CREATED AT".
std::string defaultHeader(std::string_view field);

}  // namespace berth::format
