#include "kernel/netns.h"

#include <fcntl.h>
#include <linux/nsfs.h>
#include <pthread.h>
#include <sched.h>
#include <sys/ioctl.h>

#include <cerrno>
#include <exception>
#include <system_error>
#include <thread>

#include "common/error.h"

namespace berth {

Result<UniqueFd> openNetns(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    int err = errno;
    if (err == ENOENT) {
      return Unexpected(notFound("network namespace " + path + " does not exist"));
    }
    return Unexpected(systemError("open network namespace " + path, err));
  }
  // Checked here so that a wrong path fails now, with its name, rather than as
  // an EINVAL from setns() on some worker thread later.
  int type = ::ioctl(fd.get(), NS_GET_NSTYPE);
  if (type < 0 || type != CLONE_NEWNET) {
    return Unexpected(invalidArgument(path + " is not a network namespace"));
  }
  return fd;
}

Result<UniqueFd> openCurrentNetns() { return openNetns("/proc/thread-self/ns/net"); }

namespace detail {
namespace {

Status enterAndRun(std::optional<int> nsFd, const std::function<Status()>& body) {
  // The name shows in top/gdb which threads are namespace workers.
  pthread_setname_np(pthread_self(), "berth-netns");
  if (nsFd.has_value()) {
    if (::setns(*nsFd, CLONE_NEWNET) != 0) {
      return Unexpected(systemError("setns into network namespace", errno));
    }
  } else if (::unshare(CLONE_NEWNET) != 0) {
    return Unexpected(systemError("unshare a new network namespace", errno));
  }
  try {
    return body();
  } catch (const std::exception& e) {
    return Unexpected(internal(std::string("in network namespace thread: ") + e.what()));
  } catch (...) {
    return Unexpected(internal("in network namespace thread: unknown exception"));
  }
}

}  // namespace

Status runOnNetnsThread(std::optional<int> nsFd, const std::function<Status()>& body) {
  // Status has no empty state, so the thread's answer waits in an optional.
  std::optional<Status> result;
  try {
    std::thread worker([&] { result.emplace(enterAndRun(nsFd, body)); });
    worker.join();
  } catch (const std::system_error& e) {
    return Unexpected(internal(std::string("start network namespace thread: ") + e.what()));
  }
  return std::move(*result);
}

}  // namespace detail
}  // namespace berth
