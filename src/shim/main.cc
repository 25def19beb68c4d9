// berth-shim: validates its command line, forks a detached child that runs the
// Shim, and exits once the child reports that the process runs (0) or why it
// could not start it (1 and one line on stderr). See docs/shim.md.
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "logdriver/log_options.h"
#include "shim/shim.h"

namespace {

constexpr const char* kUsage =
    "Usage: berth-shim --id ID --bundle DIR --state-dir DIR --runtime PATH --runtime-root DIR\n"
    "                  [--name NAME] [--terminal] [--stdin] [--stdin-once]\n"
    "                  [--log-driver DRIVER] [--log-opt K=V]... [--log-attr K=V]... [--log-path FILE]\n"
    "                  [--exec EXECID --process-json FILE [--wait-attach]]\n";

int fail(const std::string& message) {
  (void)std::fprintf(stderr, "%s\n", message.c_str());
  return 1;
}

std::string errnoText(int err) {
  char buf[256] = {};
  return ::strerror_r(err, buf, sizeof(buf));  // GNU: may return a static string
}

// What the parent does: wait for the child's one report.
int awaitChild(int readFd) {
  std::string report;
  char buf[4096];
  while (true) {
    ssize_t n = ::read(readFd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      break;
    }
    report.append(buf, static_cast<size_t>(n));
  }
  if (report == "0") {
    return 0;
  }
  if (report.size() > 1 && report[0] == '1') {
    std::string msg = report.substr(1);
    for (char& c : msg) {
      c = c == '\n' ? ' ' : c;  // one line, as promised
    }
    return fail(msg);
  }
  return fail("berth-shim: the shim exited before the process started");
}

// Detaches the child from its caller: own session, reaper of the container's
// orphans, stdio on /dev/null, no descriptor of the caller left open.
berth::Status detach(const berth::ShimOptions& opts, int keepFd) {
  if (::setsid() < 0) {
    return berth::systemError("setsid", errno);
  }
  if (::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) {
    return berth::systemError("prctl(PR_SET_CHILD_SUBREAPER)", errno);
  }
  int null = ::open("/dev/null", O_RDWR | O_NOCTTY);
  if (null < 0) {
    return berth::systemError("open /dev/null", errno);
  }
  ::dup2(null, 0);
  ::dup2(null, 1);
  ::dup2(null, 2);
  if (keepFd > 3) {
    ::close_range(3, static_cast<unsigned>(keepFd) - 1, 0);
  }
  ::close_range(static_cast<unsigned>(keepFd) + 1, ~0U, 0);
  if (::chdir(opts.stateDir.c_str()) != 0) {
    return berth::systemError("chdir " + opts.stateDir, errno);
  }
  ::umask(022);
  return berth::okStatus();
}

}  // namespace

int main(int argc, char** argv) {
  // With 0-2 closed by the caller, the result pipe could land on them and be
  // clobbered when the child redirects its stdio: keep them occupied.
  for (int fd = ::open("/dev/null", O_RDWR); fd >= 0; fd = ::open("/dev/null", O_RDWR)) {
    if (fd > 2) {
      ::close(fd);
      break;
    }
  }
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 1 && (args[0] == "--help" || args[0] == "-h")) {
    (void)std::fputs(kUsage, stdout);
    return 0;
  }
  auto opts = berth::parseShimArgs(args);
  if (!opts.ok()) {
    return fail("berth-shim: " + opts.error().message());
  }
  if (!opts->isExec()) {
    berth::Status st = berth::validateLogConfig(opts->logDriver, opts->logOpts);
    if (!st.ok()) {
      return fail(st.error().message());
    }
  }
  struct stat st {};
  if (::stat(opts->stateDir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return fail("berth-shim: state dir " + opts->stateDir + " is not a directory");
  }
  if (::access(opts->runtime.c_str(), X_OK) != 0) {
    return fail("berth-shim: runtime " + opts->runtime + " is not executable: " +
                errnoText(errno));
  }
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    return fail(std::string("berth-shim: pipe: ") + errnoText(errno));
  }
  (void)std::fflush(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) {
    return fail(std::string("berth-shim: fork: ") + errnoText(errno));
  }
  if (pid > 0) {
    ::close(fds[1]);
    return awaitChild(fds[0]);
  }
  ::close(fds[0]);
  berth::Status detached = detach(*opts, fds[1]);
  if (!detached.ok()) {
    std::string msg = "1berth-shim: " + detached.error().message();
    ssize_t n = ::write(fds[1], msg.data(), msg.size());
    (void)n;
    return 1;
  }
  berth::Shim shim(std::move(opts).value(), berth::UniqueFd(fds[1]));
  return shim.run();
}
