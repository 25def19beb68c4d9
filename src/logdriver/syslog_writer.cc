#include "logdriver/syslog_writer.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "kernel/unique_fd.h"
#include "logdriver/file_log_writers.h"

namespace berth {
namespace {

constexpr int kSeverityErr = 3;
constexpr int kSeverityInfo = 6;

Result<UniqueFd> dialUnix(const std::string& path, int type) {
  struct sockaddr_un addr {};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) {
    return invalidArgument("syslog socket path too long: " + path);
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  UniqueFd fd(::socket(AF_UNIX, type | SOCK_CLOEXEC, 0));
  if (!fd) {
    return systemError("socket", errno);
  }
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    return systemError("dial " + path, errno);
  }
  return fd;
}

// Names are resolved by getent(1) rather than getaddrinfo(3): berth-shim is a
// static binary, and glibc's NSS modules cannot be used from one. Rare (numeric
// addresses skip this), so the extra process does not matter.
Result<std::string> resolveWithGetent(const std::string& host) {
  if (host.empty() || host[0] == '-') {
    return invalidArgument("syslog: bad host name \"" + host + "\"");
  }
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    return systemError("pipe2", errno);
  }
  UniqueFd readEnd(fds[0]);
  UniqueFd writeEnd(fds[1]);
  posix_spawn_file_actions_t actions;
  ::posix_spawn_file_actions_init(&actions);
  ::posix_spawn_file_actions_adddup2(&actions, writeEnd.get(), 1);
  std::string name = host;
  char arg0[] = "getent";
  char arg1[] = "ahosts";
  char* argv[] = {arg0, arg1, name.data(), nullptr};
  char* envp[] = {nullptr};
  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, "/usr/bin/getent", &actions, nullptr, argv, envp);
  ::posix_spawn_file_actions_destroy(&actions);
  writeEnd.reset();
  if (rc != 0) {
    return systemError("syslog: run getent to resolve " + host, rc);
  }
  std::string out;
  char buf[1024];
  ssize_t n;
  while ((n = ::read(readEnd.get(), buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR)) {
    if (n > 0 && out.size() < size_t{64} * 1024) {
      out.append(buf, static_cast<size_t>(n));
    }
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  // "ADDRESS  STREAM name" lines; the first address is the preferred one.
  size_t end = out.find_first_of(" \t\n");
  if (end == 0 || end == std::string::npos) {
    return unavailable("syslog: cannot resolve " + host);
  }
  return out.substr(0, end);
}

Result<UniqueFd> dialInet(const std::string& host, uint16_t port, int type) {
  // Numeric addresses skip the resolver (and its NSS modules) entirely.
  struct sockaddr_storage ss {};
  socklen_t len = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (::inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    len = sizeof(*v4);
  } else if (::inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    len = sizeof(*v6);
  } else {
    BERTH_ASSIGN_OR_RETURN(std::string addr, resolveWithGetent(host));
    if (::inet_pton(AF_INET, addr.c_str(), &v4->sin_addr) == 1) {
      v4->sin_family = AF_INET;
      v4->sin_port = htons(port);
      len = sizeof(*v4);
    } else if (::inet_pton(AF_INET6, addr.c_str(), &v6->sin6_addr) == 1) {
      v6->sin6_family = AF_INET6;
      v6->sin6_port = htons(port);
      len = sizeof(*v6);
    } else {
      return unavailable("syslog: cannot resolve " + host);
    }
  }
  UniqueFd fd(::socket(ss.ss_family, type | SOCK_CLOEXEC, 0));
  if (!fd) {
    return systemError("socket", errno);
  }
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    return systemError("dial " + host + ":" + std::to_string(port), errno);
  }
  return fd;
}

void setSendTimeout(int fd) {
  // A stuck syslog server must not stall the shim (and the container's output) forever.
  struct timeval tv {};
  tv.tv_sec = 2;
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

class SyslogWriter final : public LogWriter {
 public:
  SyslogWriter(SyslogOptions opts, std::string tag, std::string hostname)
      : opts_(std::move(opts)), tag_(std::move(tag)), hostname_(std::move(hostname)) {}

  Status connect() {
    switch (opts_.address.kind) {
      case SyslogAddress::Kind::kLocal: {
        // srslog's unixSyslog: datagram first, then stream, on the usual paths.
        Error last = unavailable("syslog is not available on this host (no /dev/log)");
        for (int type : {SOCK_DGRAM, SOCK_STREAM}) {
          for (const char* path : {"/dev/log", "/var/run/syslog", "/var/run/log"}) {
            auto fd = dialUnix(path, type);
            if (fd.ok()) {
              stream_ = type == SOCK_STREAM;
              return adopt(std::move(fd).value());
            }
            last = std::move(fd).error();
          }
        }
        return last;
      }
      case SyslogAddress::Kind::kUnixStream: {
        // unix:// names a stream socket, but most /dev/log listeners are
        // datagram ones; fall back rather than fail like srslog would.
        auto fd = dialUnix(opts_.address.path, SOCK_STREAM);
        if (fd.ok()) {
          stream_ = true;
          return adopt(std::move(fd).value());
        }
        BERTH_ASSIGN_OR_RETURN(UniqueFd dg, dialUnix(opts_.address.path, SOCK_DGRAM));
        stream_ = false;
        return adopt(std::move(dg));
      }
      case SyslogAddress::Kind::kUnixDgram: {
        BERTH_ASSIGN_OR_RETURN(UniqueFd fd, dialUnix(opts_.address.path, SOCK_DGRAM));
        stream_ = false;
        return adopt(std::move(fd));
      }
      case SyslogAddress::Kind::kUdp: {
        BERTH_ASSIGN_OR_RETURN(UniqueFd fd, dialInet(opts_.address.host, opts_.address.port, SOCK_DGRAM));
        stream_ = false;
        return adopt(std::move(fd));
      }
      case SyslogAddress::Kind::kTcp: {
        BERTH_ASSIGN_OR_RETURN(UniqueFd fd, dialInet(opts_.address.host, opts_.address.port, SOCK_STREAM));
        stream_ = true;
        return adopt(std::move(fd));
      }
    }
    return internal("syslog: unknown address kind");
  }

  Status write(const LogMessage& msg) override {
    std::string_view content = msg.line;
    if (!content.empty() && content.back() == '\n') {
      content.remove_suffix(1);
    }
    int severity = msg.stream == LogStream::kStderr ? kSeverityErr : kSeverityInfo;
    std::string text = formatSyslogMessage(opts_.format, opts_.facility * 8 + severity,
                                           msg.timeNano, hostname_, tag_, ::getpid(), content);
    Status st = send(text);
    if (st.ok()) {
      return st;
    }
    // Like srslog: one re-dial and retry, then the message is lost.
    fd_.reset();
    BERTH_TRY(connect());
    return send(text);
  }

 private:
  Status adopt(UniqueFd fd) {
    setSendTimeout(fd.get());
    fd_ = std::move(fd);
    return okStatus();
  }

  Status send(const std::string& text) {
    if (!fd_) {
      return unavailable("syslog: not connected");
    }
    size_t done = 0;
    while (done < text.size()) {
      ssize_t n = ::send(fd_.get(), text.data() + done, text.size() - done, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) {
          continue;
        }
        return systemError("syslog: send", errno);
      }
      if (!stream_) {
        break;  // a datagram goes whole or not at all
      }
      done += static_cast<size_t>(n);
    }
    return okStatus();
  }

  SyslogOptions opts_;
  std::string tag_;
  std::string hostname_;
  UniqueFd fd_;
  bool stream_ = false;
};

std::string localTime(int64_t unixNano, const char* fmt) {
  time_t secs = static_cast<time_t>(unixNano / 1'000'000'000);
  struct tm tm {};
  ::localtime_r(&secs, &tm);
  char buf[64];
  (void)::strftime(buf, sizeof(buf), fmt, &tm);
  return buf;
}

// Go's "Z07:00": "Z" for UTC, else "+hh:mm".
std::string zoneSuffix(int64_t unixNano) {
  time_t secs = static_cast<time_t>(unixNano / 1'000'000'000);
  struct tm tm {};
  ::localtime_r(&secs, &tm);
  long off = tm.tm_gmtoff;
  if (off == 0) {
    return "Z";
  }
  char buf[48];
  char sign = off < 0 ? '-' : '+';
  off = off < 0 ? -off : off;
  (void)std::snprintf(buf, sizeof(buf), "%c%02ld:%02ld", sign, (off / 3600) % 100, (off / 60) % 60);
  return buf;
}

}  // namespace

std::string formatSyslogMessage(SyslogFormat format, int priority, int64_t unixNano,
                                std::string_view hostname, std::string_view tag, int pid,
                                std::string_view content) {
  std::string out = "<" + std::to_string(priority) + ">";
  if (format == SyslogFormat::kUnix || format == SyslogFormat::kRfc3164) {
    std::string stamp = localTime(unixNano, "%b %e %H:%M:%S");  // Go's time.Stamp
    out += stamp;
    out += ' ';
    if (format == SyslogFormat::kRfc3164) {
      out += hostname;
      out += ' ';
    }
    out += tag;
    out += "[" + std::to_string(pid) + "]: ";
  } else {
    std::string stamp = localTime(unixNano, "%Y-%m-%dT%H:%M:%S");
    if (format == SyslogFormat::kRfc5424Micro) {
      char frac[16];
      (void)std::snprintf(frac, sizeof(frac), ".%06lld",
                    static_cast<long long>((unixNano % 1'000'000'000) / 1000));
      stamp += frac;
    }
    stamp += zoneSuffix(unixNano);
    out += "1 " + stamp + " ";
    out += hostname;
    out += ' ';
    out += tag;
    out += ' ' + std::to_string(pid) + ' ';
    out += tag;
    out += " - ";
  }
  out += content;
  out += '\n';
  return out;
}

Result<std::unique_ptr<LogWriter>> openSyslogWriter(const LogWriterConfig& config) {
  BERTH_ASSIGN_OR_RETURN(SyslogOptions opts, parseSyslogOptions(config.opts));
  BERTH_ASSIGN_OR_RETURN(std::string tag, renderLogTag(opts.tagTemplate, config.context));
  char host[256] = {};
  ::gethostname(host, sizeof(host) - 1);
  auto writer = std::make_unique<SyslogWriter>(std::move(opts), std::move(tag), host);
  Status st = writer->connect();
  if (!st.ok()) {
    return Unexpected(std::move(st).error().withContext("failed to initialize logging driver"));
  }
  return std::unique_ptr<LogWriter>(std::move(writer));
}

}  // namespace berth
