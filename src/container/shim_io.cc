#include "container/shim_io.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "common/strings.h"

namespace berth::container {

Result<UniqueFd> connectShimSocket(const std::string& dir, const std::string& name) {
  UniqueFd dirFd(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!dirFd) {
    return systemError("open " + dir, errno);
  }
  std::string path = "/proc/self/fd/" + std::to_string(dirFd.get()) + "/" + name;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) {
    return invalidArgument("socket name too long: " + name);
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) {
    return systemError("socket", errno);
  }
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    int err = errno;
    if (err == ENOENT || err == ECONNREFUSED) {
      return notFound("connect " + dir + "/" + name + ": " + std::strerror(err));
    }
    return systemError("connect " + dir + "/" + name, err);
  }
  return fd;
}

namespace {

Status writeAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return systemError("write to shim", errno);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return okStatus();
}

}  // namespace

Status sendAttachHello(int fd, bool wantStdin, bool wantStdout, bool wantStderr) {
  nlohmann::json hello = {{"stdin", wantStdin}, {"stdout", wantStdout}, {"stderr", wantStderr}};
  return writeAll(fd, hello.dump() + "\n");
}

Status sendControl(const std::string& dir, const std::string& name, const nlohmann::json& line) {
  BERTH_ASSIGN_OR_RETURN(UniqueFd fd, connectShimSocket(dir, name));
  return writeAll(fd.get(), line.dump() + "\n");
}

Result<std::string> parseDetachKeys(std::string_view spec) {
  if (spec.empty()) {
    return std::string("\x10\x11", 2);  // ctrl-p, ctrl-q
  }
  auto bad = [&] {
    return invalidArgument("Invalid detach keys (" + std::string(spec) + ") provided");
  };
  std::string out;
  for (const std::string& part : split(spec, ',')) {
    if (part.size() > 1) {
      std::string k = toLower(part);
      if (k.size() != 6 || !startsWith(k, "ctrl-")) {
        return bad();
      }
      char c = k[5];
      if (c >= 'a' && c <= 'z') {
        out.push_back(static_cast<char>(c - 'a' + 1));
      } else if (c == '@') {
        out.push_back('\0');
      } else if (c == '[' || c == '\\' || c == ']' || c == '^' || c == '_') {
        out.push_back(static_cast<char>(c - '@'));
      } else {
        return bad();
      }
    } else if (part.size() == 1) {
      out.push_back(part[0]);
    } else {
      return bad();
    }
  }
  return out;
}

void spliceAttach(const std::shared_ptr<ClientStream>& client, UniqueFd sock,
                  const SpliceOptions& opts) {
  auto shared = std::make_shared<UniqueFd>(std::move(sock));
  int fd = shared->get();
  if (opts.forwardStdin) {
    // Detached: it lives until the client closes its side, which docker's
    // clients do once the output has ended.
    std::thread([client, shared, keys = opts.detachKeys] {
      char buf[32 * 1024];
      std::string held;  // a prefix of the detach keys, not yet forwarded
      while (true) {
        auto n = client->read(buf, sizeof(buf));
        if (!n.ok() || *n == 0) {
          ::shutdown(shared->get(), SHUT_WR);
          return;
        }
        std::string out;
        for (size_t i = 0; i < *n; ++i) {
          char c = buf[i];
          if (!keys.empty() && c == keys[held.size()]) {
            held.push_back(c);
            if (held.size() == keys.size()) {
              (void)writeAll(shared->get(), out);
              ::shutdown(shared->get(), SHUT_RDWR);  // ends the output side too
              return;
            }
            continue;
          }
          out += held;
          held.clear();
          if (!keys.empty() && c == keys[0]) {
            held.push_back(c);
            continue;
          }
          out.push_back(c);
        }
        if (!out.empty() && !writeAll(shared->get(), out).ok()) {
          return;
        }
      }
    }).detach();
  }
  char buf[32 * 1024];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      break;
    }
    if (!client->write(std::string_view(buf, static_cast<size_t>(n))).ok()) {
      break;
    }
  }
}

}  // namespace berth::container
