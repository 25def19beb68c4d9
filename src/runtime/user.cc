#include "runtime/user.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <optional>

#include "common/error.h"
#include "common/strings.h"
#include "kernel/unique_fd.h"

namespace berth {
namespace {

constexpr size_t kMaxFileBytes = size_t{8} << 20;

struct PasswdEntry {
  std::string name;
  uint32_t uid = 0;
  uint32_t gid = 0;
};
struct GroupEntry {
  std::string name;
  uint32_t gid = 0;
  std::vector<std::string> members;
};

std::optional<uint32_t> parseId(std::string_view s) {
  uint32_t v = 0;
  if (s.empty()) {
    return std::nullopt;
  }
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || v > 0x7fffffffU) {
    return std::nullopt;
  }
  return v;
}

// The file's text, or nullopt when it does not exist in the rootfs.
Result<std::optional<std::string>> readInRoot(const std::string& rootfs, const char* relPath) {
  UniqueFd root(::open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) {
    return Unexpected(systemError("open container rootfs " + rootfs, errno));
  }
  struct open_how how {};
  how.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  UniqueFd fd(static_cast<int>(::syscall(SYS_openat2, root.get(), relPath, &how, sizeof(how))));
  if (!fd) {
    int err = errno;
    if (err == ENOENT || err == ENOTDIR) {
      return std::optional<std::string>();
    }
    return Unexpected(systemError(std::string("open /") + relPath + " in the container", err));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return Unexpected(
        invalidArgument(std::string("/") + relPath + " in the container is not a regular file"));
  }
  std::string text;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return Unexpected(systemError(std::string("read /") + relPath + " in the container", errno));
    }
    if (n == 0) {
      break;
    }
    text.append(buf, static_cast<size_t>(n));
    if (text.size() > kMaxFileBytes) {
      return Unexpected(
          invalidArgument(std::string("/") + relPath + " in the container is too large"));
    }
  }
  return std::optional<std::string>(std::move(text));
}

// Non-empty, non-comment lines split at ':'.
std::vector<std::vector<std::string>> records(const std::string& text) {
  std::vector<std::vector<std::string>> out;
  for (const auto& raw : split(text, '\n')) {
    std::string_view line = trim(raw);
    if (line.empty() || line.front() == '#') {
      continue;
    }
    out.push_back(split(line, ':'));
  }
  return out;
}

std::vector<PasswdEntry> parsePasswd(const std::string& text) {
  std::vector<PasswdEntry> out;
  for (const auto& f : records(text)) {
    if (f.size() < 4) {
      continue;
    }
    auto uid = parseId(f[2]);
    auto gid = parseId(f[3]);
    if (uid && gid) {
      out.push_back({f[0], *uid, *gid});
    }
  }
  return out;
}

std::vector<GroupEntry> parseGroup(const std::string& text) {
  std::vector<GroupEntry> out;
  for (const auto& f : records(text)) {
    if (f.size() < 3) {
      continue;
    }
    auto gid = parseId(f[2]);
    if (!gid) {
      continue;
    }
    GroupEntry g{f[0], *gid, {}};
    if (f.size() > 3 && !f[3].empty()) {
      for (const auto& m : split(f[3], ',')) {
        g.members.emplace_back(trim(m));
      }
    }
    out.push_back(std::move(g));
  }
  return out;
}

}  // namespace

Result<ResolvedUser> resolveUser(const std::string& rootfs, const UserSpec& user,
                                 const std::vector<std::string>& groupAdd) {
  BERTH_ASSIGN_OR_RETURN(auto passwdText, readInRoot(rootfs, "etc/passwd"));
  BERTH_ASSIGN_OR_RETURN(auto groupText, readInRoot(rootfs, "etc/group"));
  std::vector<PasswdEntry> users =
      passwdText ? parsePasswd(*passwdText) : std::vector<PasswdEntry>{};
  std::vector<GroupEntry> groups = groupText ? parseGroup(*groupText) : std::vector<GroupEntry>{};

  ResolvedUser out;
  std::optional<uint32_t> uidArg = parseId(user.user);
  std::optional<uint32_t> gidArg = parseId(user.group);
  std::string matchedName;
  for (const auto& u : users) {
    bool match = user.user.empty() ? u.uid == 0 : (uidArg ? u.uid == *uidArg : u.name == user.user);
    if (match) {  // first match wins, as in runc
      matchedName = u.name;
      out.uid = u.uid;
      out.gid = u.gid;
      break;
    }
  }
  if (matchedName.empty() && !user.user.empty()) {
    if (!uidArg) {
      return Unexpected(invalidArgument("unable to find user " + user.user +
                                        ": no matching entries in passwd file"));
    }
    out.uid = *uidArg;
  }

  if (!user.group.empty()) {
    bool found = false;
    for (const auto& g : groups) {
      if (gidArg ? g.gid == *gidArg : g.name == user.group) {
        out.gid = g.gid;
        found = true;
        break;
      }
    }
    if (!found) {
      if (!gidArg) {
        return Unexpected(invalidArgument("unable to find group " + user.group +
                                          ": no matching entries in group file"));
      }
      out.gid = *gidArg;
    }
  } else if (!matchedName.empty()) {
    // Supplementary groups only in the implicit form, as runc does.
    for (const auto& g : groups) {
      for (const auto& m : g.members) {
        if (m == matchedName) {
          out.additionalGids.push_back(g.gid);
          break;
        }
      }
    }
  }

  for (const auto& name : groupAdd) {
    if (auto gid = parseId(name)) {
      out.additionalGids.push_back(*gid);
      continue;
    }
    bool found = false;
    for (const auto& g : groups) {
      if (g.name == name) {
        out.additionalGids.push_back(g.gid);
        found = true;
        break;
      }
    }
    if (!found) {
      return Unexpected(invalidArgument("Unable to find group " + name));
    }
  }
  return out;
}

}  // namespace berth
