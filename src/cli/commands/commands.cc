#include "cli/commands/commands.h"

namespace berth::cli {

void registerAllCommands(CommandRegistry& registry) {
  registerSystemCommands(registry);
  registerContainerCommands(registry);
  registerImageCommands(registry);
  registerNetworkCommands(registry);
  registerVolumeCommands(registry);
}

}  // namespace berth::cli
