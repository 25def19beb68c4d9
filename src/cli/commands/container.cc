// Where the container commands go: docker's top-level shortcuts and the
// `container` management group, plus the helpers the command files share.
#include "cli/commands/container.h"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <istream>
#include <ostream>
#include <thread>

#include "cli/command.h"
#include "cli/commands/commands.h"
#include "common/strings.h"
#include "format/go_json.h"

namespace berth::cli {

namespace {

// docker runs at most 50 of these at once; a CLI on a shared machine needs fewer.
constexpr size_t kMaxParallel = 8;

}  // namespace

CLI::Option* addRepeatedFlag(CLI::App& cmd, const std::string& names,
                             std::vector<std::string>& into, const std::string& help,
                             const std::string& typeName) {
  CLI::Option* opt = addListFlag(cmd, names, into, help, typeName);
  opt->allow_extra_args(false);
  return opt;
}

Result<std::unique_ptr<ApiClient>> newClient(CommandContext& ctx) {
  BERTH_ASSIGN_OR_RETURN(ApiClient * client, ctx.client());
  BERTH_ASSIGN_OR_RETURN(std::string version, client->apiVersion());
  ApiClient::Options options = ctx.clientOptions();
  options.apiVersion = version;
  return ApiClient::create(options);
}

namespace {

Result<std::unique_ptr<ApiClient>> newClientFrom(ApiClient::Options options,
                                                 const std::string& version) {
  options.apiVersion = version;
  return ApiClient::create(std::move(options));
}

}  // namespace

Status forEachContainer(CommandContext& ctx, const std::vector<std::string>& names,
                        const std::function<Status(ApiClient&, const std::string&)>& op,
                        const std::function<bool(const Error&)>& ignoreError) {
  std::vector<Status> results(names.size());
  if (names.size() == 1) {
    BERTH_ASSIGN_OR_RETURN(ApiClient * client, ctx.client());
    results[0] = op(*client, names[0]);
  } else {
    // Negotiate once, here: the workers only copy the version (the shared client
    // must not be used from several threads).
    BERTH_ASSIGN_OR_RETURN(ApiClient * shared, ctx.client());
    BERTH_ASSIGN_OR_RETURN(std::string version, shared->apiVersion());
    std::atomic<size_t> next{0};
    std::vector<std::thread> workers;
    size_t count = std::min(kMaxParallel, names.size());
    for (size_t w = 0; w < count; ++w) {
      workers.emplace_back([&] {
        auto client = newClientFrom(ctx.clientOptions(), version);
        for (size_t i = next++; i < names.size(); i = next++) {
          results[i] = client.ok() ? op(**client, names[i]) : Status(client.error());
        }
      });
    }
    for (auto& t : workers) {
      t.join();
    }
  }
  std::vector<std::string> errors;
  for (size_t i = 0; i < names.size(); ++i) {
    if (results[i].ok()) {
      ctx.out() << names[i] << "\n";
    } else if (ignoreError && ignoreError(results[i].error())) {
      ctx.err() << results[i].error().message() << "\n";
    } else {
      errors.push_back(results[i].error().message());
    }
  }
  if (!errors.empty()) {
    return internal(join(errors, "\n"));
  }
  return okStatus();
}

int runFailureExitCode(std::string_view message) {
  if (message.find("executable file not found") != std::string_view::npos ||
      message.find("no such file or directory") != std::string_view::npos ||
      message.find("system cannot find the file specified") != std::string_view::npos) {
    return 127;
  }
  if (message.find("permission denied") != std::string_view::npos ||
      message.find("is a directory") != std::string_view::npos) {
    return 126;
  }
  return 125;
}

std::string withHelp(std::string_view message, std::string_view command) {
  return fmt::format("berth: {}\n\nRun 'berth {} --help' for more information", message, command);
}

Result<std::string> renderList(const std::string& format, const std::vector<nlohmann::json>& rows,
                               const format::HeaderMap& headers) {
  if (format != "json") {
    return format::renderRows(format, rows, headers);
  }
  std::string out;
  for (const auto& row : rows) {
    out += format::marshalGoJson(row, true) + "\n";
  }
  return out;
}

bool promptForConfirmation(std::istream& in, std::ostream& out, std::string_view prompt) {
  out << prompt << " [y/N] ";
  out.flush();
  std::string line;
  if (!std::getline(in, line)) {
    return false;
  }
  std::string_view answer = trim(line);
  return answer == "y" || answer == "Y";
}

void registerContainerCommands(CommandRegistry& registry) {
  CLI::App& root = registry.root();
  addRunCommand(registry, root, "berth container run, berth run", 1);
  addExecCommand(registry, root, "berth container exec, berth exec", 2);
  addPsCommand(registry, root, false);
  addAttachCommand(registry, root, "berth container attach, berth attach");
  addCpCommand(registry, root, "berth container cp, berth cp");
  addCreateCommand(registry, root, "berth container create, berth create");
  addInspectCommand(registry, root);
  addStartCommand(registry, root, "berth container start, berth start");
  addLifecycleCommands(registry, root, false);
  addInfoCommands(registry, root, false);

  CommandSpec spec;
  spec.name = "container";
  spec.summary = "Manage containers";
  CLI::App* group = registry.addGroup(root, spec);
  addAttachCommand(registry, *group, "berth container attach, berth attach");
  addCpCommand(registry, *group, "berth container cp, berth cp");
  addCreateCommand(registry, *group, "berth container create, berth create");
  addExecCommand(registry, *group, "berth container exec, berth exec", 0);
  addContainerInspectCommand(registry, *group);
  addPsCommand(registry, *group, true);
  addContainerPruneCommand(registry, *group);
  addRunCommand(registry, *group, "berth container run, berth run", 0);
  addStartCommand(registry, *group, "berth container start, berth start");
  addLifecycleCommands(registry, *group, true);
  addInfoCommands(registry, *group, true);
}

}  // namespace berth::cli
