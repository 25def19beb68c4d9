// start, stop, kill, restart, pause and unpause.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <sstream>
#include <thread>

#include "container/container_view.h"
#include "container/etc_files.h"
#include "container/runtime_spec.h"
#include "container/service_internal.h"
#include "container/shim_io.h"
#include "logdriver/log_options.h"
#include "runtime/fs_util.h"

namespace berth::container {

namespace {

constexpr int kDefaultStopTimeout = 10;

std::string readOrEmpty(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// dockerd's exit codes for a process that never started.
int startFailureExitCode(const std::string& msg) {
  if (msg.find("executable file not found") != std::string::npos ||
      msg.find("no such file or directory") != std::string::npos) {
    return 127;
  }
  if (msg.find("permission denied") != std::string::npos) {
    return 126;
  }
  return 128;
}

int configStopSignal(const ContainerRecord& rec) {
  std::string s = rec.config.value("StopSignal", std::string());
  if (s.empty()) {
    return 0;
  }
  auto sig = parseSignal(s);
  return sig.ok() ? *sig : 0;
}

}  // namespace

Result<ResolvedMounts> ContainerService::setupMounts(const ContainerRecord& rec,
                                                    const std::string& rootfs,
                                                    Rollback& rollback) {
  BERTH_ASSIGN_OR_RETURN(std::vector<MountPoint> mounts, mountsOf(rec));
  ResolvedMounts out;
  bool volumesMounted = false;
  for (const MountPoint& m : mounts) {
    BindMount b;
    b.destination = m.destination;
    b.readOnly = m.readOnly;
    b.recursive = !m.nonRecursive;
    b.propagation = m.propagation.empty() ? "rprivate" : m.propagation;
    switch (m.type) {
      case MountType::kTmpfs:
        out.tmpfs.push_back(TmpfsMount{m.destination, m.tmpfs});
        continue;
      case MountType::kBind:
        if (m.createHostPath && ::access(m.source.c_str(), F_OK) != 0) {
          BERTH_TRY(makeDirs(m.source, 0755));  // -v creates a missing host path, as dockerd
        }
        b.source = m.source;
        break;
      case MountType::kVolume: {
        if (d_.volumes == nullptr) {
          return notImplemented("volumes are not supported by this daemon");
        }
        if (!volumesMounted) {
          rollback.add([this, id = rec.id] { (void)d_.volumes->unmountAll(id); });
          volumesMounted = true;
        }
        VolumeMountInfo info{m.destination, m.readOnly, m.propagation,
                             m.noCopy ? std::string() : rootfs};
        BERTH_ASSIGN_OR_RETURN(b.source, d_.volumes->mount(m.source, rec.id, info));
        break;
      }
    }
    out.binds.push_back(std::move(b));
  }
  return out;
}

void ContainerService::unmountVolumes(const ContainerRecord& rec) {
  if (d_.volumes == nullptr) {
    return;
  }
  Status st = d_.volumes->unmountAll(rec.id);
  if (!st.ok()) {
    spdlog::warn("container {}: unmount volumes: {}", rec.id, st.error().message());
  }
}

Result<bool> ContainerService::start(std::string_view idOrName) {
  return withContainer(idOrName, [&](Live& l, const ContainerRecord& rec) -> Result<bool> {
    if (rec.state.paused) {
      return conflict("cannot start a paused container, try unpause instead");
    }
    if (rec.state.running) {
      return false;
    }
    BERTH_ASSIGN_OR_RETURN(RunSettings run, runSettingsFrom(rec.config, rec.hostConfig, o_.host));
    {
      std::lock_guard<std::mutex> lock(mu_);
      l.restart.reset(run.restart);  // a user start begins a fresh back-off
    }
    BERTH_TRY(startLocked(l, rec));
    return true;
  });
}

Status ContainerService::startLocked(Live& l, const ContainerRecord& rec) {
  const std::string id = rec.id;
  if (rec.state.removalInProgress || rec.state.dead) {
    return conflict("container is marked for removal and cannot be started");
  }
  BERTH_ASSIGN_OR_RETURN(RunSettings run, runSettingsFrom(rec.config, rec.hostConfig, o_.host));
  BERTH_TRY(d_.sandboxes.checkNetworkMode(run.networkMode));
  const std::string bundle = bundleDir(id);
  Rollback rollback;
  (void)d_.runtime.remove(id, true);  // whatever an earlier run left in runc's state
  if (auto st = makeDirs(bundle, 0700); !st.ok()) {
    return failStart(rec, st.error());
  }
  for (const char* f : {"exit.json", "shim.pid", "container.pid", "config.json"}) {
    ::unlink((bundle + "/" + f).c_str());
  }
  auto rootfs = d_.rootfs.mount(id, rec.layerDirs);
  if (!rootfs.ok()) {
    return failStart(rec, rootfs.error());
  }
  rollback.add([this, id] { (void)d_.rootfs.unmount(id); });
  SandboxRequest sreq{id,           rec.shortName(), run.networkMode,
                      run.hostname, rec.hostConfig,  rec.networkingConfig,
                      rec.config.value("ExposedPorts", nlohmann::json::object())};
  auto sandbox = d_.sandboxes.create(sreq);
  if (!sandbox.ok()) {
    return failStart(rec, sandbox.error());
  }
  rollback.add([this, id, mode = run.networkMode] { (void)d_.sandboxes.destroy(id, mode); });
  if (auto st = writeEtcFiles(rec, run, *sandbox); !st.ok()) {
    return failStart(rec, st.error());
  }
  auto mounts = setupMounts(rec, *rootfs, rollback);
  if (!mounts.ok()) {
    return failStart(rec, mounts.error());
  }
  SpecPaths paths{*rootfs, containerDir(o_.dataRoot, id), o_.cgroupParent, *mounts};
  auto spec = buildOciSpec(runtimeSpecFor(rec, run, *sandbox, paths));
  if (!spec.ok()) {
    return failStart(rec, spec.error());
  }
  if (auto st = writeFileAtomic(bundle + "/config.json", spec->dump(), 0600); !st.ok()) {
    return failStart(rec, st.error());
  }

  std::vector<std::shared_ptr<PendingAttach>> pending;
  {
    std::lock_guard<std::mutex> lock(mu_);
    pending.swap(l.pendingAttaches);
  }
  ShimStart s;
  s.id = id;
  s.bundle = bundle;
  s.stateDir = bundle;
  s.terminal = run.tty;
  s.stdinOpen = run.openStdin;
  s.stdinOnce = run.stdinOnce && run.openStdin;  // the shim refuses one without the other
  s.logDriver = rec.logDriver;
  s.logOpts = rec.logOpts;
  if (auto tag = s.logOpts.find("tag"); tag != s.logOpts.end()) {
    // The shim knows the container's id and name only: image fields are filled in here.
    LogContext ctx;
    ctx.containerId = id;
    ctx.containerName = rec.shortName();
    ctx.imageId = rec.imageId;
    ctx.imageName = rec.config.value("Image", std::string());
    auto rendered = renderLogTag(tag->second, ctx);
    if (!rendered.ok()) {
      return failStart(rec, rendered.error());
    }
    tag->second = *rendered;
  }
  s.logPath = rec.logPath;
  s.name = rec.shortName();
  auto attrs = logAttributes(rec.logOpts, rec.labels(), run.env);
  if (!attrs.ok()) {
    return failStart(rec, attrs.error());
  }
  s.logAttrs = std::move(attrs).value();
  // docker run attaches before it starts: the process waits for those clients
  // so that its first output reaches them.
  s.waitAttach = !pending.empty();
  auto shim = d_.shims.start(s);
  if (!shim.ok()) {
    for (auto& p : pending) {
      std::lock_guard<std::mutex> lock(p->mu);
      p->phase = PendingAttach::Phase::kFailed;
      p->error = shim.error().message();
      p->cv.notify_all();
    }
    return failStart(rec, shim.error());
  }
  rollback.add([this, id] { (void)d_.runtime.kill(id, SIGKILL, true); });
  ShimProcess proc = *shim;
  for (auto& p : pending) {
    std::lock_guard<std::mutex> lock(p->mu);
    p->phase = PendingAttach::Phase::kReady;
    p->stateDir = bundle;
    p->cv.notify_all();
  }
  if (s.waitAttach) {
    if (proc.processPid == 0) {
      connectPendingAttaches(pending, bundle);
      // The shim started the process when the first client attached.
      for (int i = 0; i < 500 && proc.processPid == 0; ++i) {
        auto pids = readShimPids(bundle);
        if (pids.ok()) {
          proc = *pids;
        } else {
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
      }
    }
  }
  int64_t startedAt = now();
  auto saved = mutate(id, [&](ContainerRecord& r) {
    r.state.running = true;
    r.state.paused = false;
    r.state.restarting = false;
    r.state.oomKilled = false;
    r.state.dead = false;
    r.state.pid = proc.processPid;
    r.state.shimPid = proc.shimPid;
    r.state.exitCode = 0;
    r.state.error.clear();
    r.state.startedAtNano = startedAt;
    r.state.hasBeenStartedBefore = true;
    r.state.hasBeenManuallyStopped = false;
    r.sandboxId = sandbox->id;
    r.sandboxKey = sandbox->netnsPath;
    r.networks = sandbox->networks;
    r.ports = sandbox->ports;
  });
  if (!saved.ok()) {
    return Unexpected(std::move(saved).error());
  }
  uint64_t generation = 0;
  std::vector<std::shared_ptr<PendingAttach>> late;  // attaches that came while the shim started
  {
    std::lock_guard<std::mutex> lock(mu_);
    generation = ++l.generation;
    l.running = true;
    late.swap(l.pendingAttaches);
  }
  for (auto& p : late) {
    std::lock_guard<std::mutex> lock(p->mu);
    p->phase = PendingAttach::Phase::kReady;
    p->stateDir = bundle;
    p->cv.notify_all();
  }
  rollback.commit();
  // After the record says running: an exit reported at once is then recorded after it.
  watchShim(id, proc.shimPid, generation);
  emit(*saved, "start");
  return okStatus();
}

Status ContainerService::failStart(const ContainerRecord& rec, const Error& err) {
  int code = startFailureExitCode(err.message());
  (void)mutate(rec.id, [&](ContainerRecord& r) {
    r.state.error = err.message();
    r.state.exitCode = code;
  });
  if (rec.hostConfig.value("AutoRemove", false)) {
    d_.scheduler.post(gated(gate_, [this, id = rec.id] { autoRemove(id); }));
  }
  return Unexpected(err);
}

Status ContainerService::writeEtcFiles(const ContainerRecord& rec, const RunSettings& run,
                                       const Sandbox& sb) {
  std::string dir = containerDir(o_.dataRoot, rec.id);
  BERTH_TRY(makeDirs(dir, 0710));
  BERTH_TRY(writeFileAtomic(hostnamePath(o_.dataRoot, rec.id), hostnameFileContent(run.hostname)));
  HostsInput hosts;
  hosts.hostname = run.hostname;
  hosts.domainname = run.domainname;
  hosts.addresses = sb.addresses;
  hosts.extraHosts = run.extraHosts;
  hosts.hostNetwork = sb.hostNetwork;
  if (sb.hostNetwork) {
    hosts.hostHostsContent = readOrEmpty(o_.hostHosts);
  }
  BERTH_TRY(writeFileAtomic(hostsPath(o_.dataRoot, rec.id), hostsFileContent(hosts)));
  ResolvInput resolv;
  resolv.hostResolvConf = readOrEmpty(o_.hostResolvConf);
  resolv.dns = run.dns;
  resolv.dnsSearch = run.dnsSearch;
  resolv.dnsOptions = run.dnsOptions;
  resolv.sandboxServers = sb.nameservers;
  resolv.hostNetwork = sb.hostNetwork;
  ResolvResult r = resolvConfContent(resolv);
  if (r.noNameservers) {
    spdlog::warn(
        "container {}: no usable name server in {} (loopback ones are unreachable); "
        "its /etc/resolv.conf has none",
        rec.id, o_.hostResolvConf);
  }
  return writeFileAtomic(resolvConfPath(o_.dataRoot, rec.id), r.content);
}

void ContainerService::connectPendingAttaches(
    const std::vector<std::shared_ptr<PendingAttach>>& pending, const std::string& stateDir) {
  // The process waits for its first attach client: give the attach threads a
  // moment to connect, then start it ourselves if all of them went away.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  bool any = false;
  for (const auto& p : pending) {
    std::unique_lock<std::mutex> lock(p->mu);
    p->cv.wait_until(lock, deadline, [&] {
      return p->phase == PendingAttach::Phase::kConnected ||
             p->phase == PendingAttach::Phase::kFailed;
    });
    any = any || p->phase == PendingAttach::Phase::kConnected;
  }
  if (!any) {
    auto fd = connectShimSocket(stateDir, shimFiles("").attachSock);
    if (fd.ok()) {
      (void)sendAttachHello(fd->get(), false, false, false);
    } else {
      spdlog::warn("could not start the waiting process in {}: {}", stateDir, fd.error().message());
    }
  }
}

bool ContainerService::waitForExit(Live& l, std::optional<std::chrono::milliseconds> timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!timeout) {
    exitCv_.wait(lock, [&] { return !l.running; });
    return true;
  }
  return exitCv_.wait_for(lock, *timeout, [&] { return !l.running; });
}

Status ContainerService::sendSignal(Live& /*l*/, const ContainerRecord& rec, int signal) {
  // Announced first: the exit it causes may be reported before kill() returns.
  emit(rec, "kill", {{"signal", std::to_string(signal)}});
  Status st = d_.runtime.kill(rec.id, signal, signal == SIGKILL);
  if (!st.ok() && st.error().kind() != ErrorKind::kConflict &&
      st.error().kind() != ErrorKind::kNotFound) {
    return st;
  }
  return okStatus();
}

Result<bool> ContainerService::stop(std::string_view idOrName, const StopOptions& opts) {
  return withContainer(
      idOrName, [&](Live& l, ContainerRecord rec) { return stopLocked(l, std::move(rec), opts); });
}

Result<bool> ContainerService::stopLocked(Live& l, ContainerRecord rec, const StopOptions& opts) {
  if (!rec.state.running) {
    return false;
  }
  int signal = SIGTERM;
  if (!opts.signal.empty()) {
    BERTH_ASSIGN_OR_RETURN(signal, parseSignal(opts.signal));
  } else if (int s = configStopSignal(rec); s != 0) {
    signal = s;
  }
  int timeout = kDefaultStopTimeout;
  if (opts.timeout) {
    timeout = *opts.timeout;
  } else if (rec.config.contains("StopTimeout") && rec.config["StopTimeout"].is_number_integer()) {
    timeout = rec.config["StopTimeout"].get<int>();
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    l.restart.cancel();
  }
  BERTH_ASSIGN_OR_RETURN(
      rec, mutate(rec.id, [](ContainerRecord& r) { r.state.hasBeenManuallyStopped = true; }));
  if (rec.state.restarting) {
    // Between two runs there is no process: cancelling the restart is the stop.
    BERTH_ASSIGN_OR_RETURN(rec, mutate(rec.id, [](ContainerRecord& r) {
                             r.state.running = false;
                             r.state.restarting = false;
                           }));
    emit(rec, "stop");
    return true;
  }
  if (timeout != 0) {
    BERTH_TRY(sendSignal(l, rec, signal));
    if (rec.state.paused) {
      (void)d_.runtime.resume(rec.id);  // a frozen process cannot act on the signal
    }
  }
  std::optional<std::chrono::milliseconds> wait;
  if (timeout >= 0) {
    wait = std::chrono::seconds(timeout);
  }
  if (timeout == 0 || !waitForExit(l, wait)) {
    BERTH_TRY(sendSignal(l, rec, SIGKILL));
    if (rec.state.paused) {
      (void)d_.runtime.resume(rec.id);
    }
    if (!waitForExit(l, o_.killGrace)) {
      return internal("container " + rec.id + " did not exit after SIGKILL");
    }
  }
  BERTH_ASSIGN_OR_RETURN(rec, load(rec.id));
  emit(rec, "stop");
  return true;
}

Status ContainerService::kill(std::string_view idOrName, std::string_view signalName) {
  int signal = SIGKILL;
  if (!signalName.empty()) {
    BERTH_ASSIGN_OR_RETURN(signal, parseSignal(signalName));
  }
  return withContainer(idOrName, [&](Live& l, ContainerRecord rec) -> Status {
    if (!rec.state.running) {
      return conflict("Cannot kill container: " + std::string(idOrName) + ": container " + rec.id +
                      " is not running");
    }
    // dockerd: SIGKILL or the container's own stop signal ends the restart policy;
    // another signal (a reload, say) may be survived.
    int stopSignal = configStopSignal(rec);
    bool ends = signal == SIGKILL || stopSignal == 0 || stopSignal == signal;
    if (ends) {
      std::lock_guard<std::mutex> lock(mu_);
      l.restart.cancel();
    }
    BERTH_ASSIGN_OR_RETURN(
        rec, mutate(rec.id, [](ContainerRecord& r) { r.state.hasBeenManuallyStopped = true; }));
    if (rec.state.restarting) {
      if (ends) {
        (void)mutate(rec.id, [](ContainerRecord& r) {
          r.state.running = false;
          r.state.restarting = false;
        });
      }
      return okStatus();
    }
    BERTH_TRY(sendSignal(l, rec, signal));
    if (rec.state.paused && ends) {
      (void)d_.runtime.resume(rec.id);
    }
    if (signal == SIGKILL && !waitForExit(l, o_.killGrace)) {
      return internal("container " + rec.id + " did not exit after SIGKILL");
    }
    return okStatus();
  });
}

Status ContainerService::restart(std::string_view idOrName, const StopOptions& opts) {
  return withContainer(idOrName, [&](Live& l, ContainerRecord rec) -> Status {
    if (rec.state.running) {
      BERTH_TRY(stopLocked(l, rec, opts));
      BERTH_ASSIGN_OR_RETURN(rec, load(rec.id));
    }
    BERTH_ASSIGN_OR_RETURN(RunSettings run, runSettingsFrom(rec.config, rec.hostConfig, o_.host));
    {
      std::lock_guard<std::mutex> lock(mu_);
      l.restart.reset(run.restart);
    }
    BERTH_TRY(startLocked(l, rec));
    BERTH_ASSIGN_OR_RETURN(rec, load(rec.id));
    emit(rec, "restart");
    return okStatus();
  });
}

Status ContainerService::pause(std::string_view idOrName) {
  return withContainer(idOrName, [&](Live&, ContainerRecord rec) -> Status {
    if (!rec.state.running) {
      return notRunningError(rec.id);
    }
    if (rec.state.paused) {
      return conflict("container " + rec.id + " is already paused");
    }
    if (rec.state.restarting) {
      return conflict("container " + rec.id +
                      " is restarting, wait until the container is running");
    }
    BERTH_TRY(d_.runtime.pause(rec.id));
    BERTH_ASSIGN_OR_RETURN(rec, mutate(rec.id, [](ContainerRecord& r) { r.state.paused = true; }));
    emit(rec, "pause");
    return okStatus();
  });
}

Status ContainerService::unpause(std::string_view idOrName) {
  return withContainer(idOrName, [&](Live&, ContainerRecord rec) -> Status {
    if (!rec.state.paused) {
      return conflict("container " + rec.id + " is not paused");
    }
    BERTH_TRY(d_.runtime.resume(rec.id));
    BERTH_ASSIGN_OR_RETURN(rec, mutate(rec.id, [](ContainerRecord& r) { r.state.paused = false; }));
    emit(rec, "unpause");
    return okStatus();
  });
}

}  // namespace berth::container
