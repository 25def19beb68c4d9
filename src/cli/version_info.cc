// Kept apart so that only this file sees the build-time definitions and a new
// commit or build time recompiles nothing else.
#include "cli/version_info.h"

#include <fmt/format.h>

#ifndef BERTH_GIT_COMMIT
#define BERTH_GIT_COMMIT "unknown"
#endif
#ifndef BERTH_BUILD_TIME
#define BERTH_BUILD_TIME ""
#endif

namespace berth::cli {

namespace {

std::string compilerName() {
#if defined(__clang__)
  return fmt::format("clang {}.{}.{}", __clang_major__, __clang_minor__, __clang_patchlevel__);
#elif defined(__GNUC__)
  return fmt::format("gcc {}.{}.{}", __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__);
#else
  return "unknown compiler";
#endif
}

std::string goArch() {
#if defined(__x86_64__)
  return "amd64";
#elif defined(__aarch64__)
  return "arm64";
#elif defined(__i386__)
  return "386";
#elif defined(__arm__)
  return "arm";
#else
  return "unknown";
#endif
}

}  // namespace

const ClientBuildInfo& clientBuildInfo() {
  static const ClientBuildInfo info{
      BERTH_VERSION,    BERTH_GIT_COMMIT,
      BERTH_BUILD_TIME, fmt::format("C++{} ({})", __cplusplus / 100 % 100, compilerName()),
      "linux",          goArch(),
  };
  return info;
}

}  // namespace berth::cli
