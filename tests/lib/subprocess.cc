#include "tests/lib/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "common/error.h"

extern char** environ;

namespace berth::testing {
namespace {

// Writes a message to fd 2 using only async-signal-safe calls (for after fork).
void childFail(const char* what, int err) {
  const char* msg = strerrorname_np(err);
  [[maybe_unused]] ssize_t n = write(2, what, std::strlen(what));
  n = write(2, ": ", 2);
  n = write(2, msg != nullptr ? msg : "error", std::strlen(msg != nullptr ? msg : "error"));
  n = write(2, "\n", 1);
}

std::vector<std::string> mergedEnv(const std::vector<std::string>& extra) {
  std::vector<std::string> out;
  auto keyOf = [](const std::string& kv) { return kv.substr(0, kv.find('=')); };
  std::set<std::string> overridden;
  for (const auto& kv : extra) {
    overridden.insert(keyOf(kv));
  }
  for (char** e = environ; *e != nullptr; ++e) {
    std::string kv = *e;
    if (overridden.count(keyOf(kv)) == 0) {
      out.push_back(std::move(kv));
    }
  }
  out.insert(out.end(), extra.begin(), extra.end());
  return out;
}

std::vector<char*> cStrings(std::vector<std::string>& v) {
  std::vector<char*> out;
  out.reserve(v.size() + 1);
  for (auto& s : v) {
    out.push_back(s.data());
  }
  out.push_back(nullptr);
  return out;
}

std::string indent(const std::string& s) {
  std::string out;
  for (char c : s) {
    out += c;
    if (c == '\n') {
      out += "          ";
    }
  }
  return out;
}

}  // namespace

std::string ExecResult::describe() const {
  std::ostringstream os;
  os << "command: ";
  for (const auto& a : command) {
    os << (a.find_first_of(" \t'\"") == std::string::npos ? a : "'" + a + "'") << ' ';
  }
  os << "\nexit:    " << exitCode << (timedOut ? " (timed out)" : "")
     << "\nstdout:  " << indent(out) << "\nstderr:  " << indent(err) << "\n";
  return os.str();
}

ExecResult runCommand(const std::vector<std::string>& argv, const RunOptions& options) {
  ExecResult result;
  result.command = argv;
  if (argv.empty()) {
    result.exitCode = 127;
    result.err = "runCommand: empty argv";
    return result;
  }
  std::vector<std::string> args = argv;
  std::vector<std::string> env = mergedEnv(options.env);
  std::vector<char*> cargs = cStrings(args);
  std::vector<char*> cenv = cStrings(env);

  int nsFd = -1;
  if (!options.netnsPath.empty()) {
    nsFd = open(options.netnsPath.c_str(), O_RDONLY | O_CLOEXEC);
    if (nsFd < 0) {
      result.exitCode = 127;
      result.err = systemError("open " + options.netnsPath, errno).message();
      return result;
    }
  }
  int inPipe[2] = {-1, -1};
  int outPipe[2];
  int errPipe[2];
  bool pipesOk = pipe2(outPipe, O_CLOEXEC) == 0 && pipe2(errPipe, O_CLOEXEC) == 0 &&
                 (options.input.empty() || pipe2(inPipe, O_CLOEXEC) == 0);
  if (!pipesOk) {
    result.exitCode = 127;
    result.err = systemError("pipe", errno).message();
    return result;
  }
  pid_t pid = fork();
  if (pid == 0) {
    int in = inPipe[0] >= 0 ? inPipe[0] : open("/dev/null", O_RDONLY);
    dup2(in, 0);
    dup2(outPipe[1], 1);
    dup2(errPipe[1], 2);
    if (nsFd >= 0 && setns(nsFd, CLONE_NEWNET) != 0) {
      childFail("setns", errno);
      _exit(127);
    }
    execvpe(cargs[0], cargs.data(), cenv.data());
    childFail(cargs[0], errno);
    _exit(127);
  }
  if (nsFd >= 0) {
    close(nsFd);
  }
  close(outPipe[1]);
  close(errPipe[1]);
  if (inPipe[0] >= 0) {
    close(inPipe[0]);
  }
  if (pid < 0) {
    result.exitCode = 127;
    result.err = systemError("fork", errno).message();
    close(outPipe[0]);
    close(errPipe[0]);
    if (inPipe[1] >= 0) {
      close(inPipe[1]);
    }
    return result;
  }

  // A child that has exited may leave a background process holding the
  // pipes; drain for a short grace period after exit, not until they close.
  const auto deadline = std::chrono::steady_clock::now() + options.timeout;
  std::optional<std::chrono::steady_clock::time_point> exitedAt;
  int status = 0;
  size_t written = 0;
  int fds[3] = {outPipe[0], errPipe[0], inPipe[1]};
  std::string* sinks[2] = {&result.out, &result.err};
  while (fds[0] >= 0 || fds[1] >= 0 || fds[2] >= 0) {
    auto now = std::chrono::steady_clock::now();
    if (!exitedAt && waitpid(pid, &status, WNOHANG) == pid) {
      exitedAt = now;
    }
    if (exitedAt && now - *exitedAt > std::chrono::milliseconds(200)) {
      break;
    }
    if (now > deadline) {
      kill(pid, SIGKILL);
      result.timedOut = true;
      break;
    }
    pollfd pfds[3];
    for (int i = 0; i < 3; ++i) {
      pfds[i] = {fds[i], static_cast<short>(i < 2 ? POLLIN : POLLOUT), 0};
    }
    if (poll(pfds, 3, 50) < 0 && errno != EINTR) {
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i] >= 0 && pfds[i].revents != 0) {
        char buf[8192];
        ssize_t n = read(fds[i], buf, sizeof(buf));
        if (n > 0) {
          sinks[i]->append(buf, static_cast<size_t>(n));
        } else if (n == 0 || errno != EINTR) {
          close(fds[i]);
          fds[i] = -1;
        }
      }
    }
    if (fds[2] >= 0 && pfds[2].revents != 0) {
      // Block SIGPIPE for this thread only: a child that stops reading must not
      // kill the test.
      sigset_t pipeSet;
      sigset_t old;
      sigemptyset(&pipeSet);
      sigaddset(&pipeSet, SIGPIPE);
      pthread_sigmask(SIG_BLOCK, &pipeSet, &old);
      ssize_t n = write(fds[2], options.input.data() + written, options.input.size() - written);
      if (n < 0) {
        timespec zero{};
        sigtimedwait(&pipeSet, nullptr, &zero);
      }
      pthread_sigmask(SIG_SETMASK, &old, nullptr);
      if (n > 0) {
        written += static_cast<size_t>(n);
      }
      if (n < 0 || written == options.input.size()) {
        close(fds[2]);
        fds[2] = -1;
      }
    }
  }
  for (int fd : fds) {
    if (fd >= 0) {
      close(fd);
    }
  }
  if (!exitedAt) {
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  if (WIFEXITED(status)) {
    result.exitCode = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.exitCode = 128 + WTERMSIG(status);
  }
  if (result.timedOut) {
    result.err += "\n[killed after " + std::to_string(options.timeout.count()) + " ms]";
  }
  return result;
}

std::string envOr(const char* name, const std::string& fallback) {
  // Tests read their environment before they start threads.
  const char* v = std::getenv(name);  // NOLINT(concurrency-mt-unsafe)
  return v != nullptr && *v != '\0' ? std::string(v) : fallback;
}

std::string readLinkOrEmpty(const std::string& path) {
  char buf[4096];
  ssize_t n = readlink(path.c_str(), buf, sizeof(buf));
  return n <= 0 ? std::string() : std::string(buf, static_cast<size_t>(n));
}

namespace {

// Fields of /proc/PID/stat after the "(comm)" field, which may hold spaces.
std::vector<std::string> statFields(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  auto close = s.rfind(')');
  std::vector<std::string> out;
  if (close == std::string::npos) {
    return out;
  }
  std::istringstream is(s.substr(close + 1));
  std::string field;
  while (is >> field) {
    out.push_back(field);
  }
  return out;
}

}  // namespace

std::string processStartTime(pid_t pid) {
  auto f = statFields(pid);
  return f.size() > 19 ? f[19] : std::string();  // field 22 overall
}

std::vector<pid_t> namespacePids(const std::string& netLink, const std::string& mntLink) {
  std::map<pid_t, pid_t> parent;
  std::set<pid_t> keep;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    char* end = nullptr;
    long v = std::strtol(name.c_str(), &end, 10);
    if (end == name.c_str() || *end != '\0') {
      continue;
    }
    auto pid = static_cast<pid_t>(v);
    auto fields = statFields(pid);
    if (fields.size() < 2) {
      continue;  // gone meanwhile
    }
    parent[pid] = static_cast<pid_t>(std::stol(fields[1]));
    std::string base = "/proc/" + std::to_string(pid) + "/ns/";
    if ((!netLink.empty() && readLinkOrEmpty(base + "net") == netLink) ||
        (!mntLink.empty() && readLinkOrEmpty(base + "mnt") == mntLink)) {
      keep.insert(pid);
    }
  }
  for (bool changed = true; changed;) {
    changed = false;
    for (const auto& [pid, ppid] : parent) {
      if (keep.count(pid) == 0 && keep.count(ppid) != 0) {
        keep.insert(pid);
        changed = true;
      }
    }
  }
  keep.erase(getpid());
  keep.erase(1);
  return {keep.begin(), keep.end()};
}

}  // namespace berth::testing
