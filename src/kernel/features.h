// What this kernel can do, probed for real once at daemon start. Drivers ask
// it before they touch the kernel, so an absent feature fails with a message
// naming it instead of an opaque EOPNOTSUPP half way through a setup.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/result.h"

namespace berth {

struct KernelFeatures {
  bool bridge = false;
  bool veth = false;
  bool vxlan = false;
  bool macvlan = false;
  bool ipvlan = false;
  bool vlan8021q = false;
  bool nftables = false;
  bool ipvs = false;
  bool overlayfs = false;
  std::string cgroupLayout;   // "v1", "v2", "hybrid", or "unknown" if /sys/fs/cgroup is neither
  std::string kernelRelease;  // uname -r

  // Every field, keyed by its name above: {"bridge": true, ..., "kernelRelease": "6.1.0"}.
  nlohmann::json toJson() const;

  // okStatus() if `feature` (a toJson() boolean key) is present; otherwise an
  // unavailable error carrying missingFeatureMessage(feature).
  Status require(std::string_view feature) const;
};

// Probes the running kernel: link kinds and nftables by creating them inside a
// throwaway network namespace, IPVS by its generic-netlink family, overlayfs
// and cgroups from the filesystem. Never touches the caller's namespace; a
// probe that cannot run reports the feature absent (and logs why). Needs root
// for the namespace part. Takes a few milliseconds.
KernelFeatures probeKernelFeatures();

// The one-line message shown when `feature` (a toJson() boolean key) is absent,
// e.g. "kernel module 8021q not available: this host cannot create 802.1q VLAN
// sub-interfaces".
std::string missingFeatureMessage(std::string_view feature);

}  // namespace berth
