// Moves the whole test process into a private mount namespace before main()
// runs (unshare(CLONE_NEWNS) needs a single-threaded process), so that every
// mount a test makes stays out of the machine's namespace and goes away with
// the process even if a test fails half way.
#include "private_mount_ns.h"

#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <system_error>

namespace berth::testlib {
namespace {

struct PrivateMountNamespace {
  PrivateMountNamespace() {
    if (::geteuid() != 0) {
      why = "needs root";
      return;
    }
    if (::unshare(CLONE_NEWNS) != 0) {
      why = std::string("unshare(CLONE_NEWNS): ") + std::generic_category().message(errno);
      return;
    }
    // Private, so that nothing mounted here propagates back to the host.
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
      why = std::string("make / private: ") + std::generic_category().message(errno);
      return;
    }
    active = true;
  }
  bool active = false;
  std::string why;
};

PrivateMountNamespace& instance() {
  static PrivateMountNamespace ns;
  return ns;
}

// Forces the constructor to run during static initialisation.
[[maybe_unused]] const bool kInitialised = instance().active;

}  // namespace

bool inPrivateMountNamespace(std::string* why) {
  if (why != nullptr) {
    *why = instance().why;
  }
  return instance().active;
}

}  // namespace berth::testlib
