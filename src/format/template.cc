#include "format/template.h"

#include "format/template_ast.h"
#include "format/template_exec.h"
#include "format/template_parser.h"

namespace berth::format {

Result<Template> Template::parse(std::string_view text) {
  BERTH_ASSIGN_OR_RETURN(Tree tree, parseTemplate(text));
  return Template(std::make_shared<const Tree>(std::move(tree)));
}

Result<std::string> Template::execute(const nlohmann::json& dot) const {
  return execute(dot, ExecLimits{});
}

Result<std::string> Template::execute(const nlohmann::json& dot, const ExecLimits& limits) const {
  std::string out;
  BERTH_TRY(executeTree(*tree_, dot, {false, limits.maxOutputBytes, limits.maxSteps}, out));
  return out;
}

std::string Template::executeHeader(const nlohmann::json& headers, const ExecLimits& limits) const {
  std::string out;
  // docker ignores header errors and prints whatever was produced.
  (void)executeTree(*tree_, headers, {true, limits.maxOutputBytes, limits.maxSteps}, out);
  return out;
}

const std::vector<std::string>& Template::fieldNames() const { return tree_->fieldNames; }

}  // namespace berth::format
