#include "runtime/capabilities.h"

#include <algorithm>

namespace berth {

const std::vector<std::string>& allCapabilities() {
  // Index = capability number (linux/capability.h).
  static const std::vector<std::string> kAll = {
      "CAP_CHOWN",
      "CAP_DAC_OVERRIDE",
      "CAP_DAC_READ_SEARCH",
      "CAP_FOWNER",
      "CAP_FSETID",
      "CAP_KILL",
      "CAP_SETGID",
      "CAP_SETUID",
      "CAP_SETPCAP",
      "CAP_LINUX_IMMUTABLE",
      "CAP_NET_BIND_SERVICE",
      "CAP_NET_BROADCAST",
      "CAP_NET_ADMIN",
      "CAP_NET_RAW",
      "CAP_IPC_LOCK",
      "CAP_IPC_OWNER",
      "CAP_SYS_MODULE",
      "CAP_SYS_RAWIO",
      "CAP_SYS_CHROOT",
      "CAP_SYS_PTRACE",
      "CAP_SYS_PACCT",
      "CAP_SYS_ADMIN",
      "CAP_SYS_BOOT",
      "CAP_SYS_NICE",
      "CAP_SYS_RESOURCE",
      "CAP_SYS_TIME",
      "CAP_SYS_TTY_CONFIG",
      "CAP_MKNOD",
      "CAP_LEASE",
      "CAP_AUDIT_WRITE",
      "CAP_AUDIT_CONTROL",
      "CAP_SETFCAP",
      "CAP_MAC_OVERRIDE",
      "CAP_MAC_ADMIN",
      "CAP_SYSLOG",
      "CAP_WAKE_ALARM",
      "CAP_BLOCK_SUSPEND",
      "CAP_AUDIT_READ",
      "CAP_PERFMON",
      "CAP_BPF",
      "CAP_CHECKPOINT_RESTORE",
  };
  return kAll;
}

const std::vector<std::string>& defaultCapabilities() {
  static const std::vector<std::string> kDefault = {
      "CAP_CHOWN",   "CAP_DAC_OVERRIDE", "CAP_FSETID",           "CAP_FOWNER",
      "CAP_MKNOD",   "CAP_NET_RAW",      "CAP_SETGID",           "CAP_SETUID",
      "CAP_SETFCAP", "CAP_SETPCAP",      "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
      "CAP_KILL",    "CAP_AUDIT_WRITE",
  };
  return kDefault;
}

int capabilityNumber(std::string_view canonicalName) {
  const auto& all = allCapabilities();
  auto it = std::find(all.begin(), all.end(), canonicalName);
  return it == all.end() ? -1 : static_cast<int>(it - all.begin());
}

namespace {

bool contains(const std::vector<std::string>& list, std::string_view name) {
  return std::find(list.begin(), list.end(), name) != list.end();
}

// Number order without duplicates, so that equal sets give equal specs.
std::vector<std::string> normalized(const std::vector<std::string>& caps) {
  std::vector<std::string> out;
  for (const auto& name : allCapabilities()) {
    if (contains(caps, name)) {
      out.push_back(name);
    }
  }
  return out;
}

}  // namespace

std::vector<std::string> effectiveCapabilities(const std::vector<std::string>& add,
                                               const std::vector<std::string>& drop,
                                               bool privileged) {
  if (privileged) {
    return allCapabilities();
  }
  std::vector<std::string> caps;
  if (contains(add, "ALL")) {
    for (const auto& name : allCapabilities()) {
      if (!contains(drop, name)) {
        caps.push_back(name);
      }
    }
  } else if (contains(drop, "ALL")) {
    caps = add;
  } else {
    for (const auto& name : defaultCapabilities()) {
      if (!contains(drop, name)) {
        caps.push_back(name);
      }
    }
    caps.insert(caps.end(), add.begin(), add.end());
  }
  return normalized(caps);
}

uint64_t capabilityMask(const std::vector<std::string>& caps) {
  uint64_t mask = 0;
  for (const auto& name : caps) {
    int n = capabilityNumber(name);
    if (n >= 0) {
      mask |= uint64_t{1} << n;
    }
  }
  return mask;
}

}  // namespace berth
