// Resolves docker's -u (name|uid[:group|gid]) and --group-add against the
// container's own /etc/passwd and /etc/group, with runc's GetExecUser rules.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "runtime/units.h"

namespace berth {

struct ResolvedUser {
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::vector<uint32_t> additionalGids;  // the user's groups from /etc/group, then --group-add
};

// Reads <rootfs>/etc/passwd and /etc/group, resolving symlinks inside rootfs
// (openat2 RESOLVE_IN_ROOT), so an image cannot point them at host files.
// A numeric user or group needs no entry; a name that has none is
// invalid-argument "unable to find user NAME: no matching entries in passwd file".
// Missing files count as empty.
Result<ResolvedUser> resolveUser(const std::string& rootfs, const UserSpec& user,
                                 const std::vector<std::string>& groupAdd = {});

}  // namespace berth
