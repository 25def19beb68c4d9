#include "shim/event_loop.h"

#include <sys/epoll.h>

#include <cerrno>

namespace berth {
namespace {

uint64_t tag(int fd, uint32_t generation) {
  return (static_cast<uint64_t>(generation) << 32) | static_cast<uint32_t>(fd);
}

}  // namespace

Result<EventLoop> EventLoop::create() {
  int fd = ::epoll_create1(EPOLL_CLOEXEC);
  if (fd < 0) {
    return systemError("epoll_create1", errno);
  }
  return EventLoop(UniqueFd(fd));
}

Status EventLoop::add(int fd, uint32_t events, Handler handler) {
  uint32_t gen = nextGeneration_++;
  struct epoll_event ev {};
  ev.events = events;
  ev.data.u64 = tag(fd, gen);
  if (::epoll_ctl(epfd_.get(), EPOLL_CTL_ADD, fd, &ev) != 0) {
    return systemError("epoll_ctl add", errno);
  }
  entries_[fd] = Entry{gen, events, std::move(handler)};
  return okStatus();
}

Status EventLoop::modify(int fd, uint32_t events) {
  auto it = entries_.find(fd);
  if (it == entries_.end()) {
    return internal("epoll: modify of an unwatched fd");
  }
  if (it->second.events == events) {
    return okStatus();
  }
  struct epoll_event ev {};
  ev.events = events;
  ev.data.u64 = tag(fd, it->second.generation);
  if (::epoll_ctl(epfd_.get(), EPOLL_CTL_MOD, fd, &ev) != 0) {
    return systemError("epoll_ctl mod", errno);
  }
  it->second.events = events;
  return okStatus();
}

void EventLoop::remove(int fd) {
  if (entries_.erase(fd) != 0) {
    ::epoll_ctl(epfd_.get(), EPOLL_CTL_DEL, fd, nullptr);
  }
}

Status EventLoop::runOnce(int timeoutMs) {
  struct epoll_event events[16];
  int n = ::epoll_wait(epfd_.get(), events, 16, timeoutMs);
  if (n < 0) {
    return errno == EINTR ? okStatus() : systemError("epoll_wait", errno);
  }
  for (int i = 0; i < n; ++i) {
    int fd = static_cast<int>(events[i].data.u64 & 0xFFFFFFFFu);
    auto gen = static_cast<uint32_t>(events[i].data.u64 >> 32);
    auto it = entries_.find(fd);
    if (it == entries_.end() || it->second.generation != gen) {
      continue;  // removed by an earlier handler of this round
    }
    Handler h = it->second.handler;  // the handler may remove (and so destroy) itself
    h(events[i].events);
  }
  return okStatus();
}

}  // namespace berth
