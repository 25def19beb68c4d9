#include "cli/flag_values.h"

#include <fmt/format.h>

#include "common/strings.h"

namespace berth::cli {

Status addFilterFlag(Filters& filters, std::string_view flagValue) {
  if (flagValue.empty()) {
    return okStatus();
  }
  size_t eq = flagValue.find('=');
  if (eq == std::string_view::npos) {
    return invalidArgument("bad format of filter (expected name=value)");
  }
  filters.add(toLower(trim(flagValue.substr(0, eq))), std::string(trim(flagValue.substr(eq + 1))));
  return okStatus();
}

Result<Filters> parseFilterFlags(const std::vector<std::string>& values,
                                 std::string_view flagName) {
  Filters filters;
  for (const std::string& v : values) {
    Status st = addFilterFlag(filters, v);
    if (!st.ok()) {
      return invalidArgument(invalidFlagValue(v, flagName, st.error().message()));
    }
  }
  return filters;
}

std::string invalidFlagValue(std::string_view value, std::string_view flagName,
                             std::string_view reason) {
  return fmt::format("invalid argument \"{}\" for \"{}\" flag: {}", value, flagName, reason);
}

}  // namespace berth::cli
