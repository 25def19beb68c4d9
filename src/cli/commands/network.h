// The `network` commands (create, ls, inspect, rm, connect, disconnect, prune)
// and the pieces the tests reach: IPAM consolidation and the `ls` rows.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/result.h"
#include "format/render.h"

namespace CLI {
class App;
}  // namespace CLI

namespace berth::cli {

class CommandRegistry;

void registerNetworkCommands(CommandRegistry& registry);
void addNetworkCreateCommand(CommandRegistry& r, CLI::App& group);
void addNetworkListCommand(CommandRegistry& r, CLI::App& group);
void addNetworkInspectCommand(CommandRegistry& r, CLI::App& group);
void addNetworkRemoveCommand(CommandRegistry& r, CLI::App& group);
void addNetworkConnectCommand(CommandRegistry& r, CLI::App& group);
void addNetworkDisconnectCommand(CommandRegistry& r, CLI::App& group);
void addNetworkPruneCommand(CommandRegistry& r, CLI::App& group);

// docker's consolidateIpam: one IPAM.Config entry per --subnet (in the order
// given), each with the --ip-range, --gateway and --aux-address values that
// fall inside it. Fails like docker: "no matching subnet for gateway X", ...
Result<nlohmann::json> consolidateIpam(const std::vector<std::string>& subnets,
                                       const std::vector<std::string>& ranges,
                                       const std::vector<std::string>& gateways,
                                       const std::map<std::string, std::string>& auxAddresses);

// pflag's StringSlice: each value split as one CSV record ("a,b" -> a, b).
std::vector<std::string> splitStringSlice(const std::vector<std::string>& values);

// One `network ls` row: the fields docker's networkContext offers to templates.
nlohmann::json networkRow(const nlohmann::json& summary, bool trunc);
const format::HeaderMap& networkHeaders();
// The format `network ls` uses for the user's --format and -q.
std::string networkListFormat(const std::string& userFormat, bool quiet);

}  // namespace berth::cli
