#include "kernel/features.h"

#include <linux/magic.h>
#include <linux/mount.h>
#include <nftables/libnftables.h>
#include <spdlog/spdlog.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

#include "common/error.h"
#include "kernel/genl_family.h"
#include "kernel/link_probe.h"
#include "kernel/netns.h"
#include "kernel/unique_fd.h"

namespace berth {
namespace {

struct FeatureInfo {
  std::string_view key;
  bool KernelFeatures::*member;
  std::string_view provider;     // what the kernel lacks, as an admin would look it up
  std::string_view consequence;  // what berth therefore cannot do
};

constexpr std::array<FeatureInfo, 9> kFeatures{{
    {"bridge", &KernelFeatures::bridge, "kernel module bridge",
     "this host cannot create Linux bridges for bridge networks"},
    {"veth", &KernelFeatures::veth, "kernel module veth",
     "this host cannot create veth pairs to connect containers to networks"},
    {"vxlan", &KernelFeatures::vxlan, "kernel module vxlan",
     "this host cannot create VXLAN tunnels for overlay networks"},
    {"macvlan", &KernelFeatures::macvlan, "kernel module macvlan",
     "this host cannot create macvlan interfaces for macvlan networks"},
    {"ipvlan", &KernelFeatures::ipvlan, "kernel module ipvlan",
     "this host cannot create ipvlan interfaces for ipvlan networks"},
    {"vlan8021q", &KernelFeatures::vlan8021q, "kernel module 8021q",
     "this host cannot create 802.1q VLAN sub-interfaces"},
    {"nftables", &KernelFeatures::nftables, "kernel module nf_tables",
     "this host cannot program nftables rules for NAT, published ports and network isolation"},
    {"ipvs", &KernelFeatures::ipvs, "kernel module ip_vs",
     "this host cannot load-balance service virtual IPs with IPVS"},
    {"overlayfs", &KernelFeatures::overlayfs, "kernel filesystem overlay",
     "this host cannot mount overlayfs image layers"},
}};

const FeatureInfo* findFeature(std::string_view key) {
  for (const FeatureInfo& info : kFeatures) {
    if (info.key == key) {
      return &info;
    }
  }
  return nullptr;
}

struct NftCtxDeleter {
  void operator()(nft_ctx* ctx) const { nft_ctx_free(ctx); }
};

// Runs in the throwaway namespace: a table created there cannot clash with,
// or be seen by, the host's ruleset.
bool probeNftables() {
  std::unique_ptr<nft_ctx, NftCtxDeleter> ctx(nft_ctx_new(NFT_CTX_DEFAULT));
  if (!ctx) {
    spdlog::warn("kernel probe: cannot create an nftables context");
    return false;
  }
  // Buffered, so that libnftables does not write to the daemon's stdout/stderr.
  nft_ctx_buffer_output(ctx.get());
  nft_ctx_buffer_error(ctx.get());
  if (nft_run_cmd_from_buffer(ctx.get(), "add table inet berth_probe\n") != 0) {
    spdlog::debug("kernel probe: nftables: {}", nft_ctx_get_error_buffer(ctx.get()));
    return false;
  }
  if (nft_run_cmd_from_buffer(ctx.get(), "delete table inet berth_probe\n") != 0) {
    spdlog::debug("kernel probe: nftables delete: {}", nft_ctx_get_error_buffer(ctx.get()));
  }
  return true;
}

// The IPVS generic-netlink family, rather than /proc/net/ip_vs: the controller
// autoloads ip_vs on lookup (net-pf-16-proto-16-family-IPVS), while the /proc
// file only exists once something else has loaded the module.
bool probeIpvs() {
  Result<std::uint16_t> id = resolveGenlFamily("IPVS");
  if (!id.ok() && id.error().kind() != ErrorKind::kNotFound) {
    spdlog::warn("kernel probe: {}", id.error().message());
  }
  return id.ok();
}

bool overlayInProcFilesystems() {
  std::ifstream in("/proc/filesystems");
  std::string line;
  while (std::getline(in, line)) {
    // "nodev\toverlay": the name is the last field.
    std::istringstream fields(line);
    std::string field;
    std::string last;
    while (fields >> field) {
      last = field;
    }
    if (last == "overlay") {
      return true;
    }
  }
  return false;
}

// /proc/filesystems lists a modular overlayfs only once it is loaded. fsopen()
// looks the type up as mount(2) would, autoloading it, but mounts nothing.
bool overlayByFsopen() {
  UniqueFd fd(static_cast<int>(::syscall(SYS_fsopen, "overlay", FSOPEN_CLOEXEC)));
  if (!fd) {
    int err = errno;
    if (err != ENODEV) {
      spdlog::debug("kernel probe: fsopen(overlay): {}", std::strerror(err));
    }
    return false;
  }
  return true;
}

std::string probeCgroupLayout() {
  struct statfs root {};
  if (::statfs("/sys/fs/cgroup", &root) != 0) {
    return "unknown";
  }
  if (root.f_type == CGROUP2_SUPER_MAGIC) {
    return "v2";
  }
  if (root.f_type == CGROUP_SUPER_MAGIC) {
    return "v1";
  }
  if (root.f_type == TMPFS_MAGIC) {
    // systemd's hybrid layout: v1 controllers plus a v2 tree at unified/.
    struct statfs unified {};
    if (::statfs("/sys/fs/cgroup/unified", &unified) == 0 &&
        unified.f_type == CGROUP2_SUPER_MAGIC) {
      return "hybrid";
    }
    return "v1";
  }
  return "unknown";
}

std::string kernelRelease() {
  utsname uts{};
  if (::uname(&uts) != 0) {
    return "";
  }
  return uts.release;
}

}  // namespace

nlohmann::json KernelFeatures::toJson() const {
  nlohmann::json out = nlohmann::json::object();
  for (const FeatureInfo& info : kFeatures) {
    out[std::string(info.key)] = this->*info.member;
  }
  out["cgroupLayout"] = cgroupLayout;
  out["kernelRelease"] = kernelRelease;
  return out;
}

Status KernelFeatures::require(std::string_view feature) const {
  const FeatureInfo* info = findFeature(feature);
  if (info != nullptr && this->*info->member) {
    return okStatus();
  }
  return Unexpected(unavailable(missingFeatureMessage(feature)));
}

std::string missingFeatureMessage(std::string_view feature) {
  const FeatureInfo* info = findFeature(feature);
  if (info == nullptr) {
    return "kernel feature " + std::string(feature) + " not available";
  }
  return std::string(info->provider) + " not available: " + std::string(info->consequence);
}

KernelFeatures probeKernelFeatures() {
  auto start = std::chrono::steady_clock::now();
  KernelFeatures f;
  f.kernelRelease = kernelRelease();
  f.cgroupLayout = probeCgroupLayout();
  f.overlayfs = overlayInProcFilesystems() || overlayByFsopen();

  Status probed = runInNewNetns([&f]() -> Status {
    Result<LinkKindSupport> links = probeLinkKinds();
    if (links.ok()) {
      f.bridge = links->bridge;
      f.veth = links->veth;
      f.vxlan = links->vxlan;
      f.macvlan = links->macvlan;
      f.ipvlan = links->ipvlan;
      f.vlan8021q = links->vlan8021q;
    } else {
      spdlog::warn("kernel probe: link kinds: {}", links.error().message());
    }
    f.nftables = probeNftables();
    f.ipvs = probeIpvs();
    return okStatus();
  });
  if (!probed.ok()) {
    spdlog::warn(
        "kernel probe: no throwaway network namespace ({}); reporting network features "
        "as absent",
        probed.error().message());
  }

  auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start);
  spdlog::debug("kernel probe: {} in {:.1f} ms", f.toJson().dump(), ms.count());
  return f;
}

}  // namespace berth
