#include "cli/app.h"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <ostream>

#include "cli/command.h"
#include "cli/commands/commands.h"
#include "cli/daemon_host.h"
#include "cli/help.h"
#include "cli/version_info.h"
#include "common/log.h"
#include "common/strings.h"

namespace berth::cli {

namespace {

constexpr int kFlagErrorExit = 125;

// What CLI11 left unparsed at one level, sorted into docker's categories.
struct Leftovers {
  std::string unknownFlag;  // the first unknown flag, as given
  std::vector<std::string> args;
};

Leftovers sortLeftovers(const std::vector<std::string>& remaining, bool flagsEndAtFirstArg) {
  Leftovers out;
  bool argsOnly = false;
  for (const std::string& item : remaining) {
    if (!argsOnly && item == "--") {
      argsOnly = true;
      continue;
    }
    if (!argsOnly && item.size() > 1 && item[0] == '-') {
      if (out.unknownFlag.empty()) {
        out.unknownFlag = item;
      }
      continue;
    }
    out.args.push_back(item);
    if (flagsEndAtFirstArg) {
      argsOnly = true;
    }
  }
  return out;
}

// pflag's wording for a flag it does not know.
std::string unknownFlagMessage(const std::string& flag) {
  if (flag.rfind("--", 0) == 0) {
    return "unknown flag: " + flag.substr(0, flag.find('='));
  }
  return fmt::format("unknown shorthand flag: '{}' in {}", flag.substr(1, 1), flag);
}

std::string flagErrorText(const CommandRegistry& registry, const CLI::App& app,
                          const std::string& message) {
  return fmt::format("{}\n\nUsage:  {}\n\nRun '{} --help' for more information", message,
                     useLine(registry, app), commandPath(app));
}

std::string unknownCommandText(const CommandRegistry& registry, const CLI::App& app,
                               const std::string& arg) {
  if (app.get_parent() == nullptr) {
    return fmt::format("{0}: unknown command: {0} {1}\n\nRun '{0} --help' for more information",
                       app.get_name(), arg);
  }
  return fmt::format(
      "{}: unknown command: {} {}\n\nUsage:  {}\n\nRun '{} --help' for more information",
      registry.root().get_name(), commandPath(app), arg, useLine(registry, app), commandPath(app));
}

std::string pluralArgs(int n) { return n == 1 ? "argument" : "arguments"; }

// docker's cli.NoArgs / RequiresMinArgs / ExactArgs / ... messages.
std::optional<std::string> checkArgCount(const CommandRegistry& registry, const CLI::App& app,
                                         const ArgCount& want, size_t given) {
  const int n = static_cast<int>(given);
  const std::string bin = registry.root().get_name();
  const std::string path = commandPath(app);
  const std::string use = useLine(registry, app);
  if (want.max == 0 && n > 0) {
    return fmt::format(
        "{}: '{}' accepts no arguments\n\nUsage:  {}\n\nRun '{} --help' for more information", bin,
        path, use, path);
  }
  if (want.min == want.max && n != want.min) {
    return fmt::format(
        "{}: '{}' requires {} {}\n\nUsage:  {}\n\nRun '{} --help' for more information", bin, path,
        want.min, pluralArgs(want.min), use, path);
  }
  if (want.max < 0 && n < want.min) {
    return fmt::format(
        "{}: '{}' requires at least {} {}\n\nUsage:  {}\n\nSee '{} --help' for more information",
        bin, path, want.min, pluralArgs(want.min), use, path);
  }
  if (want.min == 0 && want.max > 0 && n > want.max) {
    return fmt::format(
        "{}: '{}' requires at most {} {}\n\nUsage:  {}\n\nRun '{} --help' for more information",
        bin, path, want.max, pluralArgs(want.max), use, path);
  }
  if (want.max > 0 && (n < want.min || n > want.max)) {
    return fmt::format(
        "{}: '{}' requires at least {} and at most {} {}\n\nUsage:  {}\n\nRun '{} --help' for more "
        "information",
        bin, path, want.min, want.max, pluralArgs(want.max), use, path);
  }
  return std::nullopt;
}

CLI::App& deepestSubcommand(CLI::App& root) {
  CLI::App* app = &root;
  while (!app->get_subcommands().empty()) {
    app = app->get_subcommands().front();
  }
  return *app;
}

std::string envApiVersion() {
  for (const char* name : {"BERTH_API_VERSION", "DOCKER_API_VERSION"}) {
    // NOLINTNEXTLINE(concurrency-mt-unsafe): read at startup, before any thread exists
    const char* v = std::getenv(name);
    if (v != nullptr && *v != '\0') {
      return v;
    }
  }
  return "";
}

void addGlobalFlags(CLI::App& root, GlobalOptions& g) {
  const std::string certDir = defaultCertDir();
  addBoolFlag(root, "-D,--debug", g.debug, "Enable debug mode");
  addStringFlag(root, "-H,--host", g.host, "Daemon socket to connect to");
  addStringFlag(root, "-l,--log-level", g.logLevel,
                "Set the logging level (\"debug\", \"info\", \"warn\", \"error\", \"fatal\")");
  addBoolFlag(root, "--tls", g.tls, "Use TLS; implied by --tlsverify");
  addStringFlag(root, "--tlscacert", g.tlsCaCert, "Trust certs signed only by this CA")
      ->default_str(certDir + "/ca.pem");
  addStringFlag(root, "--tlscert", g.tlsCert, "Path to TLS certificate file")
      ->default_str(certDir + "/cert.pem");
  addStringFlag(root, "--tlskey", g.tlsKey, "Path to TLS key file")
      ->default_str(certDir + "/key.pem");
  addBoolFlag(root, "--tlsverify", g.tlsVerify, "Use TLS and verify the remote");
  addBoolFlag(root, "-v,--version", g.version, "Print version information and quit");
}

// `berth help [COMMAND...]`: hidden, as in docker.
void addHelpCommand(CommandRegistry& registry) {
  CommandSpec spec;
  spec.name = "help";
  spec.use = "[command]";
  spec.summary = "Help about the command";
  spec.hidden = true;
  spec.args = minArgs(0);
  registry.addCommand(
      registry.root(), spec,
      [&registry](CommandContext& ctx, const std::vector<std::string>& args) -> Status {
        CLI::App* app = &registry.root();
        for (const auto& name : args) {
          app = registry.subcommand(*app, name);
          if (app == nullptr) {
            return invalidArgument("unknown help topic: " + join(args, " "));
          }
        }
        ctx.out() << renderHelp(registry, *app, helpWidth());
        return okStatus();
      });
}

}  // namespace

int runCli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App root("A self-sufficient runtime for containers", "berth");
  root.set_help_flag("-h,--help", "Print usage");  // before any subcommand, which copy it
  root.allow_extras(true);
  root.require_subcommand(0, 1);
  GlobalOptions globals;
  addGlobalFlags(root, globals);

  CommandRegistry registry(root);
  registerAllCommands(registry);
  addHelpCommand(registry);

  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    root.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    out << renderHelp(registry, deepestSubcommand(root), helpWidth());
    return 0;
  } catch (const FlagValueError& e) {
    err << flagErrorText(registry, deepestSubcommand(root), e.what()) << "\n";
    return kFlagErrorExit;
  } catch (const CLI::ArgumentMismatch&) {
    // A flag that wants a value was the last word (CLI11 ran out of input).
    std::string flag = args.empty() ? std::string("-") : args.back();
    std::string message =
        flag.rfind("--", 0) == 0
            ? "flag needs an argument: " + flag
            : fmt::format("flag needs an argument: '{}' in {}", flag.substr(flag.size() - 1), flag);
    err << flagErrorText(registry, deepestSubcommand(root), message) << "\n";
    return kFlagErrorExit;
  } catch (const CLI::ParseError& e) {
    err << flagErrorText(registry, deepestSubcommand(root), e.what()) << "\n";
    return kFlagErrorExit;
  }

  if (globals.version) {
    const ClientBuildInfo& info = clientBuildInfo();
    out << fmt::format("berth version {}, build {}\n", info.version, info.gitCommit);
    return 0;
  }
  auto level = log::parseLevel(globals.logLevel);
  if (!level.ok()) {
    err << "Unable to parse logging level: " << globals.logLevel << "\n";
    return 1;
  }
  log::init(globals.debug ? spdlog::level::debug : *level);

  // Walk root -> ... -> the command that runs, checking what each level left over.
  std::vector<CLI::App*> chain{&root};
  while (!chain.back()->get_subcommands().empty()) {
    chain.push_back(chain.back()->get_subcommands().front());
  }
  CLI::App& leaf = *chain.back();
  const CommandEntry* entry = registry.find(&leaf);
  std::vector<std::string> positional;
  for (CLI::App* step : chain) {
    const CommandEntry* e = registry.find(step);
    Leftovers left =
        sortLeftovers(step->remaining(false), e != nullptr && e->spec.flagsEndAtFirstArg);
    bool runnable = e != nullptr && e->action;
    if (!left.args.empty() && !runnable) {
      err << unknownCommandText(registry, *step, left.args.front()) << "\n";
      return 1;
    }
    if (!left.unknownFlag.empty()) {
      err << flagErrorText(registry, *step, unknownFlagMessage(left.unknownFlag)) << "\n";
      return kFlagErrorExit;
    }
    if (step == &leaf) {
      positional = std::move(left.args);
    }
  }
  if (entry == nullptr || !entry->action) {
    out << renderHelp(registry, leaf, helpWidth());  // a bare group lists its commands
    return 0;
  }
  if (auto bad = checkArgCount(registry, leaf, entry->spec.args, positional.size())) {
    err << *bad << "\n";
    return 1;
  }

  TlsSettings tls = resolveTlsSettings(globals.tls, globals.tlsVerify, globals.tlsCaCert,
                                       globals.tlsCert, globals.tlsKey);
  auto host = parseDaemonHost(chooseHostSpec(globals.host), tls.enabled);
  if (!host.ok()) {
    err << "Failed to initialize: unable to resolve berth endpoint: " << host.error().message()
        << "\n";
    return 1;
  }
  ApiClient::Options options;
  options.host = *host;
  options.tls = tls;
  options.apiVersion = envApiVersion();
  options.userAgent = "berth-cli/" + clientBuildInfo().version;

  CommandContext ctx(globals, options, out, err);
  ctx.setCommandPath(commandPath(leaf));
  ctx.setUseLine(useLine(registry, leaf));
  Status status = entry->action(ctx, positional);
  out.flush();
  if (!status.ok()) {
    err << ctx.errorTextFor(status.error()) << "\n";
  }
  return ctx.exitCodeFor(status);
}

}  // namespace berth::cli
