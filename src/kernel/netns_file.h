// A network namespace that outlives every process in it: a fresh namespace
// bind-mounted onto a file (like `ip netns add`, but anywhere), used as a
// container's sandbox and handed to the OCI runtime by path.
#pragma once

#include <string>

#include "common/result.h"

namespace berth {

// Creates a new network namespace with `lo` up and bind-mounts it at `path`,
// which must not exist yet (its directory must). conflict if `path` exists;
// on any failure nothing is left behind. Runs on a dedicated thread; the
// caller's namespace is never touched. Needs CAP_SYS_ADMIN.
Status createNetnsFile(const std::string& path);

// Unmounts (lazily, MNT_DETACH) and deletes a file made by createNetnsFile.
// Deleting it also detaches the copies that mount namespaces made later
// (runc's, a shim's) hold of it (Linux >= 3.18 unmounts a deleted mount point
// in every namespace), so no copy keeps the namespace alive; it goes away once
// no process uses it. A missing file is fine, so teardown can be repeated.
Status removeNetnsFile(const std::string& path);

}  // namespace berth
