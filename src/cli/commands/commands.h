// The command groups of the berth CLI. To add one: write commands/<group>.cc
// with a register function, declare it here, call it from registerAllCommands
// in commands.cc and list the file in src/cli/CMakeLists.txt.
//
// Ranks under the root's "Common Commands" follow docker's order:
//   run 1, exec 2, ps 3, build 4, pull 5, push 6, images 7, login 8, logout 9,
//   search 10, version 11, info 12.
#pragma once

namespace berth::cli {

class CommandRegistry;

void registerAllCommands(CommandRegistry& registry);

// version, info, events; the "system" group (system info, system events).
void registerSystemCommands(CommandRegistry& registry);
// run, ps, exec, logs, cp, ... and the "container" group (commands/container*.cc).
void registerContainerCommands(CommandRegistry& registry);
// images, rmi, tag, import, load, save, history and the "image" group (commands/image*.cc).
void registerImageCommands(CommandRegistry& registry);
// the "network" group: create, ls, inspect, rm, connect, disconnect, prune (commands/network*.cc).
void registerNetworkCommands(CommandRegistry& registry);
// the "volume" group: create, ls, inspect, rm, prune (commands/volume.cc).
void registerVolumeCommands(CommandRegistry& registry);

}  // namespace berth::cli
