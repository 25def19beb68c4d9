// The functions a template can call: Go's builtins (index, len, printf, eq,
// ...) and the docker CLI's additions (json, join, split, lower, upper, title,
// truncate, pad).
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "format/template_value.h"

namespace berth::format {

struct FuncContext {
  // Docker's header pass: json, split, join, title, lower, upper and truncate
  // return their first argument so column titles stay intact.
  bool headerMode = false;
  size_t maxBytes = 0;  // refuse to build strings longer than this
};

using FuncImpl = Result<Value> (*)(const std::vector<Value>& args, const FuncContext& ctx);

struct FuncSpec {
  std::string_view name;
  int minArgs;
  int maxArgs;    // -1: variadic
  FuncImpl impl;  // null for and/or, which the executor evaluates lazily
};

// Null when no such function exists.
const FuncSpec* findFunction(std::string_view name);

}  // namespace berth::format
