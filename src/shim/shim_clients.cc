// Attach and control connections of berth-shim, and the process's stdin.
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string_view>
#include <vector>

#include "logdriver/stdcopy.h"
#include "shim/shim.h"

namespace berth {
namespace {

constexpr size_t kMaxHello = 4096;
constexpr size_t kMaxControlLine = 4096;
// A client this far behind is dropped rather than letting the shim grow.
constexpr size_t kMaxClientBacklog = size_t{4} * 1024 * 1024;
// Input beyond this waits in the clients' sockets (we stop reading them).
constexpr size_t kMaxStdinBuffer = size_t{1024} * 1024;

}  // namespace

void Shim::onAttachAccept() {
  while (true) {
    int fd = ::accept4(attachListen_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) {
      return;
    }
    if (phase_ == Phase::kFlushing || phase_ == Phase::kDone) {
      ::close(fd);  // nothing more will come
      continue;
    }
    clients_.push_back(Client{});
    Client* c = &clients_.back();
    c->fd.reset(fd);
    Status st = loop_->add(fd, EPOLLIN, [this, c](uint32_t ev) { onClientEvent(c, ev); });
    if (!st.ok()) {
      clients_.pop_back();
    }
  }
}

void Shim::onClientEvent(Client* c, uint32_t events) {
  if ((events & EPOLLOUT) != 0 && !c->out.empty()) {
    ssize_t n = ::send(c->fd.get(), c->out.data(), c->out.size(), MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN && errno != EINTR) {
      dropClient(c);
      return;
    }
    if (n > 0) {
      c->out.erase(0, static_cast<size_t>(n));
    }
  }
  if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) != 0 && !c->readClosed) {
    char buf[16 * 1024];
    ssize_t n = ::read(c->fd.get(), buf, sizeof(buf));
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
      c->readClosed = true;
      if (!c->helloDone) {
        dropClient(c);
        return;
      }
      // docker's StdinOnce: the attached client's end of input ends the process's input.
      if (c->req.wantStdin && opts_.stdinOnce) {
        closeStdin();
      }
      if (n < 0 || (events & EPOLLERR) != 0) {
        dropClient(c);
        return;
      }
    } else if (n > 0) {
      std::string_view data(buf, static_cast<size_t>(n));
      if (!c->helloDone) {
        c->in.append(data);
        size_t nl = c->in.find('\n');
        if (nl == std::string::npos) {
          if (c->in.size() > kMaxHello) {
            dropClient(c);
            return;
          }
        } else {
          auto req = parseAttachRequest(std::string_view(c->in).substr(0, nl));
          if (!req.ok()) {
            dropClient(c);
            return;
          }
          c->req = *req;
          c->req.wantStdin = c->req.wantStdin && opts_.stdinOpen;
          c->helloDone = true;
          std::string rest = c->in.substr(nl + 1);
          c->in.clear();
          c->in.shrink_to_fit();
          if (c->req.wantStdin && !rest.empty()) {
            queueStdin(rest);
          }
          if (phase_ == Phase::kWaitingForAttach && !attachedOnce_) {
            attachedOnce_ = true;
            Status st = startProcess();
            if (!st.ok()) {
              failStart(st.error().message());
              return;
            }
          }
        }
      } else if (c->req.wantStdin) {
        queueStdin(data);
      }
    }
  }
  if (phase_ == Phase::kFlushing) {
    bool pending = false;
    for (Client& other : clients_) {
      pending = pending || !other.out.empty();
    }
    if (!pending) {
      finish();
      return;
    }
  }
  // A peer gone both ways keeps reporting EPOLLHUP: nothing more to do with it.
  if (((events & EPOLLHUP) != 0 && c->readClosed) || !updateClientInterest(c)) {
    dropClient(c);
  }
}

bool Shim::updateClientInterest(Client* c) {
  uint32_t ev = 0;
  if (!c->readClosed && stdinBuf_.size() < kMaxStdinBuffer) {
    ev |= EPOLLIN;
  }
  if (!c->out.empty()) {
    ev |= EPOLLOUT;
  }
  return loop_->modify(c->fd.get(), ev).ok();
}

void Shim::dropClient(Client* c) {
  loop_->remove(c->fd.get());
  clients_.remove_if([c](const Client& x) { return &x == c; });
}

void Shim::broadcast(LogStream stream, std::string_view data) {
  std::vector<Client*> overflowing;
  for (Client& c : clients_) {
    if (!c.helloDone) {
      continue;
    }
    bool wants = stream == LogStream::kStderr ? c.req.wantStderr : c.req.wantStdout;
    if (opts_.terminal) {
      wants = c.req.wantStdout || c.req.wantStderr;  // a terminal has one stream
    }
    if (!wants) {
      continue;
    }
    bool wasEmpty = c.out.empty();
    if (opts_.terminal) {
      c.out.append(data);
    } else {
      appendStdcopyFrame(c.out, static_cast<StdStream>(stream), data);
    }
    if (c.out.size() > kMaxClientBacklog || (wasEmpty && !updateClientInterest(&c))) {
      overflowing.push_back(&c);
    }
  }
  for (Client* c : overflowing) {
    dropClient(c);
  }
}

void Shim::onControlAccept() {
  while (true) {
    int fd = ::accept4(controlListen_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) {
      return;
    }
    controls_.push_back(ControlConn{});
    ControlConn* c = &controls_.back();
    c->fd.reset(fd);
    if (!loop_->add(fd, EPOLLIN, [this, c](uint32_t) { onControlEvent(c); }).ok()) {
      controls_.pop_back();
    }
  }
}

void Shim::onControlEvent(ControlConn* c) {
  char buf[4096];
  ssize_t n = ::read(c->fd.get(), buf, sizeof(buf));
  if (n > 0) {
    c->in.append(buf, static_cast<size_t>(n));
  }
  size_t nl;
  while ((nl = c->in.find('\n')) != std::string::npos) {
    auto cmd = parseControlCommand(std::string_view(c->in).substr(0, nl));
    c->in.erase(0, nl + 1);
    if (!cmd.ok()) {
      continue;  // a bad line is ignored; the connection stays
    }
    if (cmd->kind == ControlCommand::Kind::kResize) {
      windowSize_ = winsize{cmd->height, cmd->width, 0, 0};
      applyWindowSize();
    } else {
      closeStdin();
    }
  }
  if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR) || c->in.size() > kMaxControlLine) {
    loop_->remove(c->fd.get());
    controls_.remove_if([c](const ControlConn& x) { return &x == c; });
  }
}

int Shim::stdinTarget() const { return opts_.terminal ? ptyMaster_.get() : stdinW_.get(); }

void Shim::queueStdin(std::string_view data) {
  if (stdinClosed_) {
    return;
  }
  stdinBuf_.append(data);
  flushStdin();
}

void Shim::flushStdin() {
  int fd = stdinTarget();
  if (fd < 0) {
    return;  // not started yet: the input waits
  }
  while (!stdinBuf_.empty()) {
    ssize_t n = ::write(fd, stdinBuf_.data(), stdinBuf_.size());
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      if (errno == EAGAIN) {
        break;
      }
      stdinBuf_.clear();  // EPIPE: the process closed its stdin
      if (!opts_.terminal) {
        closeStdin();
      }
      return;
    }
    stdinBuf_.erase(0, static_cast<size_t>(n));
  }
  uint32_t want = stdinBuf_.empty() ? 0u : static_cast<uint32_t>(EPOLLOUT);
  if (opts_.terminal) {
    want |= EPOLLIN;
  }
  if (loop_->watching(fd)) {
    Status st = loop_->modify(fd, want);
    (void)st;
  }
  if (stdinClosed_ && stdinBuf_.empty() && !opts_.terminal && stdinW_) {
    loop_->remove(stdinW_.get());
    stdinW_.reset();  // the process reads EOF
  }
  // Clients paused while the buffer was full may read again.
  if (stdinBuf_.size() < kMaxStdinBuffer) {
    for (Client& c : clients_) {
      if (!c.readClosed) {
        Status st = loop_->modify(c.fd.get(), EPOLLIN | (c.out.empty() ? 0u : static_cast<uint32_t>(EPOLLOUT)));
        (void)st;  // a failing client is dropped at its next event
      }
    }
  }
}

void Shim::closeStdin() {
  if (stdinClosed_ && (opts_.terminal || !stdinW_)) {
    return;
  }
  // With a terminal the pty stays (it carries the output); input just stops.
  stdinClosed_ = true;
  flushStdin();
}

void Shim::applyWindowSize() {
  if (windowSize_ && ptyMaster_) {
    ::ioctl(ptyMaster_.get(), TIOCSWINSZ, &*windowSize_);
  }
}

}  // namespace berth
