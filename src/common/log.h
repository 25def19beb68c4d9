// Daemon logging: spdlog to stderr in dockerd's logrus text shape
// (time="..." level=info msg="..."), with a level that can change at run time.
#pragma once

#include <spdlog/spdlog.h>

#include <string_view>

#include "common/result.h"

namespace berth::log {

// Parses dockerd's level names: debug, info, warn, error, fatal (also "warning", "trace").
Result<spdlog::level::level_enum> parseLevel(std::string_view name);

// Installs the stderr logger as spdlog's default with the given level.
void init(spdlog::level::level_enum level);

void setLevel(spdlog::level::level_enum level);

}  // namespace berth::log
