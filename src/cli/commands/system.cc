// The system group and its top-level shortcuts: `berth system info` is also
// `berth info`, `berth system events` also `berth events`, as in docker.
#include "cli/commands/system.h"

#include <CLI/CLI.hpp>

#include "cli/command.h"
#include "cli/commands/commands.h"

namespace berth::cli {

void registerSystemCommands(CommandRegistry& registry) {
  CLI::App& root = registry.root();
  addVersionCommand(registry, root);
  addInfoCommand(registry, root, "berth system info, berth info");
  addEventsCommand(registry, root, "berth system events, berth events");

  CommandSpec spec;
  spec.name = "system";
  spec.summary = "Manage berth";
  CLI::App* system = registry.addGroup(root, spec);
  addEventsCommand(registry, *system, "berth system events, berth events");
  addInfoCommand(registry, *system, "berth system info, berth info");
}

}  // namespace berth::cli
