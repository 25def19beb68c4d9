// The reading side of json-file and local, used by berthd for `logs`.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "common/result.h"
#include "logdriver/log_entry.h"

namespace berth {

struct LogSource {
  std::string driver;  // the container's log driver
  std::string path;    // its live log file (rotated ones are path.1, path.2, ...)
  // Follow only. Polled about every 100 ms: true ends the read at once.
  std::function<bool()> stopRequested;
  // Follow only. True once the writer (the container's shim) is gone: the rest
  // of the file is read and then the read ends.
  std::function<bool()> producerGone;
};

struct LogReadOptions {
  bool showStdout = true;
  bool showStderr = true;
  bool follow = false;
  bool timestamps = false;  // used by formatLogLine
  bool details = false;     // used by formatLogLine
  int64_t sinceNano = 0;    // 0: from the start; else entries at or after it
  int64_t untilNano = 0;    // 0: no end; else entries up to it (and follow stops then)
  int tail = -1;            // -1: all; else the last N entries of the log (before
                            // since/until/stream selection, as dockerd counts)
};

// Calls `onEntry` for each selected entry, oldest first, across rotated files;
// `onEntry` returning false ends the read. A driver that cannot be read is
// not-implemented with dockerd's "configured logging driver does not support reading".
// Blocking: run it on a thread that may wait (follow waits on inotify).
Status readLogs(const LogSource& src, const LogReadOptions& options,
                const std::function<bool(const LogEntry&)>& onEntry);

// The bytes `docker logs` prints for an entry: with timestamps, the time in
// RFC3339NanoFixed and a space; with details, the attrs as sorted, URL-query-
// escaped "k=v" pairs joined by ',' and a space; then the line.
std::string formatLogLine(const LogEntry& entry, const LogReadOptions& options);

}  // namespace berth
