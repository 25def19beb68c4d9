#include "container/pidfd_watcher.h"

#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <fstream>
#include <iterator>
#include <sstream>
#include <system_error>

namespace berth::container {

class PidfdWatcher::Handle : public ProcessWatch {
 public:
  Handle(PidfdWatcher* w, uint64_t key) : w_(w), key_(key) {}
  ~Handle() override { w_->unwatch(key_); }

 private:
  PidfdWatcher* w_;
  uint64_t key_;
};

Result<std::unique_ptr<PidfdWatcher>> PidfdWatcher::create(std::string procRoot) {
  UniqueFd ep(::epoll_create1(EPOLL_CLOEXEC));
  if (!ep) {
    return systemError("epoll_create1", errno);
  }
  UniqueFd wake(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!wake) {
    return systemError("eventfd", errno);
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = 0;
  if (::epoll_ctl(ep.get(), EPOLL_CTL_ADD, wake.get(), &ev) != 0) {
    return systemError("epoll_ctl", errno);
  }
  return std::unique_ptr<PidfdWatcher>(
      new PidfdWatcher(std::move(procRoot), std::move(ep), std::move(wake)));
}

PidfdWatcher::PidfdWatcher(std::string procRoot, UniqueFd epoll, UniqueFd wake)
    : procRoot_(std::move(procRoot)), epoll_(std::move(epoll)), wake_(std::move(wake)) {
  thread_ = std::thread([this] { loop(); });
}

PidfdWatcher::~PidfdWatcher() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wakeUp();
  thread_.join();
}

void PidfdWatcher::wakeUp() {
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(wake_.get(), &one, sizeof(one));
}

Result<std::unique_ptr<ProcessWatch>> PidfdWatcher::watch(int pid, std::function<void()> onExit) {
  if (pid <= 0) {
    return invalidArgument("watch: bad pid " + std::to_string(pid));
  }
  int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (fd < 0 && errno != ESRCH) {
    return systemError("pidfd_open " + std::to_string(pid), errno);
  }
  UniqueFd pidfd(fd);
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t key = nextKey_++;
  if (pidfd) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = key;
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, pidfd.get(), &ev) != 0) {
      return systemError("epoll_ctl pidfd", errno);
    }
  } else {
    immediate_.push_back(key);
    wakeUp();
  }
  entries_.emplace(key, Entry{std::move(pidfd), std::move(onExit)});
  return std::unique_ptr<ProcessWatch>(std::make_unique<Handle>(this, key));
}

void PidfdWatcher::unwatch(uint64_t key) {
  std::unique_lock<std::mutex> lock(mu_);
  auto it = entries_.find(key);
  if (it != entries_.end()) {
    if (it->second.pidfd) {
      ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, it->second.pidfd.get(), nullptr);
    }
    entries_.erase(it);
  }
  if (std::this_thread::get_id() != thread_.get_id()) {
    cv_.wait(lock, [&] { return running_ != key; });
  }
}

void PidfdWatcher::loop() {
  epoll_event events[32];
  while (true) {
    int n = ::epoll_wait(epoll_.get(), events, 32, -1);
    if (n < 0 && errno != EINTR) {
      spdlog::error("process watcher: epoll_wait: {}",
                    std::error_code(errno, std::generic_category()).message());
      ::usleep(100'000);
      continue;
    }
    std::vector<uint64_t> ready;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stop_) {
        return;
      }
      for (int i = 0; i < n; ++i) {
        // epoll_event is packed on x86-64: copy the key out rather than bind
        // a reference to a misaligned member.
        uint64_t key = events[i].data.u64;
        if (key == 0) {
          uint64_t drain = 0;
          [[maybe_unused]] ssize_t r = ::read(wake_.get(), &drain, sizeof(drain));
        } else {
          ready.push_back(key);
        }
      }
      ready.insert(ready.end(), immediate_.begin(), immediate_.end());
      immediate_.clear();
    }
    for (uint64_t key : ready) {
      std::function<void()> cb;
      {
        std::lock_guard<std::mutex> lock(mu_);
        auto it = entries_.find(key);
        if (it == entries_.end() || stop_) {
          continue;
        }
        if (it->second.pidfd) {
          ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, it->second.pidfd.get(), nullptr);
        }
        cb = std::move(it->second.cb);
        entries_.erase(it);
        running_ = key;
      }
      cb();
      {
        std::lock_guard<std::mutex> lock(mu_);
        running_ = 0;
      }
      cv_.notify_all();
    }
  }
}

bool PidfdWatcher::isShimAlive(int pid, const std::string& containerId) {
  if (pid <= 0 || (::kill(pid, 0) != 0 && errno != EPERM)) {
    return false;
  }
  std::ifstream in(procRoot_ + "/" + std::to_string(pid) + "/cmdline", std::ios::binary);
  std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> argv;
  std::stringstream ss(cmdline);
  for (std::string a; std::getline(ss, a, '\0');) {
    argv.push_back(a);
  }
  if (argv.empty() || argv[0].find("berth-shim") == std::string::npos) {
    return false;
  }
  for (size_t i = 0; i + 1 < argv.size(); ++i) {
    if (argv[i] == "--id" && argv[i + 1] == containerId) {
      return true;
    }
  }
  return false;
}

}  // namespace berth::container
