#include "runtime/oci_spec.h"

#include <dirent.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>

#include "common/error.h"
#include "common/strings.h"
#include "runtime/capabilities.h"
#include "runtime/fs_util.h"
#include "runtime/seccomp_profile.h"
#include "runtime/user.h"

namespace berth {
namespace {

using nlohmann::json;

constexpr const char* kInitPathInContainer = "/sbin/docker-init";
constexpr int64_t kDefaultShmBytes = int64_t{64} << 20;
constexpr uint64_t kNoFileLimit =
    1048576;  // what containers under dockerd get from its systemd unit
constexpr int kCapSysResource = 24;
constexpr int64_t kCpuPeriodMicros = 100000;

// docker's default masked and read-only paths of /proc and /sys.
const std::vector<std::string> kMaskedPaths = {
    "/proc/asound",
    "/proc/acpi",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/sys/firmware",
    "/sys/devices/virtual/powercap",
};
const std::vector<std::string> kReadonlyPaths = {
    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

// sysctls that are namespaced, so a container may set them (dockerd's list).
const std::vector<std::string> kIpcSysctls = {
    "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
    "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
};

bool isAbsolute(const std::string& p) { return !p.empty() && p.front() == '/'; }

Status validateCapabilities(const std::vector<std::string>& caps, const char* flag) {
  for (const auto& c : caps) {
    if (c != "ALL" && capabilityNumber(c) < 0) {
      return Unexpected(invalidArgument(std::string(flag) + ": unknown capability: \"" + c + "\""));
    }
  }
  return okStatus();
}

Status validateSysctls(const ContainerRuntimeSpec& spec) {
  for (const auto& entry : spec.sysctls) {
    const std::string& key = entry.first;
    bool ipc = std::find(kIpcSysctls.begin(), kIpcSysctls.end(), key) != kIpcSysctls.end();
    bool net = startsWith(key, "net.");
    if (!ipc && !net && !startsWith(key, "fs.mqueue.")) {
      return Unexpected(invalidArgument("sysctl '" + key + "' is not allowed"));
    }
    if (net && spec.netnsPath.empty()) {
      return Unexpected(
          invalidArgument("sysctl '" + key + "' is not allowed in the host's network namespace"));
    }
  }
  return okStatus();
}

Status validate(const ContainerRuntimeSpec& spec) {
  if (spec.args.empty() || spec.args.front().empty()) {
    return Unexpected(invalidArgument("No command specified"));
  }
  if (!isAbsolute(spec.cwd)) {
    return Unexpected(invalidArgument("the working directory '" + spec.cwd +
                                      "' is invalid, it needs to be an absolute path"));
  }
  if (!isAbsolute(spec.rootfs)) {
    return Unexpected(
        invalidArgument("container rootfs must be an absolute path: \"" + spec.rootfs + "\""));
  }
  if (!spec.netnsPath.empty() && !isAbsolute(spec.netnsPath)) {
    return Unexpected(
        invalidArgument("network namespace path must be absolute: \"" + spec.netnsPath + "\""));
  }
  for (const auto& b : spec.binds) {
    if (!isAbsolute(b.source) || !isAbsolute(b.destination) || b.destination == "/") {
      return Unexpected(invalidArgument("invalid bind mount " + b.source + ":" + b.destination +
                                        ": paths must be absolute and not /"));
    }
    static const std::vector<std::string> kPropagations = {"rprivate", "private", "rslave",
                                                           "slave",    "rshared", "shared"};
    if (std::find(kPropagations.begin(), kPropagations.end(), b.propagation) ==
        kPropagations.end()) {
      return Unexpected(invalidArgument("invalid mount propagation '" + b.propagation + "'"));
    }
  }
  for (const auto& t : spec.tmpfs) {
    if (!isAbsolute(t.destination) || t.destination == "/") {
      return Unexpected(invalidArgument("invalid tmpfs mount path '" + t.destination +
                                        "': it must be absolute and not /"));
    }
  }
  BERTH_TRY(validateCapabilities(spec.capAdd, "--cap-add"));
  BERTH_TRY(validateCapabilities(spec.capDrop, "--cap-drop"));
  BERTH_TRY(validateSysctls(spec));
  const ResourceLimits& r = spec.resources;
  if (r.memoryBytes < 0 || r.nanoCpus < 0 || r.shmSizeBytes < 0) {
    return Unexpected(invalidArgument("memory, cpu and shm-size limits must not be negative"));
  }
  if (r.memorySwapBytes > 0) {
    if (r.memoryBytes == 0) {
      return Unexpected(invalidArgument(
          "You should always set the Memory limit when using Memoryswap limit, see usage"));
    }
    if (r.memorySwapBytes < r.memoryBytes) {
      return Unexpected(invalidArgument(
          "Minimum memoryswap limit should be larger than memory limit, see usage"));
    }
  } else if (r.memorySwapBytes < -1) {
    return Unexpected(invalidArgument("invalid memory swap limit"));
  }
  return okStatus();
}

json processJson(const ContainerRuntimeSpec& spec, const ResolvedUser& user,
                 const std::vector<std::string>& caps, const std::string& initBinary) {
  std::vector<std::string> args = spec.args;
  uint64_t noFile = spec.noFileLimit > 0 ? spec.noFileLimit : defaultNoFileLimit();
  if (!initBinary.empty()) {
    args.insert(args.begin(), {kInitPathInContainer, "--"});
  }
  json u = {{"uid", user.uid}, {"gid", user.gid}};
  if (!user.additionalGids.empty()) {
    u["additionalGids"] = user.additionalGids;
  }
  return {
      {"terminal", spec.terminal},
      {"user", u},
      {"args", args},
      {"env", spec.env},
      {"cwd", spec.cwd},
      {"capabilities", {{"bounding", caps}, {"effective", caps}, {"permitted", caps}}},
      {"rlimits", json::array({{{"type", "RLIMIT_NOFILE"}, {"hard", noFile}, {"soft", noFile}}})},
      {"noNewPrivileges", false},
      {"oomScoreAdj", spec.oomScoreAdj},
  };
}

json mount(const std::string& dest, const std::string& type, const std::string& source,
           std::vector<std::string> options) {
  return {
      {"destination", dest}, {"type", type}, {"source", source}, {"options", std::move(options)}};
}

std::string octal(uint32_t v) {
  char buf[16];
  (void)std::snprintf(buf, sizeof(buf), "%o", v);
  return buf;
}

std::vector<std::string> tmpfsOptions(const TmpfsOptions& o) {
  std::vector<std::string> opts = {o.readOnly ? "ro" : "rw", o.noexec ? "noexec" : "exec",
                                   o.nosuid ? "nosuid" : "suid", o.nodev ? "nodev" : "dev"};
  if (o.sizeBytes) {
    opts.push_back("size=" + std::to_string(*o.sizeBytes));
  }
  if (o.mode) {
    opts.push_back("mode=" + octal(*o.mode));
  }
  if (o.uid) {
    opts.push_back("uid=" + std::to_string(*o.uid));
  }
  if (o.gid) {
    opts.push_back("gid=" + std::to_string(*o.gid));
  }
  if (o.nrInodes) {
    opts.push_back("nr_inodes=" + std::to_string(*o.nrInodes));
  }
  return opts;
}

size_t depth(const std::string& path) {
  return static_cast<size_t>(std::count(path.begin(), path.end(), '/'));
}

json mountsJson(const ContainerRuntimeSpec& spec, const std::string& initBinary) {
  std::vector<json> user;
  for (const auto& b : spec.binds) {
    user.push_back(
        mount(b.destination, "bind", b.source,
              {b.recursive ? "rbind" : "bind", b.propagation, b.readOnly ? "ro" : "rw"}));
  }
  for (const auto& t : spec.tmpfs) {
    user.push_back(mount(t.destination, "tmpfs", "tmpfs", tmpfsOptions(t.options)));
  }
  if (!initBinary.empty()) {
    user.push_back(mount(kInitPathInContainer, "bind", initBinary, {"bind", "ro"}));
  }
  // Parents before children, so that a mount below another one stays visible.
  std::stable_sort(user.begin(), user.end(), [](const json& a, const json& b) {
    return depth(a["destination"].get<std::string>()) < depth(b["destination"].get<std::string>());
  });

  int64_t shm = spec.resources.shmSizeBytes > 0 ? spec.resources.shmSizeBytes : kDefaultShmBytes;
  const char* sysMode = spec.privileged ? "rw" : "ro";
  std::vector<json> defaults = {
      mount("/proc", "proc", "proc", {"nosuid", "noexec", "nodev"}),
      mount("/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}),
      mount("/dev/pts", "devpts", "devpts",
            {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}),
      mount("/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", sysMode}),
      mount("/sys/fs/cgroup", "cgroup", "cgroup", {"nosuid", "noexec", "nodev", sysMode}),
      mount("/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}),
      mount("/dev/shm", "tmpfs", "shm",
            {"nosuid", "noexec", "nodev", "mode=1777", "size=" + std::to_string(shm)}),
  };
  json out = json::array();
  for (auto& d : defaults) {
    bool overridden = std::any_of(user.begin(), user.end(), [&](const json& m) {
      return m["destination"] == d["destination"];
    });
    if (!overridden) {
      out.push_back(std::move(d));
    }
  }
  for (auto& m : user) {
    out.push_back(std::move(m));
  }
  return out;
}

json deviceRule(bool allow, char type, int64_t major, int64_t minor) {
  return {{"allow", allow},
          {"type", std::string(1, type)},
          {"major", major},
          {"minor", minor},
          {"access", "rwm"}};
}

json resourcesJson(const ContainerRuntimeSpec& spec) {
  json res = json::object();
  if (spec.privileged) {
    res["devices"] = json::array({{{"allow", true}, {"access", "rwm"}}});
  } else {
    // Deny all, then dockerd's list; runc appends its own defaults (ptys, mknod).
    res["devices"] = json::array({
        {{"allow", false}, {"access", "rwm"}},
        deviceRule(true, 'c', 1, 5),      // /dev/zero
        deviceRule(true, 'c', 1, 3),      // /dev/null
        deviceRule(true, 'c', 1, 9),      // /dev/urandom
        deviceRule(true, 'c', 1, 8),      // /dev/random
        deviceRule(true, 'c', 5, 0),      // /dev/tty
        deviceRule(true, 'c', 5, 1),      // /dev/console
        deviceRule(false, 'c', 10, 229),  // /dev/fuse
    });
  }
  const ResourceLimits& r = spec.resources;
  if (r.memoryBytes > 0) {
    int64_t swap = r.memorySwapBytes == 0 ? 2 * r.memoryBytes : r.memorySwapBytes;
    res["memory"] = {{"limit", r.memoryBytes}, {"swap", swap}};
  }
  if (r.nanoCpus > 0) {
    res["cpu"] = {{"quota", r.nanoCpus * kCpuPeriodMicros / 1'000'000'000},
                  {"period", kCpuPeriodMicros}};
  }
  if (r.pidsLimit > 0) {
    res["pids"] = {{"limit", r.pidsLimit}};
  }
  return res;
}

json linuxJson(const ContainerRuntimeSpec& spec, const std::vector<std::string>& caps) {
  json ns =
      json::array({{{"type", "pid"}}, {{"type", "ipc"}}, {{"type", "uts"}}, {{"type", "mount"}}});
  if (!spec.netnsPath.empty()) {
    ns.push_back({{"type", "network"}, {"path", spec.netnsPath}});
  }
  json linux = {{"namespaces", ns}, {"resources", resourcesJson(spec)}};
  if (!spec.cgroupsPath.empty()) {
    linux["cgroupsPath"] = spec.cgroupsPath;
  }
  if (!spec.sysctls.empty()) {
    linux["sysctl"] = spec.sysctls;
  }
  if (spec.privileged) {
    json devices = json::array();
    for (const auto& d : hostDevices()) {
      devices.push_back({{"path", d.path},
                         {"type", std::string(1, d.type)},
                         {"major", d.major},
                         {"minor", d.minor},
                         {"fileMode", d.fileMode},
                         {"uid", d.uid},
                         {"gid", d.gid}});
    }
    linux["devices"] = devices;
  } else {
    linux["maskedPaths"] = kMaskedPaths;
    linux["readonlyPaths"] = kReadonlyPaths;
  }
  if (!spec.privileged && spec.seccomp == SeccompMode::kDefault) {
    linux["seccomp"] = defaultSeccompProfile(caps);
  }
  return linux;
}

}  // namespace

uint64_t defaultNoFileLimit() {
  uint64_t limit = kNoFileLimit;
  // The kernel's ceiling for any process.
  if (auto nrOpen = readFile("/proc/sys/fs/nr_open"); nrOpen.ok()) {
    uint64_t v = std::strtoull(nrOpen->c_str(), nullptr, 10);
    if (v > 0) {
      limit = std::min(limit, v);
    }
  }
  bool canRaise = false;
  if (auto status = readFile("/proc/self/status"); status.ok()) {
    auto pos = status->find("CapEff:\t");
    if (pos != std::string::npos) {
      uint64_t eff = std::strtoull(status->c_str() + pos + 8, nullptr, 16);
      canRaise = (eff >> kCapSysResource & 1U) != 0;
    }
  }
  struct rlimit own {};
  if (!canRaise && ::getrlimit(RLIMIT_NOFILE, &own) == 0 && own.rlim_max != RLIM_INFINITY) {
    limit = std::min<uint64_t>(limit, own.rlim_max);
  }
  return limit;
}

const std::vector<std::string>& defaultInitCandidates() {
  // tini-static, not tini: the binary runs inside images without a libc.
  static const std::vector<std::string> kCandidates = {"/usr/bin/tini-static",
                                                       "/usr/bin/docker-init"};
  return kCandidates;
}

Result<std::string> findInitBinary(const std::vector<std::string>& candidates) {
  for (const auto& c : candidates) {
    if (::access(c.c_str(), X_OK) == 0) {
      return c;
    }
  }
  return Unexpected(
      unavailable("--init needs a static init binary: install Debian's tini package (none of " +
                  join(candidates, ", ") + " exists on this host)"));
}

std::vector<HostDevice> hostDevices(const std::string& devDir) {
  static const std::vector<std::string> kSkipDirs = {"pts",  "shm",         "fd",   "mqueue",
                                                     ".lxc", ".lxd-mounts", ".udev"};
  std::vector<HostDevice> out;
  std::function<void(const std::string&, int)> walk = [&](const std::string& dir, int level) {
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) {
      return;
    }
    while (struct dirent* e =
               ::readdir(d)) {  // NOLINT(concurrency-mt-unsafe): this thread's own DIR*
      std::string name = e->d_name;
      if (name == "." || name == ".." || (level == 0 && name == "console")) {
        continue;
      }
      std::string path = dir;
      path += '/';
      path += name;
      struct stat st {};
      if (::lstat(path.c_str(), &st) != 0) {
        continue;
      }
      if (S_ISDIR(st.st_mode)) {
        if (std::find(kSkipDirs.begin(), kSkipDirs.end(), name) == kSkipDirs.end() && level < 8) {
          walk(path, level + 1);
        }
      } else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
        out.push_back(
            {path, S_ISCHR(st.st_mode) ? 'c' : 'b', static_cast<int64_t>(major(st.st_rdev)),
             static_cast<int64_t>(minor(st.st_rdev)), st.st_mode & 07777U, st.st_uid, st.st_gid});
      }
    }
    ::closedir(d);
  };
  walk(devDir, 0);
  std::sort(out.begin(), out.end(),
            [](const HostDevice& a, const HostDevice& b) { return a.path < b.path; });
  return out;
}

Result<nlohmann::json> buildOciSpec(const ContainerRuntimeSpec& spec) {
  BERTH_TRY(validate(spec));
  std::string initBinary;
  if (spec.init) {
    if (spec.initBinary.empty()) {
      BERTH_ASSIGN_OR_RETURN(initBinary, findInitBinary());
    } else if (::access(spec.initBinary.c_str(), X_OK) != 0) {
      return Unexpected(
          unavailable("--init binary " + spec.initBinary + " is missing on this host"));
    } else {
      initBinary = spec.initBinary;
    }
  }
  BERTH_ASSIGN_OR_RETURN(ResolvedUser user, resolveUser(spec.rootfs, spec.user, spec.groupAdd));
  std::vector<std::string> caps = effectiveCapabilities(spec.capAdd, spec.capDrop, spec.privileged);
  json out = {
      {"ociVersion", "1.0.2"},
      {"process", processJson(spec, user, caps, initBinary)},
      {"root", {{"path", spec.rootfs}, {"readonly", spec.readOnlyRootfs}}},
      {"mounts", mountsJson(spec, initBinary)},
      {"linux", linuxJson(spec, caps)},
  };
  if (!spec.hostname.empty()) {
    out["hostname"] = spec.hostname;
  }
  return out;
}

}  // namespace berth
