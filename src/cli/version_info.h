// Facts about this berth binary, shown by `berth -v` and `berth version`.
#pragma once

#include <string>

namespace berth::cli {

struct ClientBuildInfo {
  std::string version;     // "0.1.0"
  std::string gitCommit;   // short hash, or "unknown"
  std::string buildTime;   // RFC 3339, or "" when not recorded
  std::string cppVersion;  // "C++20 (gcc 12.2.0)": the counterpart of docker's "Go version"
  std::string os;          // "linux"
  std::string arch;        // Go's spelling: "amd64", "arm64"
};

const ClientBuildInfo& clientBuildInfo();

}  // namespace berth::cli
