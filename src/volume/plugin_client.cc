#include "volume/plugin_client.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "common/strings.h"
#include "runtime/fs_util.h"

namespace berth::volume {
namespace {

using Clock = std::chrono::steady_clock;

// strerror, thread-safe (GNU strerror_r).
std::string errText(int err) {
  char buf[256] = {};
  return ::strerror_r(err, buf, sizeof(buf));
}

// dir/name<suffix>, without temporaries.
std::string pathIn(const std::string& dir, const std::string& name, std::string_view suffix) {
  std::string p = dir;
  p.append("/").append(name).append(suffix);
  return p;
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

int remainingMs(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

// Waits for `events` on fd until the deadline; false on time-out.
bool waitFor(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    pollfd p{fd, events, 0};
    int n = ::poll(&p, 1, remainingMs(deadline));
    if (n > 0) {
      return true;
    }
    if (n == 0 || errno != EINTR) {
      return false;
    }
  }
}

Result<int> connectTo(const PluginAddress& a, Clock::time_point deadline) {
  if (!a.unixPath.empty()) {
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    if (a.unixPath.size() >= sizeof(sa.sun_path)) {
      return invalidArgument("plugin socket path too long: " + a.unixPath);
    }
    std::memcpy(sa.sun_path, a.unixPath.c_str(), a.unixPath.size() + 1);
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
      return internal(std::string("socket: ") + errText(errno));
    }
    if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0 && errno != EINPROGRESS &&
        errno != EAGAIN) {
      int err = errno;
      ::close(fd);
      return unavailable("dial unix " + a.unixPath + ": connect: " + errText(err));
    }
    return fd;
  }
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (::getaddrinfo(a.host.c_str(), std::to_string(a.port).c_str(), &hints, &res) != 0 ||
      res == nullptr) {
    return unavailable("dial tcp " + a.host + ": cannot resolve");
  }
  int fd = ::socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  int rc = fd < 0 ? -1 : ::connect(fd, res->ai_addr, res->ai_addrlen);
  int err = errno;
  ::freeaddrinfo(res);
  if (fd < 0) {
    return internal(std::string("socket: ") + errText(err));
  }
  if (rc != 0 && err != EINPROGRESS) {
    ::close(fd);
    return unavailable("dial tcp " + a.host + ":" + std::to_string(a.port) +
                       ": connect: " + errText(err));
  }
  if (!waitFor(fd, POLLOUT, deadline)) {
    ::close(fd);
    return unavailable("dial tcp " + a.host + ": i/o timeout");
  }
  int soErr = 0;
  socklen_t len = sizeof(soErr);
  ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &soErr, &len);
  if (soErr != 0) {
    ::close(fd);
    return unavailable("dial tcp " + a.host + ": connect: " + errText(soErr));
  }
  return fd;
}

// Decodes a chunked body; the input is the whole rest of the stream.
Result<std::string> dechunk(const std::string& in) {
  std::string out;
  size_t pos = 0;
  for (;;) {
    size_t eol = in.find("\r\n", pos);
    if (eol == std::string::npos) {
      return internal("truncated chunked reply");
    }
    size_t size = std::strtoul(in.substr(pos, eol - pos).c_str(), nullptr, 16);
    pos = eol + 2;
    if (size == 0) {
      return out;
    }
    if (pos + size > in.size()) {
      return internal("truncated chunked reply");
    }
    out.append(in, pos, size);
    pos += size + 2;
  }
}

}  // namespace

PluginClient::PluginClient(PluginAddress addr, std::chrono::milliseconds timeout)
    : addr_(std::move(addr)), timeout_(timeout) {}

Result<nlohmann::json> PluginClient::call(const std::string& method,
                                          const nlohmann::json& body) const {
  const auto deadline = Clock::now() + timeout_;
  const std::string what = "Post \"http://plugin/" + method + "\"";
  BERTH_ASSIGN_OR_RETURN(int rawFd, connectTo(addr_, deadline));
  Fd fd(rawFd);
  std::string payload = body.is_null() ? std::string("{}") : body.dump();
  std::string req = "POST /" + method +
                    " HTTP/1.1\r\nHost: plugin\r\nUser-Agent: berth\r\n"
                    "Accept: application/vnd.docker.plugins.v1.2+json\r\n"
                    "Content-Type: application/vnd.docker.plugins.v1.2+json\r\n"
                    "Connection: close\r\nContent-Length: " +
                    std::to_string(payload.size()) + "\r\n\r\n" + payload;
  size_t sent = 0;
  while (sent < req.size()) {
    if (!waitFor(fd.get(), POLLOUT, deadline)) {
      return unavailable(what + ": timeout after " + std::to_string(timeout_.count()) + "ms");
    }
    ssize_t n = ::send(fd.get(), req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN && errno != EINTR) {
      return unavailable(what + ": " + errText(errno));
    }
    sent += n > 0 ? static_cast<size_t>(n) : 0;
  }
  std::string in;
  char buf[8192];
  for (;;) {
    if (!waitFor(fd.get(), POLLIN, deadline)) {
      return unavailable(what + ": timeout after " + std::to_string(timeout_.count()) +
                         "ms waiting for the plugin's answer");
    }
    ssize_t n = ::recv(fd.get(), buf, sizeof(buf), 0);
    if (n == 0) {
      break;
    }
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) {
        continue;
      }
      return unavailable(what + ": " + errText(errno));
    }
    in.append(buf, static_cast<size_t>(n));
    if (in.size() > (16U << 20U)) {
      return internal(what + ": reply too large");
    }
  }
  size_t headEnd = in.find("\r\n\r\n");
  if (in.compare(0, 5, "HTTP/") != 0 || headEnd == std::string::npos) {
    return internal(what + ": malformed HTTP reply");
  }
  int status = std::atoi(in.substr(in.find(' ') + 1, 3).c_str());
  std::string head = toLower(in.substr(0, headEnd));
  std::string rest = in.substr(headEnd + 4);
  if (head.find("transfer-encoding: chunked") != std::string::npos) {
    BERTH_ASSIGN_OR_RETURN(rest, dechunk(rest));
  }
  auto j = nlohmann::json::parse(rest, nullptr, false);
  if (status != 200) {
    // Plugins answer errors as {"Err": "..."} with a non-200 status.
    std::string msg = j.is_object() ? j.value("Err", std::string()) : std::string();
    if (msg.empty()) {
      msg = std::string(trim(rest));
    }
    return internal(method + ": " + (msg.empty() ? "status " + std::to_string(status) : msg));
  }
  if (j.is_discarded()) {
    return internal(what + ": the plugin's answer is not JSON");
  }
  return j;
}

PluginDirs pluginDirsFromEnv() {
  PluginDirs dirs;
  // NOLINTNEXTLINE(concurrency-mt-unsafe): read once at start-up, before threads
  if (const char* s = std::getenv("BERTH_PLUGIN_SOCKET_DIRS"); s != nullptr && *s != '\0') {
    dirs.socketDirs = split(s, ':');
  }
  // NOLINTNEXTLINE(concurrency-mt-unsafe): likewise
  if (const char* s = std::getenv("BERTH_PLUGIN_SPEC_DIRS"); s != nullptr && *s != '\0') {
    dirs.specDirs = split(s, ':');
  }
  return dirs;
}

std::chrono::milliseconds pluginTimeoutFromEnv() {
  // NOLINTNEXTLINE(concurrency-mt-unsafe): read once at start-up, before threads
  if (const char* s = std::getenv("BERTH_PLUGIN_TIMEOUT_MS"); s != nullptr) {
    long ms = std::strtol(s, nullptr, 10);
    if (ms > 0) {
      return std::chrono::milliseconds(ms);
    }
  }
  return std::chrono::seconds(30);
}

Result<PluginAddress> parsePluginAddress(const std::string& raw) {
  std::string text(trim(raw));
  PluginAddress a;
  a.text = text;
  if (startsWith(text, "unix://")) {
    a.unixPath = text.substr(7);
    if (a.unixPath.empty() || a.unixPath[0] != '/') {
      return invalidArgument("invalid plugin address: " + text);
    }
    return a;
  }
  if (startsWith(text, "tcp://") || startsWith(text, "http://")) {
    std::string hostPort = text.substr(text.find("//") + 2);
    hostPort = hostPort.substr(0, hostPort.find('/'));
    size_t colon = hostPort.rfind(':');
    if (colon == std::string::npos || colon == 0) {
      return invalidArgument("invalid plugin address: " + text);
    }
    a.host = hostPort.substr(0, colon);
    if (a.host.size() > 2 && a.host.front() == '[') {
      a.host = a.host.substr(1, a.host.size() - 2);
    }
    a.port = std::atoi(hostPort.substr(colon + 1).c_str());
    if (a.port <= 0 || a.port > 65535) {
      return invalidArgument("invalid plugin address: " + text);
    }
    return a;
  }
  return invalidArgument("invalid plugin address: " + text + ": unix:// or tcp:// expected");
}

Result<PluginAddress> findPlugin(const PluginDirs& dirs, const std::string& name) {
  if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..") {
    return invalidArgument("invalid plugin name: " + name);
  }
  for (const std::string& d : dirs.socketDirs) {
    for (const std::string& p :
         {pathIn(d, name, ".sock"), pathIn(pathIn(d, name, ""), name, ".sock")}) {
      if (::access(p.c_str(), F_OK) == 0) {
        PluginAddress a;
        a.unixPath = p;
        a.text = "unix://" + p;
        return a;
      }
    }
  }
  for (const std::string& d : dirs.specDirs) {
    std::string spec = pathIn(d, name, ".spec");
    if (::access(spec.c_str(), F_OK) == 0) {
      BERTH_ASSIGN_OR_RETURN(std::string text, readFile(spec));
      return parsePluginAddress(text);
    }
    std::string js = pathIn(d, name, ".json");
    if (::access(js.c_str(), F_OK) == 0) {
      BERTH_ASSIGN_OR_RETURN(std::string text, readFile(js));
      auto j = nlohmann::json::parse(text, nullptr, false);
      if (!j.is_object() || !j.contains("Addr") || !j["Addr"].is_string()) {
        return invalidArgument("invalid plugin spec " + js + ": no Addr");
      }
      return parsePluginAddress(j["Addr"].get<std::string>());
    }
  }
  return notFound("error looking up volume plugin " + name + ": plugin \"" + name +
                  "\" not found");
}

}  // namespace berth::volume
