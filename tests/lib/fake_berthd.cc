// A stand-in for berthd with the same command line, used by the test-host
// self-tests so that the daemon path (namespaces, sysfs, readiness, shutdown,
// leftover processes) is tested even before or without the real daemon.
// It answers every request on its unix socket: /_ping with "OK", anything else
// 404. At start it logs what it sees of its host, for the self-tests to check.
//
// Extra flags: --fake-exit-early (exit 3 before listening), --fake-ignore-term
// (SIGTERM does nothing), --fake-orphan (leave a daemonized `sleep` behind, as a
// container shim would).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <string_view>
#include <system_error>

namespace {

int gTermPipe[2] = {-1, -1};

void onTerm(int /*sig*/) {
  const char c = 't';
  [[maybe_unused]] auto n = write(gTermPipe[1], &c, 1);
}

std::string readLink(const char* path) {
  char buf[256];
  ssize_t n = readlink(path, buf, sizeof(buf) - 1);
  return n < 0 ? std::string("?") : std::string(buf, static_cast<size_t>(n));
}

std::string listDir(const char* path) {
  std::string out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(path, ec)) {
    out += out.empty() ? "" : ",";
    out += e.path().filename().string();
  }
  return ec ? "(unreadable)" : out;
}

// One line to the log (stderr), flushed: the test hosts read it while we run.
void say(const std::string& line) { std::cerr << "fake-berthd: " << line << std::endl; }

void orphanSleeper() {
  pid_t pid = fork();
  if (pid == 0) {
    setsid();
    if (fork() == 0) {
      say("orphan pid=" + std::to_string(getpid()));
      int devnull = ::open("/dev/null", O_RDWR);
      dup2(devnull, 0);
      dup2(devnull, 1);
      dup2(devnull, 2);
      execlp("sleep", "sleep", "1000", static_cast<char*>(nullptr));
      _exit(127);
    }
    _exit(0);
  }
  waitpid(pid, nullptr, 0);
}

void serve(int fd) {
  std::string req;
  char buf[4096];
  while (req.find("\r\n\r\n") == std::string::npos) {
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n <= 0) {
      return;
    }
    req.append(buf, static_cast<size_t>(n));
  }
  std::string_view line(req.data(), req.find("\r\n"));
  std::string reply;
  if (line.find(" /_ping ") != std::string_view::npos) {
    reply =
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n"
        "Connection: close\r\n\r\nOK";
  } else {
    const std::string body = R"({"message":"page not found"})";
    reply = "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: " +
            std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
  }
  [[maybe_unused]] auto n = write(fd, reply.data(), reply.size());
}

}  // namespace

int main(int argc, char** argv) {
  std::string sock;
  std::string pidfile;
  bool exitEarly = false;
  bool ignoreTerm = false;
  bool orphan = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "-H" && i + 1 < argc) {
      sock = argv[++i];
    } else if (a == "--pidfile" && i + 1 < argc) {
      pidfile = argv[++i];
    } else if (a == "--fake-exit-early") {
      exitEarly = true;
    } else if (a == "--fake-ignore-term") {
      ignoreTerm = true;
    } else if (a == "--fake-orphan") {
      orphan = true;
    }
  }
  say("netns=" + readLink("/proc/self/ns/net") + " mntns=" + readLink("/proc/self/ns/mnt"));
  say("sys-class-net=" + listDir("/sys/class/net"));
  say("cgroup=" + listDir("/sys/fs/cgroup"));
  if (exitEarly) {
    say("exiting early as asked");
    return 3;
  }
  if (sock.rfind("unix://", 0) != 0) {
    say("need -H unix://PATH");
    return 2;
  }
  sock = sock.substr(7);
  if (pipe(gTermPipe) != 0) {
    return 1;
  }
  struct sigaction sa {};
  sa.sa_handler = ignoreTerm ? SIG_IGN : onTerm;
  sigaction(SIGTERM, &sa, nullptr);
  if (orphan) {
    orphanSleeper();
  }
  int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (sock.size() >= sizeof(addr.sun_path)) {
    say("socket path too long: " + sock);
    return 2;
  }
  std::memcpy(addr.sun_path, sock.c_str(), sock.size() + 1);
  unlink(sock.c_str());
  if (bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || listen(lfd, 16) != 0) {
    say("listen on " + sock + ": " + std::system_category().message(errno));
    return 1;
  }
  if (!pidfile.empty()) {
    std::ofstream(pidfile) << getpid() << "\n";
  }
  say("listening on " + sock);
  for (;;) {
    pollfd fds[2] = {{lfd, POLLIN, 0}, {gTermPipe[0], POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) {
        continue;
      }
      return 1;
    }
    if (fds[1].revents != 0) {
      break;
    }
    if ((fds[0].revents & POLLIN) != 0) {
      int cfd = accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC);
      if (cfd >= 0) {
        serve(cfd);
        close(cfd);
      }
    }
  }
  unlink(sock.c_str());
  if (!pidfile.empty()) {
    unlink(pidfile.c_str());
  }
  say("shut down on SIGTERM");
  return 0;
}
