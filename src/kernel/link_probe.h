// Which link kinds this kernel can create, found by creating each one over
// rtnetlink (libnl-route-3). Internal to berth_kernel; used by the feature probe.
#pragma once

#include "common/result.h"

namespace berth {

struct LinkKindSupport {
  bool bridge = false;
  bool veth = false;
  bool vxlan = false;
  bool macvlan = false;
  bool ipvlan = false;
  bool vlan8021q = false;
};

// Creates one link of each kind in the calling thread's network namespace,
// which must be a throwaway one (see runInNewNetns): the links are left for
// the namespace's teardown to remove. Creating, unlike reading /proc/modules,
// lets the kernel autoload a modular driver and sees built-in ones.
// Fails only if rtnetlink itself cannot be used.
Result<LinkKindSupport> probeLinkKinds();

}  // namespace berth
