// Parsers for flag values that many commands share, with the docker CLI's
// error wording so that a bad value reads the same as with docker.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/filters.h"
#include "common/result.h"

namespace berth::cli {

// One "-f name=value": the name trimmed and lower-cased, the value trimmed (docker's
// filters.ParseFlag). Fails with "bad format of filter (expected name=value)".
Status addFilterFlag(Filters& filters, std::string_view flagValue);

// All "-f" values of a command; the error is pflag's full message, ready for
// CommandContext::flagError: invalid argument "x" for "-f, --filter" flag: <reason>.
Result<Filters> parseFilterFlags(const std::vector<std::string>& values,
                                 std::string_view flagName = "-f, --filter");

// pflag's message for a value a flag rejects.
std::string invalidFlagValue(std::string_view value, std::string_view flagName,
                             std::string_view reason);

}  // namespace berth::cli
