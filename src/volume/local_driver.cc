#include "volume/local_driver.h"

#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <regex>

#include "common/strings.h"
#include "runtime/fs_util.h"

namespace berth::volume {
namespace {

// strerror, thread-safe (GNU strerror_r).
std::string errText(int err) {
  char buf[256] = {};
  return ::strerror_r(err, buf, sizeof(buf));
}

constexpr char kOptionsFile[] = "opts.json";

struct FlagWord {
  const char* word;
  bool clear;
  unsigned long flag;
};

// moby/sys/mount's flag table: the words of "o" that are mount(2) flags.
const FlagWord kFlagWords[] = {
    {"defaults", false, 0},       {"ro", false, MS_RDONLY},
    {"rw", true, MS_RDONLY},      {"suid", true, MS_NOSUID},
    {"nosuid", false, MS_NOSUID}, {"dev", true, MS_NODEV},
    {"nodev", false, MS_NODEV},   {"exec", true, MS_NOEXEC},
    {"noexec", false, MS_NOEXEC}, {"sync", false, MS_SYNCHRONOUS},
    {"async", true, MS_SYNCHRONOUS}, {"dirsync", false, MS_DIRSYNC},
    {"mand", false, MS_MANDLOCK}, {"nomand", true, MS_MANDLOCK},
    {"atime", true, MS_NOATIME},  {"noatime", false, MS_NOATIME},
    {"diratime", true, MS_NODIRATIME}, {"nodiratime", false, MS_NODIRATIME},
    {"bind", false, MS_BIND},     {"rbind", false, MS_BIND | MS_REC},
    {"relatime", false, MS_RELATIME}, {"norelatime", true, MS_RELATIME},
    {"strictatime", false, MS_STRICTATIME}, {"nostrictatime", true, MS_STRICTATIME},
};

Status systemMount(const LocalMountSpec& spec, const std::string& target) {
  unsigned long flags = spec.flags;
  const char* data = spec.data.empty() ? nullptr : spec.data.c_str();
  if (::mount(spec.device.c_str(), target.c_str(), spec.type.c_str(), flags, data) != 0) {
    return internal("error while mounting volume with options: type='" + spec.type +
                    "' device='" + spec.device + "' o='" + spec.data +
                    "': " + errText(errno));
  }
  // A bind ignores MS_RDONLY until it is remounted.
  if ((flags & MS_BIND) != 0 && (flags & MS_RDONLY) != 0 &&
      ::mount("", target.c_str(), "", flags | MS_REMOUNT, nullptr) != 0) {
    int err = errno;
    (void)::umount2(target.c_str(), MNT_DETACH);
    return internal("remount volume read-only: " + std::string(errText(err)));
  }
  return okStatus();
}

Status systemUnmount(const std::string& target) {
  if (::umount2(target.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT) {
    return internal("unmount " + target + ": " + errText(errno));
  }
  return okStatus();
}

}  // namespace

LocalMountSpec parseLocalMountOptions(const DriverOptions& opts) {
  LocalMountSpec spec;
  auto get = [&opts](const char* k) {
    auto it = opts.find(k);
    return it == opts.end() ? std::string() : it->second;
  };
  spec.type = get("type");
  spec.device = get("device");
  std::vector<std::string> data;
  for (const std::string& word : split(get("o"), ',')) {
    if (word.empty()) {
      continue;
    }
    bool isFlag = false;
    for (const FlagWord& f : kFlagWords) {
      if (word == f.word) {
        spec.flags = f.clear ? (spec.flags & ~f.flag) : (spec.flags | f.flag);
        isFlag = true;
        break;
      }
    }
    if (!isFlag) {
      data.push_back(word);
    }
  }
  spec.data = join(data, ",");
  return spec;
}

Status validateLocalVolumeName(const std::string& name) {
  static const std::regex kName("^[a-zA-Z0-9][a-zA-Z0-9_.-]+$");
  if (name.size() == 1) {
    return invalidArgument(
        "volume name is too short, names should be at least two alphanumeric characters");
  }
  if (!std::regex_match(name, kName)) {
    return invalidArgument("\"" + name +
                           "\" includes invalid characters for a local volume name, only "
                           "\"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a "
                           "host directory, use absolute path");
  }
  return okStatus();
}

LocalDriver::LocalDriver(std::string root, Mounter mounter, Unmounter unmounter)
    : root_(std::move(root)),
      mounter_(mounter ? std::move(mounter) : Mounter(systemMount)),
      unmounter_(unmounter ? std::move(unmounter) : Unmounter(systemUnmount)) {}

Status LocalDriver::validate(const std::string& volume, const DriverOptions& opts) {
  BERTH_TRY(validateLocalVolumeName(volume));
  for (const auto& [k, v] : opts) {
    if (k != "type" && k != "device" && k != "o" && k != "size") {
      return invalidArgument("invalid option: \"" + k + "\"");
    }
  }
  // dockerd's mandatoryOpts: device and type go together; o needs both.
  static const std::map<std::string, std::vector<std::string>> kMandatory = {
      {"device", {"type"}}, {"type", {"device"}}, {"o", {"device", "type"}}};
  for (const auto& [opt, required] : kMandatory) {
    if (opts.count(opt) == 0) {
      continue;
    }
    for (const std::string& r : required) {
      if (opts.count(r) == 0) {
        return invalidArgument("missing required option: \"" + r + "\"");
      }
    }
  }
  if (opts.count("size") != 0) {
    return invalidArgument("quota size requested but no quota support");
  }
  return okStatus();
}

Status LocalDriver::create(const std::string& volume, const DriverOptions& opts) {
  BERTH_TRY(validate(volume, opts));
  BERTH_TRY(makeDirs(root_, 0701));
  std::string dir = root_ + "/" + volume;
  BERTH_TRY(makeDirs(dir + "/_data", 0755));
  if (!opts.empty()) {
    BERTH_TRY(writeFileAtomic(dir + "/" + kOptionsFile, nlohmann::json(opts).dump(), 0600));
  }
  return okStatus();
}

Status LocalDriver::remove(const std::string& volume) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = active_.find(volume); it != active_.end() && !it->second.empty()) {
      return conflict("volume is mounted");
    }
  }
  std::string dir = root_ + "/" + volume;
  // Never delete through a leftover mount (a bind of a host directory).
  (void)unmounter_(dir + "/_data");
  return removeTree(dir);
}

Result<DriverOptions> LocalDriver::readOptions(const std::string& volume) const {
  std::string file = root_ + "/" + volume + "/" + kOptionsFile;
  if (::access(file.c_str(), F_OK) != 0) {
    return DriverOptions{};
  }
  BERTH_ASSIGN_OR_RETURN(std::string text, readFile(file));
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) {
    return internal("volume " + volume + ": unreadable " + file);
  }
  return j.get<DriverOptions>();
}

Result<std::string> LocalDriver::mount(const std::string& volume, const std::string& callerId) {
  std::string data = dataDir(volume);
  if (::access(data.c_str(), F_OK) != 0) {
    BERTH_TRY(makeDirs(data, 0755));  // its directory was removed behind our back
  }
  BERTH_ASSIGN_OR_RETURN(DriverOptions opts, readOptions(volume));
  if (opts.empty() || opts.count("type") == 0) {
    return data;
  }
  std::lock_guard<std::mutex> lock(mu_);
  std::set<std::string>& users = active_[volume];
  if (users.empty()) {
    BERTH_TRY(mounter_(parseLocalMountOptions(opts), data));
  }
  users.insert(callerId);
  return data;
}

Status LocalDriver::unmount(const std::string& volume, const std::string& callerId) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = active_.find(volume);
  if (it == active_.end() || it->second.erase(callerId) == 0) {
    return okStatus();
  }
  if (it->second.empty()) {
    active_.erase(it);
    return unmounter_(dataDir(volume));
  }
  return okStatus();
}

void LocalDriver::restoreMounts(const std::string& volume,
                                const std::vector<std::string>& callerIds) {
  auto opts = readOptions(volume);
  if (!opts.ok() || opts->count("type") == 0) {
    return;  // a plain directory: nothing is mounted, nothing is counted
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (callerIds.empty()) {
    // Nobody uses it, yet berthd may have died between mount(2) and recording
    // the use: a mount left there would be stacked under the next one.
    active_.erase(volume);
    (void)unmounter_(dataDir(volume));
    return;
  }
  active_[volume] = std::set<std::string>(callerIds.begin(), callerIds.end());
}

Result<std::string> LocalDriver::path(const std::string& volume) { return dataDir(volume); }

}  // namespace berth::volume
