// The unit every log driver writes and every reader returns: one line (or a
// piece of a long line) of a container's stdout or stderr with its time.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace berth {

// The numbers are docker's stdcopy stream ids, so a stream is its own frame tag.
enum class LogStream : uint8_t { kStdout = 1, kStderr = 2 };

// "stdout" or "stderr", as docker's log formats spell them.
std::string_view logStreamName(LogStream stream);

// What a writer gets. `line` keeps its trailing '\n'; a line without one is a
// partial line (a piece of a line longer than 16 KiB, or output that ended
// without a newline), as dockerd's copier produces them.
struct LogMessage {
  LogStream stream = LogStream::kStdout;
  int64_t timeNano = 0;  // Unix time in nanoseconds (UTC)
  std::string_view line;
};

// What a reader returns: the same, owning its bytes, with the driver's extra
// attributes (labels/env/tag picked for json-file; empty for local).
struct LogEntry {
  LogStream stream = LogStream::kStdout;
  int64_t timeNano = 0;
  std::string line;
  std::map<std::string, std::string> attrs;
};

inline bool isPartialLine(std::string_view line) { return line.empty() || line.back() != '\n'; }

}  // namespace berth
