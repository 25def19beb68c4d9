#include "shim/shim.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "common/time_format.h"
#include "shim/state_files.h"
#include "shim/unix_io.h"

namespace berth {
namespace {

constexpr size_t kReadChunk = size_t{64} * 1024;
// After the process exited, output still in flight (or held open by a leftover
// child of an exec) is waited for this long before the shim gives up on it.
constexpr int64_t kDrainMillis = 2000;
// Attach clients get this long to take the last output.
constexpr int64_t kFlushMillis = 2000;
// How long --wait-attach waits for its first client (berthd connects one
// itself within 5 s; this only matters when berthd died in between).
constexpr int64_t kWaitAttachMillis = 60000;

int64_t monotonicMillis() {
  struct timespec ts {};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}

Result<std::pair<UniqueFd, UniqueFd>> makePipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    return systemError("pipe2", errno);
  }
  return std::make_pair(UniqueFd(fds[0]), UniqueFd(fds[1]));
}

Result<UniqueFd> openDevNull(int flags) {
  UniqueFd fd(::open("/dev/null", flags | O_CLOEXEC | O_NOCTTY));
  if (!fd) {
    return systemError("open /dev/null", errno);
  }
  return fd;
}

// Everything available right now on a non-blocking fd (runc's error output).
std::string readAvailable(int fd) {
  std::string out;
  char buf[4096];
  while (out.size() < size_t{64} * 1024) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n <= 0) {
      if (n < 0 && errno == EINTR) {
        continue;
      }
      break;
    }
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

std::string lastLine(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.remove_suffix(1);
  }
  size_t nl = text.rfind('\n');
  return std::string(nl == std::string_view::npos ? text : text.substr(nl + 1));
}

}  // namespace

Shim::Shim(ShimOptions opts, UniqueFd resultFd)
    : opts_(std::move(opts)), files_(shimFiles(opts_.execId)), resultFd_(std::move(resultFd)) {}

int Shim::run() {
  Status st = setup();
  if (st.ok()) {
    if (opts_.waitAttach) {
      phase_ = Phase::kWaitingForAttach;
      // Never wait forever: if berthd went away before anyone attached, the
      // process starts anyway (what the user asked for) after a while.
      deadlineMs_ = monotonicMillis() + kWaitAttachMillis;
      reportToParent(true, "");
    } else {
      st = startProcess();
    }
  }
  if (!st.ok()) {
    failStart(st.error().message());
  }
  while (phase_ != Phase::kDone) {
    Status r = loop_->runOnce(remainingMillis());
    if (!r.ok()) {
      note(r.error().message());
      ::usleep(10'000);  // never spin on a persistent epoll error
    }
    if (phase_ == Phase::kDraining) {
      maybeFinishDraining();
    } else if (phase_ == Phase::kWaitingForAttach && monotonicMillis() >= deadlineMs_) {
      attachedOnce_ = true;
      note("no attach client within " + std::to_string(kWaitAttachMillis / 1000) +
           " s; starting the process without one");
      if (Status started = startProcess(); !started.ok()) {
        failStart(started.error().message());
      }
    } else if (phase_ == Phase::kFlushing && monotonicMillis() >= deadlineMs_) {
      finish();
    }
  }
  return startError_.empty() || exitCode_ >= 0 ? 0 : 1;
}

int Shim::remainingMillis() const {
  if (phase_ != Phase::kDraining && phase_ != Phase::kFlushing &&
      phase_ != Phase::kWaitingForAttach) {
    return -1;
  }
  int64_t left = deadlineMs_ - monotonicMillis();
  return left < 0 ? 0 : static_cast<int>(left);
}

Status Shim::setup() {
  int dir = ::open(opts_.stateDir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) {
    return systemError("open state dir " + opts_.stateDir, errno);
  }
  stateDir_.reset(dir);
  BERTH_ASSIGN_OR_RETURN(EventLoop loop, EventLoop::create());
  loop_.emplace(std::move(loop));

  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, nullptr);  // a vanished attach client is an EPIPE, not death
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGCHLD);
  ::pthread_sigmask(SIG_BLOCK, &mask, nullptr);
  signalFd_.reset(::signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC));
  if (!signalFd_) {
    return systemError("signalfd", errno);
  }
  BERTH_TRY(loop_->add(signalFd_.get(), EPOLLIN, [this](uint32_t) { onSignal(); }));

  // A restarted container reuses its state dir: last run's records must not
  // be mistaken for this one's.
  ::unlinkat(stateDir_.get(), files_.exitJson.c_str(), 0);
  ::unlinkat(stateDir_.get(), files_.processPid.c_str(), 0);
  BERTH_TRY(writeFileAtomic(stateDir_.get(), files_.shimPid, std::to_string(::getpid()) + "\n"));
  if (!opts_.isExec()) {
    LogWriterConfig cfg;
    cfg.driver = opts_.logDriver;
    cfg.opts = opts_.logOpts;
    cfg.path = opts_.logPath;
    cfg.context.containerId = opts_.id;
    cfg.context.containerName = opts_.name;
    cfg.context.attrs = opts_.logAttrs;
    BERTH_ASSIGN_OR_RETURN(log_, openLogWriter(cfg));
  }
  BERTH_ASSIGN_OR_RETURN(attachListen_, listenUnix(files_.attachSock));
  BERTH_TRY(loop_->add(attachListen_.get(), EPOLLIN, [this](uint32_t) { onAttachAccept(); }));
  BERTH_ASSIGN_OR_RETURN(controlListen_, listenUnix(files_.controlSock));
  BERTH_TRY(loop_->add(controlListen_.get(), EPOLLIN, [this](uint32_t) { onControlAccept(); }));
  return createStdio();
}

Status Shim::createStdio() {
  if (opts_.terminal) {
    BERTH_ASSIGN_OR_RETURN(consoleListen_, listenUnix(files_.consoleSock));
    BERTH_ASSIGN_OR_RETURN(childStdin_, openDevNull(O_RDONLY));
    BERTH_ASSIGN_OR_RETURN(childStdout_, openDevNull(O_WRONLY));
    BERTH_ASSIGN_OR_RETURN(auto err, makePipe());
    runcErrR_ = std::move(err.first);
    childStderr_ = std::move(err.second);
    return setNonBlocking(runcErrR_.get());
  }
  if (opts_.stdinOpen) {
    BERTH_ASSIGN_OR_RETURN(auto in, makePipe());
    childStdin_ = std::move(in.first);
    stdinW_ = std::move(in.second);
    BERTH_TRY(setNonBlocking(stdinW_.get()));
  } else {
    BERTH_ASSIGN_OR_RETURN(childStdin_, openDevNull(O_RDONLY));
    stdinClosed_ = true;
  }
  BERTH_ASSIGN_OR_RETURN(auto out, makePipe());
  stdoutR_ = std::move(out.first);
  childStdout_ = std::move(out.second);
  BERTH_ASSIGN_OR_RETURN(auto err, makePipe());
  stderrR_ = std::move(err.first);
  childStderr_ = std::move(err.second);
  BERTH_TRY(setNonBlocking(stdoutR_.get()));
  return setNonBlocking(stderrR_.get());
}

Status Shim::startProcess() {
  std::string console;
  if (opts_.terminal) {
    std::string abs = opts_.stateDir + "/" + files_.consoleSock;
    console = abs.size() < 100 ? abs : files_.consoleSock;  // runc runs in the state dir
  }
  std::vector<std::string> args = runcArgv(opts_, files_, console);
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (std::string& a : args) {
    argv.push_back(a.data());
  }
  argv.push_back(nullptr);
  int in = childStdin_.get();
  int out = childStdout_.get();
  int err = childStderr_.get();
  pid_t pid = ::fork();
  if (pid < 0) {
    return systemError("fork runc", errno);
  }
  if (pid == 0) {
    // Only async-signal-safe calls here. runc and the container must not
    // inherit the shim's blocked SIGCHLD or ignored SIGPIPE.
    sigset_t none;
    sigemptyset(&none);
    ::pthread_sigmask(SIG_SETMASK, &none, nullptr);
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    ::sigaction(SIGPIPE, &dfl, nullptr);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(err, 2);
    ::execv(argv[0], argv.data());
    static const char kMsg[] = "berth-shim: cannot execute the runtime\n";
    ssize_t ignored = ::write(2, kMsg, sizeof(kMsg) - 1);
    (void)ignored;
    ::_exit(127);
  }
  runcPid_ = pid;
  phase_ = Phase::kStarting;
  childStdin_.reset();
  childStdout_.reset();
  childStderr_.reset();
  return okStatus();
}

void Shim::onSignal() {
  struct signalfd_siginfo si {};
  while (::read(signalFd_.get(), &si, sizeof(si)) == static_cast<ssize_t>(sizeof(si))) {
  }
  while (true) {
    int status = 0;
    pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid <= 0) {
      return;
    }
    if (pid == runcPid_) {
      onRuncExited(status);
    } else if (pid == processPid_ && processPid_ > 0) {
      onProcessExited(status);
    } else {
      earlyExits_[pid] = status;  // maybe the process, before its pid file was read
    }
  }
}

void Shim::onRuncExited(int status) {
  runcPid_ = -1;
  int errFd = opts_.terminal ? runcErrR_.get() : stderrR_.get();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::string msg = lastLine(readAvailable(errFd));
    if (msg.empty()) {
      msg = std::string("runc ") + (opts_.isExec() ? "exec" : "run") + " failed with exit status " +
            std::to_string(exitCodeFromWaitStatus(status));
    }
    failStart(msg);
    return;
  }
  runcErrR_.reset();
  auto pidText = readSmallFile(stateDir_.get(), files_.processPid);
  processPid_ = pidText.ok() ? std::atoi(pidText->c_str()) : -1;
  if (processPid_ <= 0) {
    failStart("runc did not write the process pid file " + files_.processPid);
    return;
  }
  if (opts_.terminal) {
    UniqueFd conn(::accept4(consoleListen_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    Result<UniqueFd> master =
        conn ? receiveFd(conn.get()) : Result<UniqueFd>(systemError("accept console socket", errno));
    if (!master.ok() || !setNonBlocking(master->get()).ok()) {
      ::kill(processPid_, SIGKILL);
      failStart("no terminal from the runtime: " +
                (master.ok() ? std::string("fcntl failed") : master.error().message()));
      return;
    }
    ptyMaster_ = std::move(master).value();
    consoleListen_.reset();
    ::unlinkat(stateDir_.get(), files_.consoleSock.c_str(), 0);
    applyWindowSize();
    int fd = ptyMaster_.get();
    Status st = loop_->add(fd, EPOLLIN, [this, fd](uint32_t ev) {
      if ((ev & EPOLLOUT) != 0) {
        flushStdin();
      }
      if ((ev & (EPOLLIN | EPOLLHUP | EPOLLERR)) != 0 && ptyMaster_.get() == fd) {
        onOutput(LogStream::kStdout, fd);
      }
    });
    if (!st.ok()) {
      note(st.error().message());
    }
  } else {
    int out = stdoutR_.get();
    int err = stderrR_.get();
    Status a = loop_->add(out, EPOLLIN, [this, out](uint32_t) { onOutput(LogStream::kStdout, out); });
    Status b = loop_->add(err, EPOLLIN, [this, err](uint32_t) { onOutput(LogStream::kStderr, err); });
    if (!a.ok() || !b.ok()) {
      note("epoll: cannot watch the process output");
    }
    if (stdinW_) {
      Status c = loop_->add(stdinW_.get(), 0, [this](uint32_t ev) {
        if ((ev & EPOLLERR) != 0) {
          closeStdin();  // the reader is gone
        } else {
          flushStdin();
        }
      });
      if (!c.ok()) {
        note(c.error().message());
      }
    }
  }
  phase_ = Phase::kRunning;
  reportToParent(true, "");
  flushStdin();  // input queued by clients attached before the start
  if (auto it = earlyExits_.find(processPid_); it != earlyExits_.end()) {
    int early = it->second;
    earlyExits_.clear();
    onProcessExited(early);
  }
  earlyExits_.clear();
}

void Shim::onProcessExited(int status) {
  exitCode_ = exitCodeFromWaitStatus(status);
  finishedAtNano_ = nowUnixNano();
  phase_ = Phase::kDraining;
  deadlineMs_ = monotonicMillis() + kDrainMillis;
  maybeFinishDraining();
}

void Shim::failStart(const std::string& message) {
  startError_ = message;
  if (resultFd_) {
    // The caller is still waiting: it gets the error once nothing is left behind.
    ::unlinkat(stateDir_.get(), files_.attachSock.c_str(), 0);
    ::unlinkat(stateDir_.get(), files_.controlSock.c_str(), 0);
    ::unlinkat(stateDir_.get(), files_.consoleSock.c_str(), 0);
    ::unlinkat(stateDir_.get(), files_.shimPid.c_str(), 0);
    reportToParent(false, message);
    phase_ = Phase::kDone;
    return;
  }
  // An exec started by its first attach: the client sees the error, and the
  // exit record carries it (126 like docker, 127 when the command is missing).
  bool missing = message.find("not found") != std::string::npos ||
                 message.find("no such file") != std::string::npos;
  exitCode_ = missing ? 127 : 126;
  finishedAtNano_ = nowUnixNano();
  broadcast(LogStream::kStderr, message + "\n");
  beginFlushing();
}

void Shim::reportToParent(bool ok, const std::string& message) {
  if (!resultFd_) {
    return;
  }
  std::string data = ok ? "0" : "1" + message;
  ssize_t n = ::write(resultFd_.get(), data.data(), data.size());
  (void)n;  // a parent that died before reading has nobody to tell
  resultFd_.reset();
}

void Shim::onOutput(LogStream stream, int fd) {
  static char buf[kReadChunk];  // one buffer: the shim is single-threaded
  ssize_t n = ::read(fd, buf, sizeof(buf));
  if (n > 0) {
    std::string_view data(buf, static_cast<size_t>(n));
    writeLog(stream, data);
    broadcast(stream, data);
    return;
  }
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
    return;
  }
  closeOutput(fd);  // EOF, or EIO from a pty whose other side is gone
}

void Shim::closeOutput(int fd) {
  loop_->remove(fd);
  if (fd == stdoutR_.get()) {
    splitOut_.finish([this](std::string_view l) { writeLog(LogStream::kStdout, l); });
    stdoutR_.reset();
  } else if (fd == stderrR_.get()) {
    splitErr_.finish([this](std::string_view l) { writeLog(LogStream::kStderr, l); });
    stderrR_.reset();
  } else if (fd == ptyMaster_.get()) {
    splitOut_.finish([this](std::string_view l) { writeLog(LogStream::kStdout, l); });
    ptyMaster_.reset();
    stdinClosed_ = true;
    stdinBuf_.clear();
  }
  maybeFinishDraining();
}

void Shim::writeLog(LogStream stream, std::string_view data) {
  if (!log_) {
    return;
  }
  LineSplitter& splitter = stream == LogStream::kStderr ? splitErr_ : splitOut_;
  int64_t now = nowUnixNano();
  splitter.feed(data, [&](std::string_view line) {
    Status st = log_->write(LogMessage{stream, now, line});
    if (!st.ok() && logErrors_++ < 10) {
      note("log driver: " + st.error().message());
    }
  });
}

void Shim::maybeFinishDraining() {
  if (phase_ != Phase::kDraining) {
    return;
  }
  bool outputsOpen = stdoutR_ || stderrR_ || ptyMaster_;
  if (!outputsOpen || monotonicMillis() >= deadlineMs_) {
    beginFlushing();
  }
}

void Shim::beginFlushing() {
  // Take what is already buffered, then stop listening to the process.
  for (int fd : {stdoutR_.get(), stderrR_.get(), ptyMaster_.get()}) {
    if (fd < 0) {
      continue;
    }
    LogStream stream = fd == stderrR_.get() ? LogStream::kStderr : LogStream::kStdout;
    for (int i = 0; i < 256; ++i) {
      char buf[4096];
      ssize_t n = ::read(fd, buf, sizeof(buf));
      if (n <= 0) {
        break;
      }
      writeLog(stream, std::string_view(buf, static_cast<size_t>(n)));
      broadcast(stream, std::string_view(buf, static_cast<size_t>(n)));
    }
    loop_->remove(fd);
  }
  splitOut_.finish([this](std::string_view l) { writeLog(LogStream::kStdout, l); });
  splitErr_.finish([this](std::string_view l) { writeLog(LogStream::kStderr, l); });
  stdoutR_.reset();
  stderrR_.reset();
  ptyMaster_.reset();
  log_.reset();  // closes the log file / socket
  closeStdin();
  phase_ = Phase::kFlushing;
  deadlineMs_ = monotonicMillis() + kFlushMillis;
  bool pending = false;
  for (Client& c : clients_) {
    pending = pending || !c.out.empty();
  }
  if (!pending) {
    finish();
  }
}

void Shim::finish() {
  for (Client& c : clients_) {
    loop_->remove(c.fd.get());
  }
  clients_.clear();
  for (ControlConn& c : controls_) {
    loop_->remove(c.fd.get());
  }
  controls_.clear();
  ::unlinkat(stateDir_.get(), files_.attachSock.c_str(), 0);
  ::unlinkat(stateDir_.get(), files_.controlSock.c_str(), 0);
  // Last: berthd takes the exit record as the end of everything the shim does.
  Status st = writeFileAtomic(stateDir_.get(), files_.exitJson,
                              formatExitJson(exitCode_, finishedAtNano_, startError_));
  if (!st.ok()) {
    note(st.error().message());
  }
  phase_ = Phase::kDone;
}

void Shim::note(const std::string& message) {
  if (!stateDir_) {
    return;
  }
  UniqueFd fd(::openat(stateDir_.get(), files_.shimLog.c_str(),
                       O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640));
  if (!fd) {
    return;
  }
  std::string line = formatRfc3339Nano(nowUnixNano()) + " " + message + "\n";
  ssize_t n = ::write(fd.get(), line.data(), line.size());
  (void)n;
}

}  // namespace berth
