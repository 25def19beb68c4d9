// How berth commands plug into the CLI. A command group is one file under
// commands/ with a `registerXxxCommands(CommandRegistry&)` function listed in
// commands/commands.cc; it declares its commands (docker's name, usage line,
// flags) and an action that decodes flags, calls the daemon and prints.
#pragma once

#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "cli/api_client.h"
#include "common/result.h"

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace berth::cli {

// The flags every invocation has (docker's global options).
struct GlobalOptions {
  std::string host;  // -H/--host as given; empty: $BERTH_HOST, $DOCKER_HOST, default
  bool tls = false;
  bool tlsVerify = false;
  std::string tlsCaCert;
  std::string tlsCert;
  std::string tlsKey;
  bool debug = false;
  std::string logLevel = "info";
  bool version = false;
};

// How many positional arguments a command takes; max < 0 means no limit.
struct ArgCount {
  int min = 0;
  int max = 0;
};
inline constexpr ArgCount kNoArgs{0, 0};
inline constexpr ArgCount exactArgs(int n) { return {n, n}; }
inline constexpr ArgCount minArgs(int n) { return {n, -1}; }
inline constexpr ArgCount maxArgs(int n) { return {0, n}; }
inline constexpr ArgCount rangeArgs(int lo, int hi) { return {lo, hi}; }

struct CommandSpec {
  std::string name;                  // "ls"
  std::string use;                   // what follows the path in "Usage:", e.g. "[OPTIONS] NETWORK"
  std::string summary;               // one line for command lists
  std::string description;           // shown by --help; the summary when empty
  std::vector<std::string> aliases;  // more names under the same parent: {"list"}
  std::string aliasesLine;  // overrides the "Aliases:" text: "docker system events, docker events"
  std::string example;      // the "Examples:" block, verbatim
  int topRank = 0;          // > 0: under "Common Commands" of the root, in this order
  bool swarm = false;       // a management command listed under "Swarm Commands"
  bool hidden = false;
  ArgCount args = kNoArgs;
  // Flags end at the first positional argument (docker run IMAGE CMD -x: -x is CMD's).
  bool flagsEndAtFirstArg = false;
};

// What a running command may use. One per invocation.
class CommandContext {
 public:
  CommandContext(GlobalOptions globals, ApiClient::Options clientOptions, std::ostream& out,
                 std::ostream& err);
  ~CommandContext();

  std::ostream& out() { return out_; }
  std::ostream& err() { return err_; }
  const GlobalOptions& globals() const { return globals_; }
  // The daemon client, created on first use (connects and negotiates lazily).
  Result<ApiClient*> client();
  const ApiClient::Options& clientOptions() const { return clientOptions_; }

  // "berth network ls": the path of the running command, for messages.
  const std::string& commandPath() const { return commandPath_; }
  void setCommandPath(std::string path) { commandPath_ = std::move(path); }
  // The command's "Usage:" line, for usage errors.
  void setUseLine(std::string line) { useLine_ = std::move(line); }

  // A bad flag value, reported like pflag: the message, the usage line and exit 125.
  // e.g. flagError(`invalid argument "x" for "-f, --filter" flag: bad format`).
  Error flagError(std::string message);
  // Any error with a chosen exit status (docker's cli.StatusError).
  Error statusError(int code, Error error);
  // A non-zero exit status after success (docker run passes on the container's).
  void setExitCode(int code) { exitCode_ = code; }

  // What the caller prints and returns once the action is done.
  int exitCodeFor(const Status& status) const;
  std::string errorTextFor(const Error& error) const;

 private:
  GlobalOptions globals_;
  ApiClient::Options clientOptions_;
  std::ostream& out_;
  std::ostream& err_;
  std::unique_ptr<ApiClient> client_;
  std::string commandPath_ = "berth";
  std::string useLine_ = "berth";
  std::optional<int> exitCode_;
  bool usageError_ = false;
};

using CommandAction =
    std::function<Status(CommandContext& ctx, const std::vector<std::string>& args)>;

struct CommandEntry {
  CommandSpec spec;
  CommandAction action;  // empty for groups
  CLI::App* app = nullptr;
};

class CommandRegistry {
 public:
  // `root` is the "berth" app; it must outlive the registry.
  explicit CommandRegistry(CLI::App& root);
  ~CommandRegistry();

  CLI::App& root() { return root_; }
  const CLI::App& root() const { return root_; }

  // A management command ("network"): only subcommands, prints its help when run bare.
  CLI::App* addGroup(CLI::App& parent, CommandSpec spec);
  // A runnable command. Declare its flags on the returned app with the helpers below.
  CLI::App* addCommand(CLI::App& parent, CommandSpec spec, CommandAction action);

  // The entry of an app added here, or nullptr (the root has one too).
  const CommandEntry* find(const CLI::App* app) const;
  // An existing subcommand of `parent` by name ("system"), to add to a group declared elsewhere.
  CLI::App* subcommand(CLI::App& parent, std::string_view name) const;

 private:
  CLI::App* add(CLI::App& parent, CommandSpec spec, CommandAction action);

  CLI::App& root_;
  std::map<const CLI::App*, CommandEntry> entries_;
};

// A bad flag value found while parsing, with pflag's message; thrown only from
// flag callbacks inside CLI11's parse and caught by runCli (never leaves the CLI).
class FlagValueError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Flag helpers: pflag's type names in --help and "last one wins" for repeats.
CLI::Option* addStringFlag(CLI::App& cmd, const std::string& names, std::string& into,
                           const std::string& help, const std::string& typeName = "string");
CLI::Option* addBoolFlag(CLI::App& cmd, const std::string& names, bool& into,
                         const std::string& help);
CLI::Option* addIntFlag(CLI::App& cmd, const std::string& names, int& into,
                        const std::string& help);
// A repeatable flag collecting every value in order (-f a -f b).
CLI::Option* addListFlag(CLI::App& cmd, const std::string& names, std::vector<std::string>& into,
                         const std::string& help, const std::string& typeName = "list");

// docker's --format help texts.
enum class FormatHelp {
  kInspect,  // 'json' or a template (version, info, events, inspect)
  kTable,    // also 'table' and 'table TEMPLATE' (ls commands)
};
CLI::Option* addFormatFlag(CLI::App& cmd, std::string& into, FormatHelp kind,
                           const std::string& names = "-f,--format");

}  // namespace berth::cli
