// /proc/sys, not /proc/thread-self/...: per-thread proc directories have no
// sys/ entry. /proc/sys/net is nonetheless per thread: the kernel resolves it
// through the opening task's namespaces (net_ctl_header_lookup uses
// current->nsproxy), unlike /proc/net, a link to the process's /proc/self/net.
#include "kernel/sysctl.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <string_view>
#include <utility>

#include "common/error.h"
#include "kernel/unique_fd.h"

namespace berth {
namespace {

constexpr std::string_view kRoot = "/proc/sys";

ErrorKind kindOfErrno(int err) {
  switch (err) {
    case ENOENT:
      return ErrorKind::kNotFound;
    case EACCES:
    case EPERM:
    case EROFS:
      return ErrorKind::kForbidden;
    case EINVAL:
    case ERANGE:
      return ErrorKind::kInvalidArgument;
    default:
      return ErrorKind::kInternal;
  }
}

Error sysctlError(const std::string& what, int err) {
  Error e = systemError(what, err);
  return {kindOfErrno(err), e.message()};
}

// Each component must name one entry of its directory.
Result<std::string> pathOf(const std::vector<std::string>& components, const std::string& what) {
  if (components.empty()) {
    return Unexpected(invalidArgument(what + ": empty sysctl key"));
  }
  std::string path(kRoot);
  for (const std::string& c : components) {
    if (c.empty() || c == "." || c == ".." || c.find('/') != std::string::npos ||
        c.find('\0') != std::string::npos) {
      std::string msg = what;
      msg += ": invalid sysctl key component \"";
      msg += c;
      msg += '"';
      return Unexpected(invalidArgument(std::move(msg)));
    }
    path += '/';
    path += c;
  }
  return path;
}

std::vector<std::string> splitKey(const std::string& key) {
  char sep = key.find('/') != std::string::npos ? '/' : '.';
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t end = key.find(sep, start);
    out.push_back(key.substr(start, end - start));
    if (end == std::string::npos) {
      return out;
    }
    start = end + 1;
  }
}

std::string keyOf(const std::vector<std::string>& path) {
  std::string key;
  for (const std::string& c : path) {
    key += key.empty() ? "" : "/";
    key += c;
  }
  return key;
}

Status writePath(const std::vector<std::string>& components, const std::string& key,
                 const std::string& value) {
  std::string what = "write sysctl " + key + "=" + value;
  BERTH_ASSIGN_OR_RETURN(std::string path, pathOf(components, what));
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) {
    return Unexpected(sysctlError(what, errno));
  }
  // One write(): a sysctl handler parses each write on its own.
  ssize_t n = ::write(fd.get(), value.data(), value.size());
  if (n < 0) {
    return Unexpected(sysctlError(what, errno));
  }
  if (static_cast<size_t>(n) != value.size()) {
    return Unexpected(internal(what + ": short write"));
  }
  return okStatus();
}

Result<std::string> readPath(const std::vector<std::string>& components, const std::string& key) {
  std::string what = "read sysctl " + key;
  BERTH_ASSIGN_OR_RETURN(std::string path, pathOf(components, what));
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    return Unexpected(sysctlError(what, errno));
  }
  std::string out;
  std::array<char, 4096> buf{};
  while (true) {
    ssize_t n = ::read(fd.get(), buf.data(), buf.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return Unexpected(sysctlError(what, errno));
    }
    if (n == 0) {
      break;
    }
    out.append(buf.data(), static_cast<size_t>(n));
  }
  while (!out.empty() && out.back() == '\n') {
    out.pop_back();
  }
  return out;
}

}  // namespace

Status writeSysctl(const std::string& key, const std::string& value) {
  return writePath(splitKey(key), key, value);
}

Result<std::string> readSysctl(const std::string& key) { return readPath(splitKey(key), key); }

Status writeSysctl(const std::vector<std::string>& path, const std::string& value) {
  return writePath(path, keyOf(path), value);
}

Result<std::string> readSysctl(const std::vector<std::string>& path) {
  return readPath(path, keyOf(path));
}

}  // namespace berth
