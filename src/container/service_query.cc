// top, stats, and cp (archive): views into a container's processes and files.
#include <thread>

#include "common/strings.h"
#include "container/cgroup_stats.h"
#include "container/container_view.h"
#include "container/path_archive.h"
#include "container/proc_top.h"
#include "container/service_internal.h"
#include "runtime/command.h"

namespace berth::container {

Result<nlohmann::json> ContainerService::top(std::string_view idOrName, std::string_view psArgs) {
  BERTH_ASSIGN_OR_RETURN(ContainerRecord rec, find(idOrName));
  if (!rec.state.running || rec.state.restarting) {
    return notRunningError(rec.id);
  }
  BERTH_ASSIGN_OR_RETURN(std::vector<int> pids, d_.runtime.pids(rec.id));
  nlohmann::json out;
  std::string args(trim(psArgs));
  if (args.empty() || args == "-ef") {
    BERTH_ASSIGN_OR_RETURN(out, procTop(o_.procRoot, pids, now()));
  } else {
    std::vector<std::string> argv = {"ps"};
    for (const std::string& a : split(args, ' ')) {
      if (!a.empty()) {
        argv.push_back(a);
      }
    }
    BERTH_ASSIGN_OR_RETURN(CommandOutput ps,
                           runCommand(argv, CommandOptions{std::chrono::seconds(10)}));
    if (ps.exitCode != 0) {
      return invalidArgument("Error running ps: exit status " + std::to_string(ps.exitCode) + ": " +
                             std::string(trim(ps.err)));
    }
    BERTH_ASSIGN_OR_RETURN(out, parsePsOutput(ps.out, pids));
  }
  emit(rec, "top");
  return out;
}

namespace {

nlohmann::json zeroStats(const ContainerRecord& rec) {
  CgroupLocation nowhere;
  nowhere.root = "/nonexistent";
  nowhere.procRoot = "/nonexistent";
  nlohmann::json s = sampleCgroupStats(nowhere, 0);
  s["cpu_stats"]["online_cpus"] = 0;
  return statsReply(s, nullptr, rec.name, rec.id);
}

}  // namespace

Result<nlohmann::json> ContainerService::statsOnce(std::string_view idOrName, bool oneShot) {
  BERTH_ASSIGN_OR_RETURN(ContainerRecord rec, find(idOrName));
  if (!rec.state.running || rec.state.restarting) {
    return zeroStats(rec);
  }
  CgroupLocation loc{o_.cgroupRoot, o_.cgroupParent + "/" + rec.id, o_.procRoot, o_.host.cpus};
  nlohmann::json first = sampleCgroupStats(loc, now());
  if (oneShot) {
    return statsReply(first, nullptr, rec.name, rec.id);
  }
  // One more sample a second later, so that the CPU share can be computed.
  std::this_thread::sleep_for(std::chrono::seconds(1));
  return statsReply(sampleCgroupStats(loc, now()), &first, rec.name, rec.id);
}

Status ContainerService::statsStream(std::string_view idOrName,
                                     const std::function<bool(const nlohmann::json&)>& emitFn) {
  BERTH_ASSIGN_OR_RETURN(ContainerRecord rec, find(idOrName));
  CgroupLocation loc{o_.cgroupRoot, o_.cgroupParent + "/" + rec.id, o_.procRoot, o_.host.cpus};
  std::optional<nlohmann::json> prev;
  while (true) {
    auto fresh = load(rec.id);
    if (!fresh.ok() || !fresh->state.running) {
      return emitFn(zeroStats(rec)) ? okStatus() : okStatus();
    }
    nlohmann::json cur = sampleCgroupStats(loc, now());
    if (!emitFn(statsReply(cur, prev ? &*prev : nullptr, rec.name, rec.id))) {
      return okStatus();
    }
    prev = cur;
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
}

namespace {

std::string absolutePath(const std::string& p) { return !p.empty() && p[0] == '/' ? p : "/" + p; }

}  // namespace

Result<PathStat> ContainerService::statPath(std::string_view idOrName, const std::string& path) {
  return withContainer(idOrName, [&](Live&, ContainerRecord rec) -> Result<PathStat> {
    BERTH_ASSIGN_OR_RETURN(std::string root, d_.rootfs.mount(rec.id, rec.layerDirs));
    auto st = statInRoot(root, absolutePath(path));
    if (!rec.state.running) {
      (void)d_.rootfs.unmount(rec.id);  // mounted only for this call
    }
    if (!st.ok() && st.error().kind() == ErrorKind::kNotFound) {
      return notFound("Could not find the file " + path + " in container " + rec.shortName());
    }
    return st;
  });
}

Status ContainerService::archivePath(std::string_view idOrName, const std::string& path,
                                     const std::function<bool(std::string_view)>& write) {
  return withContainer(idOrName, [&](Live&, ContainerRecord rec) -> Status {
    BERTH_ASSIGN_OR_RETURN(std::string root, d_.rootfs.mount(rec.id, rec.layerDirs));
    Status st = tarInRoot(root, absolutePath(path), write);
    if (!rec.state.running) {
      (void)d_.rootfs.unmount(rec.id);
    }
    if (!st.ok() && st.error().kind() == ErrorKind::kNotFound) {
      return notFound("Could not find the file " + path + " in container " + rec.shortName());
    }
    if (st.ok()) {
      emit(rec, "archive-path");
    }
    return st;
  });
}

Status ContainerService::extractToDir(std::string_view idOrName, const std::string& path,
                                      std::string_view tar, const ExtractOptions& opts) {
  return withContainer(idOrName, [&](Live&, ContainerRecord rec) -> Status {
    if (rec.hostConfig.value("ReadonlyRootfs", false)) {
      return forbidden("container rootfs is marked read-only");
    }
    BERTH_ASSIGN_OR_RETURN(std::string root, d_.rootfs.mount(rec.id, rec.layerDirs));
    Status st = untarInRoot(root, absolutePath(path), tar, opts);
    if (!rec.state.running) {
      (void)d_.rootfs.unmount(rec.id);
    }
    if (!st.ok() && st.error().kind() == ErrorKind::kNotFound) {
      return notFound("Could not find the file " + path + " in container " + rec.shortName());
    }
    if (st.ok()) {
      emit(rec, "extract-to-dir");
    }
    return st;
  });
}

}  // namespace berth::container
