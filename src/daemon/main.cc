// berthd: parse the configuration, start the daemon, serve until told to stop.
#include <cstdio>
#include <iostream>

#include "common/log.h"
#include "daemon/config.h"
#include "daemon/daemon.h"

int main(int argc, char** argv) {
  auto parsed = berth::daemon::parseCommandLine(argc, argv);
  if (!parsed.ok()) {
    std::fprintf(stderr, "berthd: %s\n", parsed.error().message().c_str());
    return 1;
  }
  if (parsed->exitNow) {
    std::cout << parsed->output;
    return parsed->exitCode;
  }
  const auto& config = parsed->config;
  auto level = berth::log::parseLevel(config.logLevel);
  berth::log::init(config.debug ? spdlog::level::debug : *level);

  berth::daemon::Daemon daemon(config);
  auto st = daemon.start();
  if (!st.ok()) {
    spdlog::critical("failed to start daemon: {}", st.error().message());
    return 1;
  }
  daemon.run();
  return 0;
}
