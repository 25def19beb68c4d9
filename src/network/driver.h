// A network driver: owns the kernel objects of its networks and endpoints.
// The controller calls it with the records it persists; drivers keep no state
// of their own beyond the kernel's, so a restarted berthd needs nothing else.
#pragma once

#include <string>

#include "common/result.h"
#include "network/records.h"

namespace berth::network {

class Driver {
 public:
  virtual ~Driver() = default;
  virtual std::string name() const = 0;
  // Checks the driver options of `n`, fills in the driver's fields (the bridge
  // name) and makes the kernel objects. On failure nothing is left behind.
  virtual Status createNetwork(NetworkRecord& n) = 0;
  // Removes the kernel objects; missing ones are fine (repeatable).
  virtual Status deleteNetwork(const NetworkRecord& n) = 0;
  // At start-up: makes sure the kernel objects of a stored network exist
  // (after a reboot they are gone) and carry the right addresses.
  virtual Status restoreNetwork(const NetworkRecord& n) = 0;
  // Plugs endpoint `ep` (addresses and ifName already chosen) into the network
  // namespace `sandboxFd`; fills in ep.hostIfName and ep.mac. With
  // `defaultGateway` the sandbox's default route goes through the network's
  // gateway. On failure nothing is left behind.
  virtual Status join(const NetworkRecord& n, EndpointRecord& ep, int sandboxFd,
                      bool defaultGateway) = 0;
  // Unplugs it; a sandbox that is already gone is fine.
  virtual Status leave(const NetworkRecord& n, const EndpointRecord& ep) = 0;
  // Whether traffic leaves through the host's routing (port publishing,
  // masquerade): bridge yes; macvlan and ipvlan put containers on the wire.
  virtual bool natted() const = 0;
};

}  // namespace berth::network
