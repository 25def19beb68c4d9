// Kernel parameters under /proc/sys. The net.* ones belong to a network
// namespace: they are those of the calling thread's namespace (see sysctl.cc).
#pragma once

#include <string>
#include <vector>

#include "common/result.h"

namespace berth {

// key: "net.ipv4.ip_forward" (dots) or "net/ipv4/ip_forward" (slashes, as
// sysctl(8) accepts; use this or the component form when an interface name
// such as "eth0.100" holds a dot). Errors: not-found if the key does not
// exist, forbidden if not writable, invalid-argument if the kernel refuses
// the value or the key is malformed.
Status writeSysctl(const std::string& key, const std::string& value);
// The value without its trailing newline.
Result<std::string> readSysctl(const std::string& key);

// The key as path components: {"net", "ipv4", "conf", ifname, "route_localnet"}.
Status writeSysctl(const std::vector<std::string>& path, const std::string& value);
Result<std::string> readSysctl(const std::vector<std::string>& path);

}  // namespace berth
