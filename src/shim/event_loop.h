// A minimal single-threaded epoll loop: one handler per file descriptor.
#pragma once

#include <cstdint>
#include <functional>
#include <unordered_map>

#include "common/result.h"
#include "kernel/unique_fd.h"

namespace berth {

class EventLoop {
 public:
  using Handler = std::function<void(uint32_t events)>;

  static Result<EventLoop> create();

  // Watches `fd` (level-triggered) for `events` (EPOLLIN, EPOLLOUT...).
  Status add(int fd, uint32_t events, Handler handler);
  Status modify(int fd, uint32_t events);
  // Stops watching `fd`; call before closing it. Events of this round that are
  // still queued for it are dropped, even if the number is reused.
  void remove(int fd);
  bool watching(int fd) const { return entries_.count(fd) != 0; }

  // Waits up to `timeoutMs` (-1: no limit) and runs the handlers of ready fds.
  Status runOnce(int timeoutMs);

 private:
  explicit EventLoop(UniqueFd epfd) : epfd_(std::move(epfd)) {}

  struct Entry {
    uint32_t generation;
    uint32_t events;
    Handler handler;
  };
  UniqueFd epfd_;
  std::unordered_map<int, Entry> entries_;
  uint32_t nextGeneration_ = 1;
};

}  // namespace berth
