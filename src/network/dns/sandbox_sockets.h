// The resolver's listening sockets inside a container's network namespace.
// They are bound to 127.0.0.11 on kernel-chosen ports and reached through a
// DNAT of 127.0.0.11:53 (table `ip berth_dns` in that namespace, as dockerd
// does), so that a container's own DNS server can still bind 0.0.0.0:53.
// Without nftables NAT in the kernel they fall back to 127.0.0.11:53 itself.
#pragma once

#include "common/result.h"
#include "kernel/unique_fd.h"

namespace berth::network::dns {

struct SandboxSockets {
  UniqueFd udp, tcp;  // non-blocking, close-on-exec; tcp is listening
  bool natted = false;
};

// Brings `lo` up if needed and makes the sockets, on a thread inside `netnsFd`.
Result<SandboxSockets> openSandboxSockets(int netnsFd);

}  // namespace berth::network::dns
