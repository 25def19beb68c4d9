// The container commands (run, ps, exec, logs, cp, ...) as top-level
// commands and under `berth container`, and the pieces the tests reach.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "cli/api_client.h"
#include "common/result.h"
#include "format/render.h"

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace berth::cli {

class CommandContext;
class CommandRegistry;

// Each adds one command (with its docker aliases) under `parent`; `aliasesLine`
// is the help's "Aliases:" text.
void addRunCommand(CommandRegistry& r, CLI::App& parent, const std::string& aliasesLine, int rank);
void addCreateCommand(CommandRegistry& r, CLI::App& parent, const std::string& aliasesLine);
void addStartCommand(CommandRegistry& r, CLI::App& parent, const std::string& aliasesLine);
void addAttachCommand(CommandRegistry& r, CLI::App& parent, const std::string& aliasesLine);
void addExecCommand(CommandRegistry& r, CLI::App& parent, const std::string& aliasesLine,
                    int rank);
void addLifecycleCommands(CommandRegistry& r, CLI::App& parent, bool inGroup);
void addPsCommand(CommandRegistry& r, CLI::App& parent, bool inGroup);
void addInspectCommand(CommandRegistry& r, CLI::App& parent);  // the generic `inspect`
void addContainerInspectCommand(CommandRegistry& r, CLI::App& group);
void addInfoCommands(CommandRegistry& r, CLI::App& parent, bool inGroup);  // top, port, stats, logs
void addCpCommand(CommandRegistry& r, CLI::App& parent, const std::string& aliasesLine);
void addContainerPruneCommand(CommandRegistry& r, CLI::App& group);

// ---- shared by the command files ---------------------------------------------

// addListFlag taking exactly one value per occurrence: a CLI11 2.1 vector option
// otherwise goes on eating positional arguments ("-e A=1 IMAGE" took IMAGE).
CLI::Option* addRepeatedFlag(CLI::App& cmd, const std::string& names,
                             std::vector<std::string>& into, const std::string& help,
                             const std::string& typeName = "list");

// docker inspect's loop: each ref looked up (as `type`, or container, image,
// network, volume in turn when `generic` and no type), printed together, the
// failures joined into one error (exit 1); a bad template exits 64.
Status inspectObjects(CommandContext& ctx, const std::string& format, const std::string& type,
                      bool size, const std::vector<std::string>& refs, bool generic);

// A second connection to the daemon with the version ctx's client negotiated,
// for a request that runs beside another (wait beside attach, parallel stops).
Result<std::unique_ptr<ApiClient>> newClient(CommandContext& ctx);

// docker's parallelOperation + print loop (stop, kill, pause, rm, ...): runs `op`
// for every name (several at once), prints each name that succeeded in order and
// returns the failures' messages joined by newlines.
Status forEachContainer(CommandContext& ctx, const std::vector<std::string>& names,
                        const std::function<Status(ApiClient&, const std::string&)>& op,
                        const std::function<bool(const Error&)>& ignoreError = nullptr);

// docker run/exec's exit status for a failed create or start: 127 when the
// command was not found, 126 when it could not be run, else 125.
int runFailureExitCode(std::string_view message);
// "berth: <message>.\n\nRun 'berth <command> --help' for more information"
std::string withHelp(std::string_view message, std::string_view command);

// format::renderRows, except that `--format json` escapes HTML like docker, whose
// rows marshal themselves with json.Marshal before the template prints them.
Result<std::string> renderList(const std::string& format,
                               const std::vector<nlohmann::json>& rows,
                               const format::HeaderMap& headers);

// "y"/"Y" on `in` after printing `prompt` + " [y/N] " to `out`; false at EOF.
bool promptForConfirmation(std::istream& in, std::ostream& out, std::string_view prompt);

// ---- ps ------------------------------------------------------------------------

// DisplayablePorts: "0.0.0.0:8080->80/tcp, 443/tcp", ranges folded ("8000-8001/tcp").
std::string displayablePorts(const nlohmann::json& ports);
// One `ps` row (the fields docker's ContainerContext offers to templates).
nlohmann::json containerRow(const nlohmann::json& summary, bool trunc,
                            std::chrono::system_clock::time_point now);
const format::HeaderMap& containerHeaders();
// The format ps uses: the default table (with SIZE when `size`), the IDs for
// -q, or the user's template.
std::string psFormat(const std::string& userFormat, bool quiet, bool size);

// ---- stats, port, top ----------------------------------------------------------

// One `stats` row from a /containers/{id}/stats?stream=0 sample.
nlohmann::json statsRow(const nlohmann::json& sample, const std::string& idOrName, bool trunc);
const format::HeaderMap& statsHeaders();
// `port` lines from inspect's NetworkSettings.Ports, naturally sorted; with a
// PRIVATE_PORT[/PROTO] only that port's host addresses.
Result<std::vector<std::string>> portLines(const nlohmann::json& inspect, const std::string& port,
                                           const std::string& container);

}  // namespace berth::cli
