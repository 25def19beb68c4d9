// Parsers for docker's option strings ("512m", "1.5", "SIGTERM", "on-failure:3",
// "user:group", "size=64m,mode=1777"). The API layer calls them to reject bad
// input before anything is created; below it, runtime/ takes only the typed
// values they return. Messages follow docker's wording where it has one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace berth {

// docker's RAMInBytes: a decimal number with an optional binary unit
// b, k, m, g, t, p (any case, optionally followed by "b" or "ib"): "512m",
// "1.5g", "1024", "64 MiB". invalid-argument "invalid size: '...'" otherwise.
Result<int64_t> parseMemoryBytes(std::string_view s);

// dockerd's lower bound for --memory.
constexpr int64_t kMinMemoryBytes = int64_t{6} << 20;
// "Minimum memory limit allowed is 6MB" below kMinMemoryBytes; 0 (no limit) is fine.
Status validateMemoryLimit(int64_t bytes);

// --cpus: a decimal number of CPUs, exact to the nanosecond of CPU time:
// "1.5" → 1500000000. Rejects negatives, more than 9 decimals, garbage.
Result<int64_t> parseNanoCpus(std::string_view s);
// dockerd's range check: 0 (no limit), or 0.01 .. hostCpus CPUs.
Status validateNanoCpus(int64_t nanoCpus, int hostCpus);

// A capability name with or without the CAP_ prefix, any case: "net_admin",
// "CAP_NET_ADMIN" → "CAP_NET_ADMIN"; "all" → "ALL". Unknown names are
// invalid-argument `unknown capability: "CAP_FOO"`.
Result<std::string> parseCapability(std::string_view s);

// A signal by number ("15") or name with or without SIG ("SIGTERM", "term",
// "RTMIN+3"). "Invalid signal: ..." otherwise; 0 is invalid too.
Result<int> parseSignal(std::string_view s);
// "SIGTERM" for 15, "SIGRTMIN+3" for 37; "" for numbers with no name.
std::string signalName(int signal);

enum class RestartMode { kNo, kAlways, kUnlessStopped, kOnFailure };
struct RestartPolicy {
  RestartMode mode = RestartMode::kNo;
  int maximumRetryCount = 0;  // only with kOnFailure
};
// "no", "always", "unless-stopped", "on-failure", "on-failure:N"; "" is "no".
Result<RestartPolicy> parseRestartPolicy(std::string_view s);
// The API's HostConfig.RestartPolicy {Name, MaximumRetryCount}, checked with
// dockerd's rules and messages.
Result<RestartPolicy> restartPolicyFrom(std::string_view name, int maximumRetryCount);
// "no", "always", "unless-stopped", "on-failure", as the API spells them.
std::string_view restartModeName(RestartMode mode);

// -u / --user: "name|uid[:group|gid]", kept as given (names are resolved
// against the container's /etc/passwd and /etc/group when it starts).
struct UserSpec {
  std::string user;   // "" = the image's default, i.e. root
  std::string group;  // "" = the user's primary group
};
Result<UserSpec> parseUser(std::string_view s);

// --tmpfs options (after the ':'), with docker's defaults noexec, nosuid,
// nodev that the options may override ("exec").
struct TmpfsOptions {
  std::optional<int64_t> sizeBytes;
  std::optional<uint32_t> mode;  // octal in the option string
  std::optional<uint32_t> uid;
  std::optional<uint32_t> gid;
  std::optional<int64_t> nrInodes;
  bool readOnly = false;
  bool noexec = true;
  bool nosuid = true;
  bool nodev = true;
};
// "size=64m,mode=1777,exec" → TmpfsOptions; "" gives the defaults. Unknown
// or malformed options are invalid-argument naming the option.
Result<TmpfsOptions> parseTmpfsOptions(std::string_view s);

// A path inside the container (mount destination, working directory):
// absolute, cleaned lexically like Go's filepath.Clean ("/a/./b/../c" → "/a/c").
Result<std::string> parseContainerPath(std::string_view s);

}  // namespace berth
