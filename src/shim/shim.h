// The daemonized half of berth-shim: starts the process through runc, holds its
// stdio, feeds the log driver and attach clients, reaps it and records its exit.
#pragma once

#include <sys/ioctl.h>
#include <sys/types.h>

#include <list>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "common/result.h"
#include "kernel/unique_fd.h"
#include "logdriver/line_splitter.h"
#include "logdriver/log_entry.h"
#include "logdriver/log_writer.h"
#include "shim/attach_protocol.h"
#include "shim/event_loop.h"
#include "shim/shim_options.h"

namespace berth {

class Shim {
 public:
  // `resultFd` is the pipe to the waiting parent: the shim writes "0" once the
  // process runs (or, with --wait-attach, once attach.sock listens), or "1" and
  // a message when it could not start. Call from the detached child.
  Shim(ShimOptions opts, UniqueFd resultFd);

  // Runs until the process exited and everything is written. Returns the shim's
  // exit status (0, or 1 when the start failed).
  int run();

 private:
  enum class Phase { kWaitingForAttach, kStarting, kRunning, kDraining, kFlushing, kDone };

  struct Client {
    UniqueFd fd;
    bool helloDone = false;
    AttachRequest req;
    std::string in;   // the hello line, until complete
    std::string out;  // pending output to the client
    bool readClosed = false;
  };
  struct ControlConn {
    UniqueFd fd;
    std::string in;
  };

  // shim.cc: the process
  Status setup();
  Status createStdio();
  Status startProcess();
  void onSignal();
  void onRuncExited(int status);
  void onProcessExited(int status);
  void failStart(const std::string& message);
  void reportToParent(bool ok, const std::string& message);
  void onOutput(LogStream stream, int fd);
  void closeOutput(int fd);
  void writeLog(LogStream stream, std::string_view line);
  void maybeFinishDraining();
  void beginFlushing();
  void finish();
  void note(const std::string& message);
  int remainingMillis() const;

  // shim_clients.cc: attach and control connections, stdin
  void onAttachAccept();
  void onClientEvent(Client* c, uint32_t events);
  bool updateClientInterest(Client* c);  // false: drop the client
  void dropClient(Client* c);
  void broadcast(LogStream stream, std::string_view data);
  void onControlAccept();
  void onControlEvent(ControlConn* c);
  void queueStdin(std::string_view data);
  void flushStdin();
  void closeStdin();
  void applyWindowSize();
  int stdinTarget() const;

  ShimOptions opts_;
  ShimFiles files_;
  UniqueFd resultFd_;
  UniqueFd stateDir_;
  std::optional<EventLoop> loop_;
  UniqueFd signalFd_;
  std::unique_ptr<LogWriter> log_;
  LineSplitter splitOut_;
  LineSplitter splitErr_;
  int logErrors_ = 0;

  UniqueFd attachListen_;
  UniqueFd controlListen_;
  UniqueFd consoleListen_;

  // Our ends of the process's stdio.
  UniqueFd stdinW_;
  UniqueFd stdoutR_;
  UniqueFd stderrR_;
  UniqueFd ptyMaster_;
  UniqueFd runcErrR_;  // runc's own stderr when the process has a terminal
  // The process's ends, handed to runc and closed once it is started.
  UniqueFd childStdin_;
  UniqueFd childStdout_;
  UniqueFd childStderr_;

  std::string stdinBuf_;
  bool stdinClosed_ = false;
  std::optional<winsize> windowSize_;

  Phase phase_ = Phase::kStarting;
  pid_t runcPid_ = -1;
  pid_t processPid_ = -1;
  std::map<pid_t, int> earlyExits_;  // reaped before runc told us the process pid
  int exitCode_ = -1;
  int64_t finishedAtNano_ = 0;
  std::string startError_;
  int64_t deadlineMs_ = 0;  // monotonic; ends draining / flushing

  std::list<Client> clients_;
  std::list<ControlConn> controls_;
  bool attachedOnce_ = false;
};

}  // namespace berth
