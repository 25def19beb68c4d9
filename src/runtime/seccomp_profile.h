// berth's default seccomp profile, modelled on docker's: everything is
// refused with EPERM except an allowlist, and some calls are allowed only
// when the container holds the capability that makes them meaningful.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace berth {

// The profile as the OCI runtime-spec's linux.seccomp object, for a
// container with these (canonical) capabilities, for this host's
// architecture (x86_64 also lists x86 and x32; aarch64 also arm).
nlohmann::json defaultSeccompProfile(const std::vector<std::string>& capabilities);

}  // namespace berth
