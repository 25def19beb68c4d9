// Log driver names and options (`--log-driver`, `--log-opt`): validated and
// turned into typed values at the edge, with dockerd's rules and wording.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace berth {

using LogOptions = std::map<std::string, std::string>;

inline constexpr std::string_view kJournaldSocket = "/run/systemd/journal/socket";

// Checks a driver and its options before anything is started: an unknown driver,
// an unknown option or a bad value is invalid-argument; a driver the host cannot
// serve (journald without its socket, syslog without /dev/log) is unavailable.
Status validateLogConfig(std::string_view driver, const LogOptions& opts);
// The same, with journald's socket at `journaldSocket` (tests).
Status validateLogConfig(std::string_view driver, const LogOptions& opts,
                         const std::string& journaldSocket);

// True for the drivers `logs` can read back (json-file, local).
bool logDriverSupportsReading(std::string_view driver);

// go-units' FromHumanSize, as dockerd parses max-size: decimal units,
// "10m" = "10MB" = 10'000'000; "1.5k" = 1500.
Result<int64_t> parseHumanSize(std::string_view text);

// json-file and local: rotate once the file holds maxSize bytes (-1: never),
// keeping maxFile files in all (the live one included).
struct FileLogOptions {
  int64_t maxSize = -1;
  int maxFile = 1;
};
Result<FileLogOptions> parseJsonFileOptions(const LogOptions& opts);
Result<FileLogOptions> parseLocalOptions(const LogOptions& opts);  // defaults 20 MiB x 5

struct SyslogAddress {
  enum class Kind { kLocal, kUnixStream, kUnixDgram, kUdp, kTcp };
  Kind kind = Kind::kLocal;  // kLocal: the host's /dev/log (or /var/run/syslog, /var/run/log)
  std::string path;          // unix sockets
  std::string host;          // udp, tcp
  uint16_t port = 514;
};

enum class SyslogFormat { kUnix, kRfc3164, kRfc5424, kRfc5424Micro };

struct SyslogOptions {
  SyslogAddress address;
  SyslogFormat format = SyslogFormat::kUnix;
  int facility = 3;                  // LOG_DAEMON
  std::string tagTemplate = "{{.ID}}";
};
Result<SyslogOptions> parseSyslogOptions(const LogOptions& opts);

struct JournaldOptions {
  std::string tagTemplate = "{{.ID}}";
};
Result<JournaldOptions> parseJournaldOptions(const LogOptions& opts);

// What a container tells its log driver about itself (dockerd's logger.Info).
struct LogContext {
  std::string containerId;    // the full id
  std::string containerName;  // without a leading '/'
  std::string imageId;
  std::string imageName;
  std::string daemonName = "docker";
  std::map<std::string, std::string> attrs;  // from logAttributes()
};

// Renders a `tag` option: the Go-template fields {{.ID}} (12 digits), {{.FullID}},
// {{.Name}}, {{.ImageID}}, {{.ImageFullID}}, {{.ImageName}}, {{.DaemonName}};
// anything else in braces is invalid-argument.
Result<std::string> renderLogTag(std::string_view tmpl, const LogContext& ctx);

// The extra attributes dockerd records with each entry (json-file "attrs",
// journald fields): the labels named by `labels` (comma list) or matching
// `labels-regex`, and the environment variables named by `env` / matching
// `env-regex`. `env` holds "K=V" strings as in a container's Config.Env.
Result<std::map<std::string, std::string>> logAttributes(
    const LogOptions& opts, const std::map<std::string, std::string>& labels,
    const std::vector<std::string>& env);

}  // namespace berth
