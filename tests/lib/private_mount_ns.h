// Tests that mount (kernel, runtime) run in a private mount namespace that the process
// enters before main() (private_mount_ns.cc).
#pragma once

#include <string>

namespace berth::testlib {

// True when the process is in its own private mount namespace; else why not.
bool inPrivateMountNamespace(std::string* why);

}  // namespace berth::testlib
