#include "runtime/command.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

#include "common/error.h"
#include "kernel/unique_fd.h"

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX gives no header for it

namespace berth {
namespace {

constexpr size_t kMaxStdout = size_t{16} << 20;
constexpr size_t kMaxStderr = size_t{1} << 20;

// Reads what is there now; false at end of file (or a read error).
bool readSome(int fd, std::string& into, size_t cap) {
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n > 0) {
      size_t room = into.size() < cap ? cap - into.size() : 0;
      into.append(buf, std::min(room, static_cast<size_t>(n)));
      return true;
    }
    if (n == 0) {
      return false;
    }
    if (errno == EINTR) {
      continue;
    }
    return errno == EAGAIN;
  }
}

// After the program exited: whatever its last writes left in the pipe,
// without waiting for descendants that may still hold the write end.
void drain(UniqueFd& fd, std::string& into, size_t cap) {
  if (!fd) {
    return;
  }
  int flags = ::fcntl(fd.get(), F_GETFL);
  ::fcntl(fd.get(), F_SETFL, flags | O_NONBLOCK);
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof(buf));
    if (n > 0) {
      size_t room = into.size() < cap ? cap - into.size() : 0;
      into.append(buf, std::min(room, static_cast<size_t>(n)));
      continue;
    }
    if (n < 0 && errno == EINTR) {
      continue;
    }
    break;
  }
  fd.reset();
}

int decodeStatus(int status) {
  if (WIFEXITED(status)) {
    return WEXITSTATUS(status);
  }
  if (WIFSIGNALED(status)) {
    return 128 + WTERMSIG(status);
  }
  return -1;
}

struct SpawnAttrs {
  posix_spawn_file_actions_t actions{};
  posix_spawnattr_t attr{};
  SpawnAttrs() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
  }
  ~SpawnAttrs() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
  SpawnAttrs(const SpawnAttrs&) = delete;
  SpawnAttrs& operator=(const SpawnAttrs&) = delete;
};

}  // namespace

Result<CommandOutput> runCommand(const std::vector<std::string>& argv,
                                 const CommandOptions& options) {
  if (argv.empty() || argv.front().empty()) {
    return Unexpected(invalidArgument("runCommand: empty command"));
  }
  int outPipe[2];
  int errPipe[2];
  if (::pipe2(outPipe, O_CLOEXEC) != 0) {
    return Unexpected(systemError("pipe", errno));
  }
  UniqueFd outRead(outPipe[0]);
  UniqueFd outWrite(outPipe[1]);
  if (::pipe2(errPipe, O_CLOEXEC) != 0) {
    return Unexpected(systemError("pipe", errno));
  }
  UniqueFd errRead(errPipe[0]);
  UniqueFd errWrite(errPipe[1]);

  SpawnAttrs spawn;
  posix_spawn_file_actions_addopen(&spawn.actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&spawn.actions, outWrite.get(), STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&spawn.actions, errWrite.get(), STDERR_FILENO);
  // berthd blocks or ignores signals on its threads (SIGPIPE, the ones it
  // waits for); the runtime and the shim must start with a clean slate.
  sigset_t none;
  sigset_t all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&spawn.attr, &none);
  posix_spawnattr_setsigdefault(&spawn.attr, &all);
  posix_spawnattr_setflags(&spawn.attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<char*> cargv;
  cargv.reserve(argv.size() + 1);
  for (const auto& a : argv) {
    cargv.push_back(
        const_cast<char*>(a.c_str()));  // NOLINT(cppcoreguidelines-pro-type-const-cast): exec's API
  }
  cargv.push_back(nullptr);
  pid_t pid = -1;
  int rc = ::posix_spawnp(&pid, argv.front().c_str(), &spawn.actions, &spawn.attr, cargv.data(),
                          environ);
  if (rc != 0) {
    return Unexpected(
        unavailable("cannot run " + argv.front() + ": " + std::generic_category().message(rc)));
  }
  outWrite.reset();
  errWrite.reset();

  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  CommandOutput result;
  auto deadline = std::chrono::steady_clock::now() + options.timeout;
  bool exited = false;
  int status = 0;
  while (!exited) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      ::kill(pid, SIGKILL);
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      return Unexpected(unavailable(argv.front() + " did not finish within " +
                                    std::to_string(options.timeout.count()) + " ms; killed it"));
    }
    pollfd fds[3];
    nfds_t n = 0;
    int outIdx = -1;
    int errIdx = -1;
    int pidIdx = -1;
    if (outRead) {
      outIdx = static_cast<int>(n);
      fds[n++] = {outRead.get(), POLLIN, 0};
    }
    if (errRead) {
      errIdx = static_cast<int>(n);
      fds[n++] = {errRead.get(), POLLIN, 0};
    }
    if (pidfd) {
      pidIdx = static_cast<int>(n);
      fds[n++] = {pidfd.get(), POLLIN, 0};
    }
    // Without a pidfd (Linux < 5.3) exit is noticed by polling waitpid.
    int wait = static_cast<int>(std::min<int64_t>(left.count(), pidfd ? 1000 : 20));
    int ready = ::poll(fds, n, wait);
    if (ready < 0 && errno != EINTR) {
      return Unexpected(systemError("poll " + argv.front(), errno));
    }
    if (outIdx >= 0 && (fds[outIdx].revents & (POLLIN | POLLHUP | POLLERR)) != 0 &&
        !readSome(outRead.get(), result.out, kMaxStdout)) {
      outRead.reset();
    }
    if (errIdx >= 0 && (fds[errIdx].revents & (POLLIN | POLLHUP | POLLERR)) != 0 &&
        !readSome(errRead.get(), result.err, kMaxStderr)) {
      errRead.reset();
    }
    if (pidIdx < 0 || (fds[pidIdx].revents & POLLIN) != 0) {
      pid_t got = ::waitpid(pid, &status, pidIdx < 0 ? WNOHANG : 0);
      if (got == pid) {
        exited = true;
      } else if (got < 0 && errno != EINTR) {
        return Unexpected(
            systemError("wait for " + argv.front() + " (is SIGCHLD ignored?)", errno));
      }
    }
  }
  drain(outRead, result.out, kMaxStdout);
  drain(errRead, result.err, kMaxStderr);
  result.exitCode = decodeStatus(status);
  return result;
}

}  // namespace berth
