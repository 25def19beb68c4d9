// Linux capabilities by name, docker's default set, and docker's rules for
// --cap-add / --cap-drop / --privileged.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace berth {

// Every capability this kernel generation defines, "CAP_CHOWN" (0) through
// "CAP_CHECKPOINT_RESTORE" (40), in number order.
const std::vector<std::string>& allCapabilities();

// docker's default set: CHOWN, DAC_OVERRIDE, FSETID, FOWNER, MKNOD, NET_RAW,
// SETGID, SETUID, SETFCAP, SETPCAP, NET_BIND_SERVICE, SYS_CHROOT, KILL, AUDIT_WRITE.
const std::vector<std::string>& defaultCapabilities();

// The capability's number, or -1 for a name not in allCapabilities().
int capabilityNumber(std::string_view canonicalName);

// docker's TweakCapabilities over canonical names (see parseCapability):
// privileged → all; "ALL" in add → all minus drop; "ALL" in drop → add only;
// else defaults minus drop plus add. Order: number order, no duplicates.
std::vector<std::string> effectiveCapabilities(const std::vector<std::string>& add,
                                               const std::vector<std::string>& drop,
                                               bool privileged);

// Bit N set for each capability N: what /proc/PID/status shows as CapEff.
uint64_t capabilityMask(const std::vector<std::string>& caps);

}  // namespace berth
