// docker's help text, byte for byte in shape: cobra's usage template as the
// docker CLI customises it, and pflag's flag table with its word wrapping.
#pragma once

#include <string>
#include <string_view>

namespace CLI {
class App;
}  // namespace CLI

namespace berth::cli {

class CommandRegistry;

// "berth network ls": the names from the root down to `app`.
std::string commandPath(const CLI::App& app);

// The line shown after "Usage:" in usage errors: "berth network ls [OPTIONS]".
std::string useLine(const CommandRegistry& registry, const CLI::App& app);

// The whole --help text of `app`, ending in a newline, wrapped for `width` columns.
std::string renderHelp(const CommandRegistry& registry, const CLI::App& app, int width);

// pflag's FlagUsagesWrapped: the visible flags of `app`, sorted by name.
std::string flagUsages(const CLI::App& app, int width);

// pflag's wrap(): `text` wrapped to `width` columns with continuation lines
// indented by `indent` (the first line is assumed to start at that column).
std::string wrapText(int indent, int width, std::string_view text);

// The width docker wraps help to: the terminal on stdin, else 80, minus one.
int helpWidth();

}  // namespace berth::cli
