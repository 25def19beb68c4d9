// The pieces of the system command group (version, info, events), declared for
// commands/system.cc, which places them in the tree, and for the unit tests.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "cli/api_client.h"
#include "common/filters.h"
#include "common/result.h"

namespace CLI {
class App;
}  // namespace CLI

namespace berth::cli {

class CommandRegistry;

void addVersionCommand(CommandRegistry& registry, CLI::App& parent);
// `aliasesLine` is docker's "docker system info, docker info" text.
void addInfoCommand(CommandRegistry& registry, CLI::App& parent, const std::string& aliasesLine);
void addEventsCommand(CommandRegistry& registry, CLI::App& parent, const std::string& aliasesLine);

// ---- version -----------------------------------------------------------------

// {"Version", "ApiVersion", "DefaultAPIVersion", "GitCommit", "CppVersion", "Os", "Arch",
//  "BuildTime", "Context"}: the Client object of `version --format`.
nlohmann::json clientVersionJson(const std::string& apiVersion);

// Adds the "Engine" component docker synthesises when a daemon lists none, and
// rewrites RFC 3339 build times to Go's ANSIC layout, as docker does.
nlohmann::json normalizeServerVersion(nlohmann::json server);

// docker's default `version` text for {"Client": ..., "Server": ... or null}.
std::string renderVersionText(const nlohmann::json& data);

// ---- info ----------------------------------------------------------------------

// units.BytesSize: "1.953GiB", "512MiB", "0B".
std::string bytesSize(double bytes);

// The "Server:" body of `berth info` (after the "Server:" line, including the
// trailing blank line), and the daemon's warnings for stderr.
struct ServerInfoText {
  std::string out;
  std::vector<std::string> warnings;
};
ServerInfoText renderServerInfo(const nlohmann::json& info, bool clientDebug);

// ---- events --------------------------------------------------------------------

struct EventsOptions {
  std::string since;
  std::string until;
  std::vector<std::string> filters;
  std::string format;
};

// The /events query docker sends: filters (map-of-bools JSON), since, until as
// API timestamps. Errors are docker's for a bad time value.
Result<Query> eventsQuery(const Filters& filters, std::string_view since, std::string_view until,
                          std::chrono::system_clock::time_point now, int utcOffsetSeconds);

// docker's default event line (no trailing newline):
// "<time RFC3339Nano fixed, local> <Type> <Action> <Actor.ID> (<k=v, sorted>)".
std::string formatEventLine(const nlohmann::json& event,
                            const std::function<int(int64_t)>& utcOffsetAt);

}  // namespace berth::cli
