// A Go text/template subset over JSON data: what the docker CLI's --format
// flag accepts (fields, pipelines, if/range/with, Go's builtins and docker's
// json/join/split/lower/upper/title/truncate/pad), printing values as Go does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace berth::format {

struct Tree;

// Bounds on one execution, so a hostile template cannot exhaust memory or time.
struct ExecLimits {
  size_t maxOutputBytes = size_t{64} << 20;
  std::uint64_t maxSteps = 10'000'000;  // range iterations
};

class Template {
 public:
  // Errors are invalidArgument worded like Go's: template: :1: unexpected "}" in operand.
  static Result<Template> parse(std::string_view text);

  // Errors are invalidArgument: template: :1:2: executing "" at <.X>: <what>.
  Result<std::string> execute(const nlohmann::json& dot) const;
  Result<std::string> execute(const nlohmann::json& dot, const ExecLimits& limits) const;

  // Docker's table-header pass: run over {Field: "TITLE"} with json, split,
  // join, title, lower, upper and truncate returning their argument. Like
  // docker, an error only cuts the output short.
  std::string executeHeader(const nlohmann::json& headers, const ExecLimits& limits = {}) const;

  // The first name of every .A.B field chain, in source order (may repeat).
  const std::vector<std::string>& fieldNames() const;

 private:
  explicit Template(std::shared_ptr<const Tree> tree) : tree_(std::move(tree)) {}
  std::shared_ptr<const Tree> tree_;
};

}  // namespace berth::format
