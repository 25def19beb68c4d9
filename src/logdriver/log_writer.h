// The writing side of the log drivers, used by berth-shim: one LogWriter per
// container, fed one message at a time from a single thread.
#pragma once

#include <memory>
#include <string>

#include "common/result.h"
#include "logdriver/log_entry.h"
#include "logdriver/log_options.h"

namespace berth {

class LogWriter {
 public:
  virtual ~LogWriter() = default;
  // Writes one message. An error means this message was lost; the writer stays
  // usable (a syslog connection is re-dialed on the next message).
  virtual Status write(const LogMessage& msg) = 0;
};

struct LogWriterConfig {
  std::string driver = "json-file";
  LogOptions opts;
  std::string path;  // json-file and local: the live log file
  LogContext context;
  std::string journaldSocket = std::string(kJournaldSocket);
};

// Validates the configuration and opens the driver: creates the log file
// (json-file, local), dials the syslog address, checks journald's socket.
// "none" gives a writer that drops everything.
Result<std::unique_ptr<LogWriter>> openLogWriter(const LogWriterConfig& config);

}  // namespace berth
