#include "kernel/netns_file.h"

#include <fcntl.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/error.h"
#include "kernel/netns.h"
#include "kernel/unique_fd.h"

namespace berth {
namespace {

// A new namespace's `lo` is down; containers expect 127.0.0.1 to work.
// ioctl on a socket made inside the namespace is all that takes.
Status bringLoopbackUp() {
  UniqueFd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!sock) {
    return Unexpected(systemError("socket for lo", errno));
  }
  struct ifreq ifr {};
  std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  if (::ioctl(sock.get(), SIOCGIFFLAGS, &ifr) != 0) {
    return Unexpected(systemError("read flags of lo", errno));
  }
  ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP | IFF_RUNNING);
  if (::ioctl(sock.get(), SIOCSIFFLAGS, &ifr) != 0) {
    return Unexpected(systemError("bring lo up", errno));
  }
  return okStatus();
}

}  // namespace

Status createNetnsFile(const std::string& path) {
  UniqueFd file(::open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444));
  if (!file) {
    int err = errno;
    if (err == EEXIST) {
      return Unexpected(conflict("network namespace file " + path + " already exists"));
    }
    return Unexpected(systemError("create network namespace file " + path, err));
  }
  file.reset();
  Status made = runInNewNetns([&path]() -> Status {
    BERTH_TRY(bringLoopbackUp());
    // The thread's namespace, not the process's: only this thread unshared.
    if (::mount("/proc/thread-self/ns/net", path.c_str(), nullptr, MS_BIND, nullptr) != 0) {
      return Unexpected(systemError("bind mount network namespace on " + path, errno));
    }
    return okStatus();
  });
  if (!made.ok()) {
    ::unlink(path.c_str());
    return made;
  }
  return okStatus();
}

Status removeNetnsFile(const std::string& path) {
  if (::umount2(path.c_str(), MNT_DETACH | UMOUNT_NOFOLLOW) != 0) {
    int err = errno;
    if (err != EINVAL && err != ENOENT) {
      return Unexpected(systemError("unmount network namespace " + path, err));
    }
  }
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return Unexpected(systemError("remove network namespace file " + path, errno));
  }
  return okStatus();
}

}  // namespace berth
