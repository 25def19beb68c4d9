#include "logdriver/log_reader.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <optional>
#include <vector>

#include "common/time_format.h"
#include "kernel/unique_fd.h"
#include "logdriver/log_codec.h"
#include "logdriver/log_options.h"
#include "logdriver/rotating_file.h"

namespace berth {
namespace {

constexpr size_t kReadChunk = size_t{64} * 1024;
constexpr int kPollMillis = 100;

// Applies stream selection and since/until to decoded entries, in order.
class Emitter {
 public:
  Emitter(const LogReadOptions& o, const std::function<bool(const LogEntry&)>& onEntry)
      : o_(o), onEntry_(onEntry) {}

  // False once the read must end (until passed, or the caller said stop).
  bool emit(const LogEntry& e) {
    if (done_) {
      return false;
    }
    if (o_.sinceNano != 0 && e.timeNano < o_.sinceNano) {
      return true;
    }
    if (o_.untilNano != 0 && e.timeNano > o_.untilNano) {
      done_ = true;
      return false;
    }
    if ((e.stream == LogStream::kStdout && !o_.showStdout) ||
        (e.stream == LogStream::kStderr && !o_.showStderr)) {
      return true;
    }
    if (!onEntry_(e)) {
      done_ = true;
      return false;
    }
    return true;
  }
  bool done() const { return done_; }

 private:
  const LogReadOptions& o_;
  const std::function<bool(const LogEntry&)>& onEntry_;
  bool done_ = false;
};

// One open log file being read forward from `offset`.
struct Cursor {
  UniqueFd fd;
  int64_t offset = 0;
  std::string pending;  // bytes of a record not yet complete
  ino_t inode = 0;
};

Result<Cursor> openCursor(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return systemError("open log file " + path, errno);
  }
  Cursor c;
  c.fd.reset(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    return systemError("stat log file " + path, errno);
  }
  c.inode = st.st_ino;
  return c;
}

// Reads `c` to its current end, emitting every complete record.
Status drain(Cursor& c, LogCodec& codec, Emitter& emitter) {
  std::vector<LogEntry> entries;
  char buf[kReadChunk];
  while (!emitter.done()) {
    ssize_t n = ::pread(c.fd.get(), buf, sizeof(buf), c.offset);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return systemError("read log file", errno);
    }
    if (n == 0) {
      break;
    }
    c.offset += n;
    c.pending.append(buf, static_cast<size_t>(n));
    entries.clear();
    size_t used = codec.decode(c.pending, entries);
    c.pending.erase(0, used);
    for (const LogEntry& e : entries) {
      if (!emitter.emit(e)) {
        break;
      }
    }
  }
  return okStatus();
}

std::string dirOf(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) {
    return ".";
  }
  return slash == 0 ? "/" : path.substr(0, slash);
}

class Follower {
 public:
  Follower(const LogSource& src, const LogReadOptions& o, LogCodec& codec, Emitter& emitter)
      : src_(src), o_(o), codec_(codec), emitter_(emitter) {}

  Status run(std::optional<Cursor> current) {
    cur_ = std::move(current);
    inotify_.reset(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
    if (!inotify_) {
      return systemError("inotify_init1", errno);
    }
    // The directory's events cover writes to, renames of and creation of the file.
    if (::inotify_add_watch(inotify_.get(), dirOf(src_.path).c_str(),
                            IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE |
                                IN_CLOSE_WRITE | IN_ATTRIB) < 0) {
      return systemError("watch " + dirOf(src_.path), errno);
    }
    while (true) {
      // Sampled before the drain: once the producer is gone, one more drain
      // is guaranteed to see everything it wrote.
      bool gone = src_.producerGone && src_.producerGone();
      BERTH_TRY(drainCurrent());
      if (emitter_.done() || gone) {
        return okStatus();
      }
      if (src_.stopRequested && src_.stopRequested()) {
        return okStatus();
      }
      if (o_.untilNano != 0 && nowUnixNano() > o_.untilNano) {
        return okStatus();
      }
      struct pollfd pfd {inotify_.get(), POLLIN, 0};
      int rc = ::poll(&pfd, 1, kPollMillis);
      if (rc < 0 && errno != EINTR) {
        return systemError("poll inotify", errno);
      }
      char events[4096];
      while (::read(inotify_.get(), events, sizeof(events)) > 0) {
      }
    }
  }

 private:
  // Reads the live file to its end. When the writer rotated, the file we hold
  // now sits at path.K: after draining it, continue with its successor path.K-1
  // (or path), so several quick rotations lose nothing. When the writer
  // truncated in place (max-file 1), start over.
  Status drainCurrent() {
    for (int hops = 0; hops < 64 && !emitter_.done(); ++hops) {
      if (!cur_) {
        auto c = openCursor(src_.path);
        if (!c.ok()) {
          return okStatus();  // not created yet (or mid-rotation): wait
        }
        cur_ = std::move(c).value();
      }
      struct stat st {};
      if (::fstat(cur_->fd.get(), &st) == 0 && st.st_size < cur_->offset) {
        cur_->offset = 0;
        cur_->pending.clear();
      }
      BERTH_TRY(drain(*cur_, codec_, emitter_));
      struct stat live {};
      if (::stat(src_.path.c_str(), &live) != 0 || live.st_ino == cur_->inode) {
        return okStatus();
      }
      std::string next = successorOf(cur_->inode);
      cur_.reset();
      auto c = openCursor(next);
      if (c.ok()) {
        cur_ = std::move(c).value();
      }
    }
    return okStatus();
  }

  // The file written after the one with inode `ino`: path.K-1 when it now is
  // path.K, else (it was deleted, or K is 1) the live file.
  std::string successorOf(ino_t ino) const {
    struct stat st {};
    for (int k = 1; k < 1000; ++k) {
      std::string name = src_.path + "." + std::to_string(k);
      if (::stat(name.c_str(), &st) != 0) {
        break;
      }
      if (st.st_ino == ino) {
        return k == 1 ? src_.path : src_.path + "." + std::to_string(k - 1);
      }
    }
    return src_.path;
  }

  const LogSource& src_;
  const LogReadOptions& o_;
  LogCodec& codec_;
  Emitter& emitter_;
  std::optional<Cursor> cur_;
  UniqueFd inotify_;
};

void appendQueryEscaped(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out += ch;
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
}

}  // namespace

Status readLogs(const LogSource& src, const LogReadOptions& options,
                const std::function<bool(const LogEntry&)>& onEntry) {
  std::unique_ptr<LogCodec> codec;
  if (src.driver == "json-file") {
    codec = makeJsonFileCodec();
  } else if (src.driver == "local") {
    codec = makeLocalCodec();
  } else {
    return notImplemented("configured logging driver does not support reading");
  }
  // Open every file first, newest last, so a rotation during the read cannot
  // pull a file away between listing and reading.
  std::vector<Cursor> cursors;
  std::vector<int64_t> sizes;
  bool liveIsLast = false;
  for (const std::string& name : rotatedLogFiles(src.path)) {
    auto c = openCursor(name);
    if (!c.ok()) {
      continue;  // rotated away in between
    }
    liveIsLast = name == src.path;
    struct stat st {};
    ::fstat(c->fd.get(), &st);
    sizes.push_back(st.st_size);
    cursors.push_back(std::move(c).value());
  }
  size_t first = 0;
  if (options.tail >= 0) {
    int remaining = options.tail;
    first = cursors.size();
    for (size_t i = cursors.size(); i-- > 0;) {
      if (remaining == 0) {
        break;
      }
      BERTH_ASSIGN_OR_RETURN(LogCodec::TailStart ts,
                             codec->tailStart(cursors[i].fd.get(), sizes[i], remaining));
      cursors[i].offset = ts.offset;
      remaining -= ts.found;
      first = i;
    }
    if (first == cursors.size() && !cursors.empty()) {
      // tail 0: nothing old; follow starts at the live file's end.
      cursors.back().offset = sizes.back();
      first = cursors.size() - 1;
    }
  }
  Emitter emitter(options, onEntry);
  std::optional<Cursor> live;
  for (size_t i = first; i < cursors.size() && !emitter.done(); ++i) {
    if (options.follow && liveIsLast && i + 1 == cursors.size()) {
      live = std::move(cursors[i]);  // the follower reads it
      break;
    }
    BERTH_TRY(drain(cursors[i], *codec, emitter));
  }
  if (!options.follow || emitter.done()) {
    return okStatus();
  }
  Follower follower(src, options, *codec, emitter);
  return follower.run(std::move(live));
}

std::string formatLogLine(const LogEntry& entry, const LogReadOptions& options) {
  std::string out;
  if (options.timestamps) {
    out += formatRfc3339NanoFixed(entry.timeNano);
    out += ' ';
  }
  if (options.details) {
    bool first = true;
    for (const auto& [k, v] : entry.attrs) {  // std::map: sorted like dockerd's attrsByteSlice
      if (!first) {
        out += ',';
      }
      first = false;
      appendQueryEscaped(out, k);
      out += '=';
      appendQueryEscaped(out, v);
    }
    out += ' ';
  }
  out += entry.line;
  return out;
}

}  // namespace berth
