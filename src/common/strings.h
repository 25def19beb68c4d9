// Small string helpers shared by the daemon and the CLI.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace berth {

std::vector<std::string> split(std::string_view s, char sep);
std::string_view trim(std::string_view s);
bool startsWith(std::string_view s, std::string_view prefix);
std::string toLower(std::string_view s);
std::string join(const std::vector<std::string>& parts, std::string_view sep);

}  // namespace berth
