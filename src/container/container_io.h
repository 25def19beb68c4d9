// The byte-stream side of the container service: attach and exec sessions on a
// hijacked connection, logs, and the archive (cp) types.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>

#include "common/result.h"
#include "logdriver/log_reader.h"

namespace berth::container {

// The client's end of a hijacked HTTP connection. A reader thread and a writer
// thread may use it at once.
class ClientStream {
 public:
  virtual ~ClientStream() = default;
  // Up to n bytes; 0 at the end of the client's input.
  virtual Result<size_t> read(char* buf, size_t n) = 0;
  virtual Status write(std::string_view data) = 0;
  // Tells the client that the output has ended.
  virtual void closeWrite() = 0;
};

struct AttachOptions {
  bool stream = false;
  bool attachStdin = false;  // (stdin/stdout/stderr are macros of <cstdio>)
  bool attachStdout = false;
  bool attachStderr = false;
  bool logs = false;
  std::string detachKeys;  // "ctrl-p,ctrl-q" form; "" = docker's default
};

// One attach (or attached exec start), run on the hijacked connection's thread.
class AttachSession {
 public:
  virtual ~AttachSession() = default;
  // Whether the output is raw (a terminal) or stdcopy-framed.
  virtual bool tty() const = 0;
  // Splices the client and the process until the output ends.
  virtual void run(std::shared_ptr<ClientStream> client) = 0;
};

struct ExecStartOptions {
  bool detach = false;
  bool tty = false;
  std::optional<std::pair<int, int>> consoleSize;  // (height, width)
};

struct LogsOptions {
  bool showStdout = false;
  bool showStderr = false;
  bool follow = false;
  bool timestamps = false;
  bool details = false;
  int64_t sinceNano = 0;
  int64_t untilNano = 0;
  int tail = -1;  // -1: all
};

// What `logs` reads, decided (and checked) before the reply starts.
struct LogsPlan {
  bool tty = false;
  LogSource source;
  LogReadOptions read;
};

// docker's container path stat (the X-Docker-Container-Path-Stat header).
struct PathStat {
  std::string name;
  int64_t size = 0;
  uint32_t mode = 0;  // Go's os.FileMode bits
  int64_t mtimeNano = 0;
  std::string linkTarget;
};
nlohmann::json pathStatJson(const PathStat& st);

struct ExtractOptions {
  bool noOverwriteDirNonDir = false;
  bool copyUidGid = false;
};

// An attach that waits for the container to start (docker run attaches
// before it starts the container). The service hands it the shim's state dir.
struct PendingAttach {
  enum class Phase { kWaiting, kReady, kConnected, kFailed };
  std::mutex mu;
  std::condition_variable cv;
  Phase phase = Phase::kWaiting;
  std::string stateDir;
  std::string error;
};

}  // namespace berth::container
