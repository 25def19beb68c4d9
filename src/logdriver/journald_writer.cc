#include "logdriver/journald_writer.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "kernel/unique_fd.h"
#include "logdriver/file_log_writers.h"

namespace berth {
namespace {

class JournaldWriter final : public LogWriter {
 public:
  JournaldWriter(UniqueFd fd, sockaddr_un addr, std::map<std::string, std::string> fixed)
      : fd_(std::move(fd)), addr_(addr), fixed_(std::move(fixed)) {}

  Status write(const LogMessage& msg) override {
    std::map<std::string, std::string> fields = fixed_;
    std::string_view content = msg.line;
    if (!content.empty() && content.back() == '\n') {
      content.remove_suffix(1);
    } else {
      fields["CONTAINER_PARTIAL_MESSAGE"] = "true";
    }
    fields["MESSAGE"] = std::string(content);
    fields["PRIORITY"] = msg.stream == LogStream::kStderr ? "3" : "6";
    std::string data = encodeJournalFields(fields);
    ssize_t n = ::sendto(fd_.get(), data.data(), data.size(), MSG_NOSIGNAL,
                         reinterpret_cast<const sockaddr*>(&addr_), sizeof(addr_));
    if (n >= 0) {
      return okStatus();
    }
    if (errno != EMSGSIZE && errno != ENOBUFS) {
      return systemError("journald: send", errno);
    }
    return sendViaMemfd(data);
  }

 private:
  // journald's protocol for entries above the datagram limit: the payload in a
  // sealed memfd passed as the only content of an empty datagram.
  Status sendViaMemfd(const std::string& data) {
    UniqueFd mfd(::memfd_create("berth-journal", MFD_CLOEXEC | MFD_ALLOW_SEALING));
    if (!mfd) {
      return systemError("journald: memfd_create", errno);
    }
    if (::write(mfd.get(), data.data(), data.size()) != static_cast<ssize_t>(data.size())) {
      return systemError("journald: write memfd", errno);
    }
    ::fcntl(mfd.get(), F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL);
    struct msghdr mh {};
    mh.msg_name = &addr_;
    mh.msg_namelen = sizeof(addr_);
    alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    mh.msg_control = control;
    mh.msg_controllen = sizeof(control);
    struct cmsghdr* cm = CMSG_FIRSTHDR(&mh);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    int fdValue = mfd.get();
    std::memcpy(CMSG_DATA(cm), &fdValue, sizeof(int));
    if (::sendmsg(fd_.get(), &mh, MSG_NOSIGNAL) < 0) {
      return systemError("journald: send memfd", errno);
    }
    return okStatus();
  }

  UniqueFd fd_;
  sockaddr_un addr_;
  std::map<std::string, std::string> fixed_;
};

}  // namespace

std::string journalFieldName(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c >= 'a' && c <= 'z') {
      c = static_cast<char>(c - 'a' + 'A');
    } else if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) {
      c = '_';
    }
    if (out.empty() && c == '_') {
      continue;
    }
    out += c;
  }
  return out;
}

std::string encodeJournalFields(const std::map<std::string, std::string>& fields) {
  std::string out;
  for (const auto& [k, v] : fields) {
    out += k;
    if (v.find('\n') == std::string::npos) {
      out += '=';
      out += v;
    } else {
      out += '\n';
      uint64_t n = v.size();
      for (int i = 0; i < 8; ++i) {
        out += static_cast<char>((n >> (8 * i)) & 0xFF);
      }
      out += v;
    }
    out += '\n';
  }
  return out;
}

Result<std::unique_ptr<LogWriter>> openJournaldWriter(const LogWriterConfig& config) {
  BERTH_ASSIGN_OR_RETURN(JournaldOptions opts, parseJournaldOptions(config.opts));
  BERTH_ASSIGN_OR_RETURN(std::string tag, renderLogTag(opts.tagTemplate, config.context));
  struct sockaddr_un addr {};
  addr.sun_family = AF_UNIX;
  if (config.journaldSocket.size() >= sizeof(addr.sun_path)) {
    return invalidArgument("journald socket path too long: " + config.journaldSocket);
  }
  std::memcpy(addr.sun_path, config.journaldSocket.c_str(), config.journaldSocket.size() + 1);
  UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd) {
    return systemError("journald: socket", errno);
  }
  std::map<std::string, std::string> fixed;
  for (const auto& [k, v] : config.context.attrs) {
    std::string name = journalFieldName(k);
    if (!name.empty()) {
      fixed[name] = v;
    }
  }
  const LogContext& c = config.context;
  fixed["CONTAINER_ID"] = c.containerId.substr(0, 12);
  fixed["CONTAINER_ID_FULL"] = c.containerId;
  fixed["CONTAINER_NAME"] = c.containerName;
  fixed["CONTAINER_TAG"] = tag;
  fixed["SYSLOG_IDENTIFIER"] = tag;
  if (!c.imageName.empty()) {
    fixed["IMAGE_NAME"] = c.imageName;
  }
  return std::unique_ptr<LogWriter>(std::make_unique<JournaldWriter>(std::move(fd), addr, std::move(fixed)));
}

}  // namespace berth
