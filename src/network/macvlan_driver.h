// The macvlan driver (and the shape it shares with ipvlan): containers sit
// directly on an existing L2 segment through a "parent" link of the host,
// each with its own link made inside the sandbox. No bridge, no NAT, no
// firewall rules: natted() is false. Behaviour and limits: docs/macvlan.md.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "network/driver.h"

namespace berth {
class Netlink;
}  // namespace berth

namespace berth::network {

// dockerd's driver options.
inline constexpr const char* kOptParent = "parent";
inline constexpr const char* kOptMacvlanMode = "macvlan_mode";
inline constexpr const char* kOptIpvlanMode = "ipvlan_mode";
// Driver-owned options, set by berth and refused from users. "true" when berth
// made the parent link (an 802.1q sub-interface, or the internal-only parent),
// so that it is removed with the network; a user's own link never is.
inline constexpr const char* kOptCreatedParent = "com.berth.created_parent";
// Shown by `network inspect`: why the host cannot reach the containers.
inline constexpr const char* kOptHostAccess = "com.berth.host_access";

// Which network uses which parent link, shared by the macvlan and ipvlan
// drivers (the kernel refuses both kinds on one parent, and two networks on
// one segment would hand out clashing addresses). Filled by createNetwork and
// restoreNetwork, emptied by deleteNetwork. Thread-safe.
class ParentRegistry {
 public:
  // Conflict if another network holds `parent`; claiming it again for the same
  // network is fine (restore).
  Status claim(const std::string& parent, const std::string& networkId,
               const std::string& networkName);
  void release(const std::string& networkId);
  bool held(const std::string& parent) const;

 private:
  struct Holder {
    std::string id, name;
  };
  mutable std::mutex mu_;
  std::map<std::string, Holder> byParent_;
};

// A parent option taken apart: "eth0.100" is VLAN 100 of eth0 when no link of
// that name exists (then berth creates it).
struct ParentSpec {
  std::string name;  // the link the sub-links hang off
  std::string base;  // "eth0" for "eth0.100"; "" if not of the IFACE.VLANID form
  int vlanId = 0;    // 1..4094 when base is set
};
// Invalid-argument for a name that no link can have.
Result<ParentSpec> parseParent(const std::string& text);

// The link kind a ParentLinkDriver makes: what differs between macvlan and ipvlan.
struct SubLinkKind {
  std::string driver;      // "macvlan"
  std::string modeOption;  // "macvlan_mode"
  std::vector<std::string> modes;  // the first is the default
  bool ownMac = true;      // macvlan links get their own MAC; ipvlan ones share the parent's
  std::vector<std::string> deviceRouteModes;  // modes whose default route is "dev", no gateway
};

// The common driver: validation, parent links, the registry, join and leave.
class ParentLinkDriver : public Driver {
 public:
  // `sandboxDir`: where the controller keeps sandboxes as <dir>/<container id>
  // (leave() only gets the endpoint, and must delete its link in a sandbox
  // that still lives); "" = leave it to the sandbox's teardown. `parents` may
  // be shared with the other kind; null = a registry of this driver's own.
  ParentLinkDriver(SubLinkKind kind, std::string sandboxDir,
                   std::shared_ptr<ParentRegistry> parents);

  std::string name() const override { return kind_.driver; }
  Status createNetwork(NetworkRecord& n) override;
  Status deleteNetwork(const NetworkRecord& n) override;
  Status restoreNetwork(const NetworkRecord& n) override;
  Status join(const NetworkRecord& n, EndpointRecord& ep, int sandboxFd,
              bool defaultGateway) override;
  Status leave(const NetworkRecord& n, const EndpointRecord& ep) override;
  bool natted() const override { return false; }

  // The mode of `n` (its option, else the default).
  std::string modeOf(const NetworkRecord& n) const;
  // The parent link of `n`: its option, else the internal-only "dm-<12 hex>".
  static std::string parentOf(const NetworkRecord& n);

 protected:
  // Makes one sub-link `name` on `parent`, created directly in `netnsFd`.
  virtual Status createLink(Netlink& nl, const std::string& name, const std::string& parent,
                            const std::string& mode, int netnsFd) = 0;

 private:
  Status validate(const NetworkRecord& n) const;
  Status probeKind(const std::string& mode);
  Status makeParent(Netlink& nl, const NetworkRecord& n, bool* created);
  Status removeParent(const NetworkRecord& n);

  SubLinkKind kind_;
  std::string sandboxDir_;
  std::shared_ptr<ParentRegistry> parents_;
};

class MacvlanDriver : public ParentLinkDriver {
 public:
  explicit MacvlanDriver(std::string sandboxDir = "",
                         std::shared_ptr<ParentRegistry> parents = nullptr);

 protected:
  Status createLink(Netlink& nl, const std::string& name, const std::string& parent,
                    const std::string& mode, int netnsFd) override;
};

// The note `network inspect` shows for a network on `parent`.
std::string hostAccessNote(const std::string& driver, const std::string& parent, bool internal);

}  // namespace berth::network
