// Walks a parsed Tree over JSON data, the way Go's text/template executes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "common/result.h"
#include "format/template_ast.h"

namespace berth::format {

struct ExecOptions {
  bool headerMode = false;  // docker's header pass; see FuncContext
  size_t maxOutputBytes = 0;
  std::uint64_t maxSteps = 0;  // range iterations
};

// Appends the output to `out`; on error `out` keeps what was written before it.
// Errors are invalidArgument: template: :1:2: executing "" at <.X>: <what>.
Status executeTree(const Tree& tree, const nlohmann::json& dot, const ExecOptions& options,
                   std::string& out);

}  // namespace berth::format
