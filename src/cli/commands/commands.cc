#include "cli/commands/commands.h"

namespace berth::cli {

void registerAllCommands(CommandRegistry& registry) { registerSystemCommands(registry); }

}  // namespace berth::cli
