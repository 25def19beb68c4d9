#include "shim/state_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "common/time_format.h"
#include "kernel/unique_fd.h"
#include "logdriver/json_log_format.h"

namespace berth {

Status writeFileAtomic(int dirFd, const std::string& name, std::string_view content) {
  std::string tmp = "." + name + ".tmp";
  UniqueFd fd(::openat(dirFd, tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd) {
    return systemError("create " + tmp, errno);
  }
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd.get(), content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      int err = errno;
      ::unlinkat(dirFd, tmp.c_str(), 0);
      return systemError("write " + tmp, err);
    }
    done += static_cast<size_t>(n);
  }
  fd.reset();
  if (::renameat(dirFd, tmp.c_str(), dirFd, name.c_str()) != 0) {
    int err = errno;
    ::unlinkat(dirFd, tmp.c_str(), 0);
    return systemError("rename " + tmp + " to " + name, err);
  }
  return okStatus();
}

int exitCodeFromWaitStatus(int status) {
  if (WIFEXITED(status)) {
    return WEXITSTATUS(status);
  }
  if (WIFSIGNALED(status)) {
    return 128 + WTERMSIG(status);
  }
  return 255;
}

std::string formatExitJson(int exitCode, int64_t finishedAtNano, std::string_view error) {
  std::string out = "{\"exitCode\": " + std::to_string(exitCode) + ", \"finishedAt\": \"" +
                    formatRfc3339Nano(finishedAtNano) + "\", \"oomKilled\": false";
  if (!error.empty()) {
    out += ", \"error\": ";
    appendGoJsonString(out, error);
  }
  out += "}\n";
  return out;
}

}  // namespace berth
