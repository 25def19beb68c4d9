// Generic-netlink family lookup (the kernel's "nlctrl" controller), over a
// plain netlink socket so that berth needs no libnl-genl.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/result.h"

namespace berth {

// Resolves a generic-netlink family name ("IPVS", "wireguard", ...) to its id,
// asking from the calling thread's network namespace. not-found if the kernel
// has no such family even after trying to autoload the module providing it.
Result<std::uint16_t> resolveGenlFamily(std::string_view name);

}  // namespace berth
