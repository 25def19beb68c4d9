#include "cli/signal_proxy.h"

#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>

namespace berth::cli {

namespace {

// What docker forwards, less what a terminal client must keep for itself
// (SIGCHLD, SIGPIPE, SIGWINCH) and the job-control signals of the shell.
constexpr int kForwarded[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGALRM};

}  // namespace

struct SignalProxy::Mask {
  sigset_t set;
};

Result<std::unique_ptr<SignalProxy>> SignalProxy::start(Forward forward) {
  std::unique_ptr<SignalProxy> proxy(new SignalProxy());
  proxy->forward_ = std::move(forward);
  sigset_t set;
  sigemptyset(&set);
  for (int s : kForwarded) {
    sigaddset(&set, s);
  }
  proxy->oldMask_ = std::make_unique<Mask>();
  if (int rc = pthread_sigmask(SIG_BLOCK, &set, &proxy->oldMask_->set); rc != 0) {
    proxy->oldMask_.reset();
    return systemError("pthread_sigmask", rc);
  }
  proxy->signalFd_ = ::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  proxy->stopFd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (proxy->signalFd_ < 0 || proxy->stopFd_ < 0) {
    return systemError("signalfd", errno);  // the destructor restores the mask
  }
  proxy->thread_ = std::thread([p = proxy.get()] { p->run(); });
  return proxy;
}

void SignalProxy::run() {
  while (true) {
    pollfd fds[2] = {{signalFd_, POLLIN, 0}, {stopFd_, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) {
        continue;
      }
      return;
    }
    if ((fds[1].revents & POLLIN) != 0) {
      return;
    }
    signalfd_siginfo info{};
    while (::read(signalFd_, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
      forward_(static_cast<int>(info.ssi_signo));
    }
  }
}

SignalProxy::~SignalProxy() {
  if (thread_.joinable()) {
    uint64_t one = 1;
    (void)::write(stopFd_, &one, sizeof one);
    thread_.join();
  }
  if (signalFd_ >= 0) {
    // Signals that came in after the last forward still belong to the container,
    // not to us: drop them rather than die of them when the mask is restored.
    signalfd_siginfo info{};
    while (::read(signalFd_, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
    }
    ::close(signalFd_);
  }
  if (stopFd_ >= 0) {
    ::close(stopFd_);
  }
  if (oldMask_) {
    pthread_sigmask(SIG_SETMASK, &oldMask_->set, nullptr);
  }
}

}  // namespace berth::cli
