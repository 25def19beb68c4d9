// Builds a Tree from template text, following Go's text/template/parse,
// including its checks (undefined variables and functions, {{break}} outside
// {{range}}) and its error wording.
#pragma once

#include <string_view>

#include "common/result.h"
#include "format/template_ast.h"

namespace berth::format {

// Errors are invalidArgument: "template: :LINE: <what>".
Result<Tree> parseTemplate(std::string_view source);

}  // namespace berth::format
