#include "cli/command.h"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <ostream>

namespace berth::cli {

namespace {

constexpr std::string_view kInspectFormatHelp =
    "Format output using a custom template:\n"
    "'json':             Print in JSON format\n"
    "'TEMPLATE':         Print output using the given Go template.\n"
    "Refer to https://docs.docker.com/go/formatting/ for more information about formatting "
    "output with templates";

constexpr std::string_view kTableFormatHelp =
    "Format output using a custom template:\n"
    "'table':            Print output in table format with column headers (default)\n"
    "'table TEMPLATE':   Print output in table format using the given Go template\n"
    "'json':             Print in JSON format\n"
    "'TEMPLATE':         Print output using the given Go template.\n"
    "Refer to https://docs.docker.com/go/formatting/ for more information about formatting "
    "output with templates";

}  // namespace

// ---- CommandContext -------------------------------------------------------------

CommandContext::CommandContext(GlobalOptions globals, ApiClient::Options clientOptions,
                               std::ostream& out, std::ostream& err)
    : globals_(std::move(globals)),
      clientOptions_(std::move(clientOptions)),
      out_(out),
      err_(err) {}

CommandContext::~CommandContext() = default;

Result<ApiClient*> CommandContext::client() {
  if (!client_) {
    BERTH_ASSIGN_OR_RETURN(client_, ApiClient::create(clientOptions_));
  }
  return client_.get();
}

Error CommandContext::flagError(std::string message) {
  usageError_ = true;
  exitCode_ = 125;
  return invalidArgument(std::move(message));
}

Error CommandContext::statusError(int code, Error error) {
  exitCode_ = code;
  return error;
}

int CommandContext::exitCodeFor(const Status& status) const {
  if (exitCode_) {
    return *exitCode_;
  }
  return status.ok() ? 0 : 1;
}

std::string CommandContext::errorTextFor(const Error& error) const {
  if (!usageError_) {
    return error.message();
  }
  return fmt::format("{}\n\nUsage:  {}\n\nRun '{} --help' for more information", error.message(),
                     useLine_, commandPath_);
}

// ---- CommandRegistry -------------------------------------------------------------

CommandRegistry::CommandRegistry(CLI::App& root) : root_(root) {
  CommandEntry entry;
  entry.spec.name = root.get_name();
  entry.spec.use = "[OPTIONS] COMMAND [ARG...]";
  entry.spec.summary = root.get_description();
  entry.app = &root;
  entries_.emplace(&root, std::move(entry));
}

CommandRegistry::~CommandRegistry() = default;

CLI::App* CommandRegistry::addGroup(CLI::App& parent, CommandSpec spec) {
  return add(parent, std::move(spec), nullptr);
}

CLI::App* CommandRegistry::addCommand(CLI::App& parent, CommandSpec spec, CommandAction action) {
  return add(parent, std::move(spec), std::move(action));
}

CLI::App* CommandRegistry::add(CLI::App& parent, CommandSpec spec, CommandAction action) {
  CLI::App* app = parent.add_subcommand(spec.name, spec.summary);
  for (const auto& alias : spec.aliases) {
    app->alias(alias);
  }
  // Positional arguments and unknown flags are left to us, so that errors read
  // like docker's (see app.cc); one subcommand per level, as in cobra.
  app->allow_extras(true);
  app->require_subcommand(0, 1);
  app->fallthrough(false);
  app->prefix_command(spec.flagsEndAtFirstArg);
  if (spec.hidden) {
    app->group("");
  }
  CommandEntry entry;
  entry.spec = std::move(spec);
  entry.action = std::move(action);
  entry.app = app;
  entries_.emplace(app, std::move(entry));
  return app;
}

const CommandEntry* CommandRegistry::find(const CLI::App* app) const {
  auto it = entries_.find(app);
  return it == entries_.end() ? nullptr : &it->second;
}

CLI::App* CommandRegistry::subcommand(CLI::App& parent, std::string_view name) const {
  for (CLI::App* sub : parent.get_subcommands([](CLI::App*) { return true; })) {
    if (sub->get_name() == name) {
      return sub;
    }
  }
  return nullptr;
}

// ---- flag helpers ----------------------------------------------------------------

namespace {

// pflag's name for a flag in messages, from CLI11 names: "-f,--filter" -> "-f, --filter".
std::string flagDisplayName(std::string_view names) {
  std::string shortName;
  std::string longName;
  size_t start = 0;
  while (start <= names.size()) {
    size_t comma = names.find(',', start);
    std::string_view part =
        names.substr(start, comma == std::string_view::npos ? names.npos : comma - start);
    if (part.substr(0, 2) == "--") {
      longName = std::string(part);
    } else if (part.substr(0, 1) == "-") {
      shortName = std::string(part);
    }
    if (comma == std::string_view::npos) {
      break;
    }
    start = comma + 1;
  }
  return shortName.empty() ? longName : shortName + ", " + longName;
}

}  // namespace

CLI::Option* addStringFlag(CLI::App& cmd, const std::string& names, std::string& into,
                           const std::string& help, const std::string& typeName) {
  CLI::Option* opt = cmd.add_option(names, into, help);
  opt->type_name(typeName);
  opt->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  opt->default_str(into);
  return opt;
}

CLI::Option* addBoolFlag(CLI::App& cmd, const std::string& names, bool& into,
                         const std::string& help) {
  CLI::Option* opt = cmd.add_flag(names, into, help);
  opt->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  opt->default_str(into ? "true" : "");
  return opt;
}

CLI::Option* addIntFlag(CLI::App& cmd, const std::string& names, int& into,
                        const std::string& help) {
  // Parsed here rather than by CLI11 so that a bad value reads like pflag's error.
  CLI::Option* opt = cmd.add_option_function<std::string>(
      names,
      [&into, display = flagDisplayName(names)](const std::string& value) {
        char* end = nullptr;
        errno = 0;
        long v = std::strtol(value.c_str(), &end, 0);
        if (value.empty() || end == nullptr || *end != '\0' || errno == ERANGE || v < INT32_MIN ||
            v > INT32_MAX) {
          throw FlagValueError(fmt::format(
              "invalid argument \"{}\" for \"{}\" flag: strconv.ParseInt: parsing \"{}\": {}",
              value, display, value, errno == ERANGE ? "value out of range" : "invalid syntax"));
        }
        into = static_cast<int>(v);
      },
      help);
  opt->type_name("int");
  opt->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  if (into != 0) {
    opt->default_str(std::to_string(into));
  }
  return opt;
}

CLI::Option* addListFlag(CLI::App& cmd, const std::string& names, std::vector<std::string>& into,
                         const std::string& help, const std::string& typeName) {
  CLI::Option* opt = cmd.add_option(names, into, help);
  opt->type_name(typeName);
  opt->type_size(1);
  opt->expected(1);  // one value per occurrence: "-f a b" leaves b as an argument
  opt->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  return opt;
}

CLI::Option* addFormatFlag(CLI::App& cmd, std::string& into, FormatHelp kind,
                           const std::string& names) {
  return addStringFlag(
      cmd, names, into,
      std::string(kind == FormatHelp::kTable ? kTableFormatHelp : kInspectFormatHelp));
}

}  // namespace berth::cli
