#include "shim/unix_io.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace berth {

Result<UniqueFd> listenUnix(const std::string& name) {
  struct sockaddr_un addr {};
  addr.sun_family = AF_UNIX;
  if (name.size() >= sizeof(addr.sun_path)) {
    return invalidArgument("socket name too long: " + name);
  }
  std::memcpy(addr.sun_path, name.c_str(), name.size() + 1);
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd) {
    return systemError("socket", errno);
  }
  ::unlink(name.c_str());
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    return systemError("bind " + name, errno);
  }
  ::chmod(name.c_str(), 0600);
  if (::listen(fd.get(), 16) != 0) {
    return systemError("listen " + name, errno);
  }
  return fd;
}

Result<UniqueFd> receiveFd(int sock) {
  char data[256];
  struct iovec iov {data, sizeof(data)};
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  struct msghdr mh {};
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  mh.msg_control = control;
  mh.msg_controllen = sizeof(control);
  ssize_t n;
  do {
    n = ::recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    return systemError("recvmsg console socket", errno);
  }
  for (struct cmsghdr* cm = CMSG_FIRSTHDR(&mh); cm != nullptr; cm = CMSG_NXTHDR(&mh, cm)) {
    if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
        cm->cmsg_len == CMSG_LEN(sizeof(int))) {
      int fd = -1;
      std::memcpy(&fd, CMSG_DATA(cm), sizeof(int));
      return UniqueFd(fd);
    }
  }
  return internal("the console socket carried no file descriptor");
}

Status setNonBlocking(int fd) {
  int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) {
    return systemError("fcntl O_NONBLOCK", errno);
  }
  return okStatus();
}

Result<std::string> readSmallFile(int dirFd, const std::string& name) {
  UniqueFd fd(::openat(dirFd, name.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    return systemError("open " + name, errno);
  }
  char buf[256];
  ssize_t n = ::read(fd.get(), buf, sizeof(buf));
  if (n < 0) {
    return systemError("read " + name, errno);
  }
  return std::string(buf, static_cast<size_t>(n));
}

}  // namespace berth
