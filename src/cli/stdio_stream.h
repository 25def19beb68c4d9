// Moving a terminal's bytes over a hijacked daemon connection, as docker's
// hijackedIOStreamer does for run, start -a, attach and exec: the container's
// output demultiplexed from stdcopy frames (raw with a tty), our stdin copied
// in (raw terminal mode with a tty, detach keys recognised).
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>

#include "cli/api_client.h"
#include "common/result.h"

namespace berth::cli {

// The stream byte of a stdcopy frame header.
enum class StdStream : uint8_t { kStdin = 0, kStdout = 1, kStderr = 2, kSystemErr = 3 };

// Splits docker's stdcopy framing — [stream, 0, 0, 0, size u32 big-endian]
// then `size` payload bytes — into payloads, whatever the chunk boundaries.
class StdcopyDemuxer {
 public:
  // Gets each payload piece in order (a frame may arrive as several pieces).
  using Sink = std::function<Status(StdStream stream, std::string_view payload)>;
  explicit StdcopyDemuxer(Sink sink) : sink_(std::move(sink)) {}

  // Errors: a frame of stream 3 (the daemon's own error, as stdcopy reports it:
  // "error from daemon in stream: <text>"), an unknown stream byte
  // ("Unrecognized input header: N"), or whatever the sink returns.
  Status feed(std::string_view chunk);
  // True while a header or payload is only partly in.
  bool midFrame() const { return !header_.empty() || remaining_ > 0; }

 private:
  Sink sink_;
  std::string header_;    // bytes of an incomplete header
  uint32_t remaining_ = 0;  // payload bytes still expected for the current frame
  StdStream current_ = StdStream::kStdout;
  std::string systemErr_;  // a stream-3 payload being collected
};

// term.ToBytes: "ctrl-p,ctrl-q" -> "\x10\x11"; single characters stand for themselves.
// Error: "Unknown character: 'ctrl-1'".
Result<std::string> parseDetachKeys(std::string_view keys);
inline constexpr std::string_view kDefaultDetachKeys = "ctrl-p,ctrl-q";

// Recognises the detach sequence in typed input (term.NewEscapeProxy): bytes that
// might start the sequence are held back and passed on once they turn out not to.
class EscapeDetector {
 public:
  explicit EscapeDetector(std::string keys) : keys_(std::move(keys)) {}
  // Appends the bytes to pass on to `forward`; true once the whole sequence was typed.
  bool feed(std::string_view input, std::string& forward);

 private:
  std::string keys_;
  size_t matched_ = 0;
};

struct StreamOptions {
  int inFd = -1;                // our stdin, or -1 when stdin is not attached
  std::ostream* out = nullptr;  // container stdout (and stderr with a tty); null: not attached
  std::ostream* err = nullptr;  // container stderr
  bool tty = false;             // raw output; raw terminal mode for inFd when it is one
  std::string detachKeys;       // the parsed sequence; recognised only with a tty
};

enum class StreamEnd {
  kOutputDone,  // the daemon ended the stream (the process exited or detached us)
  kDetached,    // the user typed the detach keys
};

// Everything `fd` has until EOF (stdin for import, load, cp -).
Result<std::string> readAll(int fd);

// Runs until the output ends (our stdin reaching EOF half-closes the connection
// and keeps reading) or the detach keys are typed. The terminal is restored
// before it returns, on every path.
Result<StreamEnd> streamHijacked(HijackedConn& conn, const StreamOptions& options);

}  // namespace berth::cli
