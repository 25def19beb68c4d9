#include "cli/stdio_stream.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <ostream>
#include <thread>

#include "cli/terminal.h"
#include "common/strings.h"

namespace berth::cli {

namespace {

constexpr size_t kHeaderSize = 8;
constexpr size_t kCopyBuffer = size_t{32} * 1024;

// A pipe whose write end wakes a poll() on its read end: how the stdin copier
// is told to stop while it waits for the user to type.
class WakePipe {
 public:
  WakePipe() {
    if (::pipe2(fds_, O_CLOEXEC | O_NONBLOCK) != 0) {
      fds_[0] = fds_[1] = -1;
    }
  }
  ~WakePipe() {
    for (int fd : fds_) {
      if (fd >= 0) {
        ::close(fd);
      }
    }
  }
  WakePipe(const WakePipe&) = delete;
  WakePipe& operator=(const WakePipe&) = delete;
  int readFd() const { return fds_[0]; }
  void wake() {
    if (fds_[1] >= 0) {
      char c = 0;
      (void)::write(fds_[1], &c, 1);
    }
  }

 private:
  int fds_[2] = {-1, -1};
};

// Copies `inFd` to the connection until EOF (then half-closes), the detach keys,
// a failure, or a wake-up on `stop`.
void copyInput(HijackedConn& conn, const StreamOptions& options, int stopFd,
               std::atomic<bool>& detached) {
  std::optional<EscapeDetector> detector;
  if (options.tty && !options.detachKeys.empty()) {
    detector.emplace(options.detachKeys);
  }
  std::array<char, kCopyBuffer> buf{};
  std::string forward;
  while (true) {
    pollfd fds[2] = {{options.inFd, POLLIN, 0}, {stopFd, POLLIN, 0}};
    int rc = ::poll(fds, stopFd >= 0 ? 2 : 1, -1);
    if (rc < 0) {
      if (errno == EINTR) {
        continue;
      }
      return;
    }
    if ((fds[1].revents & POLLIN) != 0) {
      return;
    }
    ssize_t n = ::read(options.inFd, buf.data(), buf.size());
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
      continue;
    }
    if (n <= 0) {
      conn.closeWrite();  // the container's stdin sees EOF
      return;
    }
    std::string_view data(buf.data(), static_cast<size_t>(n));
    if (detector) {
      forward.clear();
      bool hit = detector->feed(data, forward);
      if (!forward.empty() && !conn.write(forward).ok()) {
        return;
      }
      if (hit) {
        detached = true;
        conn.close();  // ends the output side too
        return;
      }
      continue;
    }
    if (!conn.write(data).ok()) {
      return;
    }
  }
}

void writeTo(std::ostream* os, std::string_view data) {
  if (os != nullptr) {
    os->write(data.data(), static_cast<std::streamsize>(data.size()));
    os->flush();
  }
}

}  // namespace

Status StdcopyDemuxer::feed(std::string_view chunk) {
  while (!chunk.empty()) {
    if (remaining_ == 0) {
      size_t want = kHeaderSize - header_.size();
      size_t take = std::min(want, chunk.size());
      header_.append(chunk.substr(0, take));
      chunk.remove_prefix(take);
      if (header_.size() < kHeaderSize) {
        return okStatus();
      }
      auto streamByte = static_cast<uint8_t>(header_[0]);
      if (streamByte > 3) {
        return invalidArgument(fmt::format("Unrecognized input header: {}", streamByte));
      }
      current_ = static_cast<StdStream>(streamByte);
      remaining_ = (static_cast<uint32_t>(static_cast<uint8_t>(header_[4])) << 24) |
                   (static_cast<uint32_t>(static_cast<uint8_t>(header_[5])) << 16) |
                   (static_cast<uint32_t>(static_cast<uint8_t>(header_[6])) << 8) |
                   static_cast<uint32_t>(static_cast<uint8_t>(header_[7]));
      header_.clear();
      continue;
    }
    size_t take = std::min<size_t>(remaining_, chunk.size());
    std::string_view piece = chunk.substr(0, take);
    chunk.remove_prefix(take);
    remaining_ -= static_cast<uint32_t>(take);
    if (current_ == StdStream::kSystemErr) {
      systemErr_.append(piece);
      if (remaining_ == 0) {
        return internal("error from daemon in stream: " + systemErr_);
      }
      continue;
    }
    BERTH_TRY(sink_(current_, piece));
  }
  return okStatus();
}

Result<std::string> parseDetachKeys(std::string_view keys) {
  // term.ToBytes' names for the control characters 0..31.
  static constexpr std::string_view kCtrlNames[] = {
      "ctrl-@", "ctrl-a", "ctrl-b", "ctrl-c", "ctrl-d", "ctrl-e",  "ctrl-f", "ctrl-g",
      "ctrl-h", "ctrl-i", "ctrl-j", "ctrl-k", "ctrl-l", "ctrl-m",  "ctrl-n", "ctrl-o",
      "ctrl-p", "ctrl-q", "ctrl-r", "ctrl-s", "ctrl-t", "ctrl-u",  "ctrl-v", "ctrl-w",
      "ctrl-x", "ctrl-y", "ctrl-z", "ctrl-[", "ctrl-\\", "ctrl-]", "ctrl-^", "ctrl-_",
  };
  std::string out;
  for (const std::string& key : split(keys, ',')) {
    if (key.size() == 1) {
      out += key;
      continue;
    }
    std::string lower = toLower(key);
    bool found = false;
    for (size_t code = 0; code < std::size(kCtrlNames); ++code) {
      if (lower == kCtrlNames[code]) {
        out += static_cast<char>(code);
        found = true;
        break;
      }
    }
    if (!found) {
      return invalidArgument(fmt::format("Unknown character: '{}'", key));
    }
  }
  return out;
}

bool EscapeDetector::feed(std::string_view input, std::string& forward) {
  for (char c : input) {
    if (keys_.empty()) {
      forward += c;
      continue;
    }
    if (c == keys_[matched_]) {
      if (++matched_ == keys_.size()) {
        matched_ = 0;
        return true;
      }
      continue;
    }
    // Not the sequence after all: pass on what was held back, then look at `c` afresh.
    forward.append(keys_, 0, matched_);
    matched_ = 0;
    if (c == keys_[0]) {
      matched_ = keys_.size() == 1 ? 0 : 1;
      if (keys_.size() == 1) {
        return true;
      }
      continue;
    }
    forward += c;
  }
  return false;
}

Result<std::string> readAll(int fd) {
  std::string out;
  std::array<char, kCopyBuffer> buf{};
  while (true) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return systemError("read", errno);
    }
    if (n == 0) {
      return out;
    }
    out.append(buf.data(), static_cast<size_t>(n));
  }
}

Result<StreamEnd> streamHijacked(HijackedConn& conn, const StreamOptions& options) {
  std::unique_ptr<RawTerminal> raw;
  if (options.tty && options.inFd >= 0 && isTerminal(options.inFd)) {
    BERTH_ASSIGN_OR_RETURN(raw, RawTerminal::enable(options.inFd));
  }
  std::atomic<bool> detached{false};
  WakePipe stop;
  std::thread input;
  if (options.inFd >= 0) {
    input = std::thread(
        [&] { copyInput(conn, options, stop.readFd(), detached); });
  }

  std::ostream* errStream = options.tty ? options.out : options.err;
  StdcopyDemuxer demux([&](StdStream stream, std::string_view payload) {
    writeTo(stream == StdStream::kStderr ? errStream : options.out, payload);
    return okStatus();
  });
  Status outcome = okStatus();
  std::array<char, kCopyBuffer> buf{};
  while (true) {
    Result<size_t> n = conn.read(buf.data(), buf.size());
    if (!n.ok()) {
      if (!detached) {
        outcome = std::move(n).error();
      }
      break;
    }
    if (*n == 0) {
      break;
    }
    std::string_view data(buf.data(), *n);
    if (options.tty) {
      writeTo(options.out, data);
      continue;
    }
    Status st = demux.feed(data);
    if (!st.ok()) {
      outcome = st;
      break;
    }
  }
  stop.wake();
  if (input.joinable()) {
    input.join();
  }
  if (raw) {
    raw->restore();
  }
  if (detached) {
    return StreamEnd::kDetached;
  }
  if (!outcome.ok()) {
    return std::move(outcome).error();
  }
  return StreamEnd::kOutputDone;
}

}  // namespace berth::cli
