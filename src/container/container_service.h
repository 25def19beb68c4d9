// ContainerService: the containers of berthd — create, the lifecycle (start,
// stop, kill, pause, wait, remove, ...), exit detection and restart policies,
// live restore after a berthd restart, and what inspect/ps/top/stats/logs/
// attach/exec/cp show. Every method blocks (runtime and store calls) and is
// meant for the API's handler pool; operations on one container serialize.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/filters.h"
#include "container/container_io.h"
#include "container/container_record.h"
#include "container/container_view.h"
#include "container/create_config.h"
#include "container/mount_points.h"
#include "container/process_watcher.h"
#include "container/restart_manager.h"
#include "container/runtime_spec.h"
#include "container/sandbox.h"
#include "container/scheduler.h"
#include "container/volume_provider.h"
#include "events/event_bus.h"
#include "image/image_service.h"
#include "image/image_store.h"
#include "runtime/oci_runtime.h"
#include "runtime/rootfs.h"
#include "runtime/shim_launcher.h"
#include "store/store.h"

namespace berth::container {

// The collaborators, all owned by the daemon and outliving the service.
struct ServiceDeps {
  store::Store& store;
  events::EventBus& events;
  image::ImageStore& images;
  RootfsManager& rootfs;
  OciRuntime& runtime;
  ShimLauncher& shims;
  SandboxProvider& sandboxes;
  ProcessWatcher& watcher;
  Scheduler& scheduler;
  // Named and anonymous volumes; null: a container with a volume mount is refused.
  VolumeProvider* volumes = nullptr;
};

struct ServiceOptions {
  std::string dataRoot;  // containers/<id>/ (etc files, logs) and overlay/<id>/ live here
  std::string execRoot;  // containers/<id>/ (bundle + shim state) live here
  std::string defaultLogDriver = "json-file";
  LogOptions defaultLogOpts;
  std::string runtimeName = "runc";
  std::string cgroupParent = "/berth";        // cgroupsPath = <parent>/<id>
  std::string cgroupRoot = "/sys/fs/cgroup";  // for stats (cgroup v1 controllers)
  std::string procRoot = "/proc";
  std::string hostResolvConf = "/etc/resolv.conf";
  std::string hostHosts = "/etc/hosts";
  HostFacts host;                  // cpus <= 0 or empty hostname: detected
  std::function<int64_t()> clock;  // wall clock in Unix ns; null = the system's
  std::chrono::milliseconds killGrace{std::chrono::seconds(30)};  // after SIGKILL, before giving up
};

struct CreateRequest {
  std::string name;     // "" = generated
  nlohmann::json body;  // Docker's ContainerConfig + HostConfig + NetworkingConfig
};

struct CreateResult {
  std::string id;
  std::vector<std::string> warnings;
};

struct StopOptions {
  std::optional<int> timeout;  // seconds; -1 = wait forever
  std::string signal;          // "" = the container's stop signal
};

struct RemoveOptions {
  bool force = false;
  bool volumes = false;  // also remove the container's anonymous volumes (rm -v)
  bool link = false;
};

enum class WaitCondition { kNotRunning, kNextExit, kRemoved };
// "" and "not-running", "next-exit", "removed"; else dockerd's 400.
Result<WaitCondition> parseWaitCondition(std::string_view s);

struct WaitResult {
  int statusCode = 0;
  std::string error;  // the container's State.Error, "" for none
};

// A pending wait. `then` runs its callback once, at once if the result is in,
// else on the thread that produced it (it must not block).
class Waiter {
 public:
  void then(std::function<void(const WaitResult&)> fn);
  // Blocks until the result is in.
  WaitResult get();

 private:
  friend class ContainerService;
  void resolve(const WaitResult& r);

  std::mutex mu_;
  std::condition_variable cv_;
  std::optional<WaitResult> result_;
  std::function<void(const WaitResult&)> fn_;
};

struct ListOptions {
  bool all = false;
  int limit = -1;  // <= 0: no limit
  bool size = false;
  Filters filters;
};

struct PruneReport {
  std::vector<std::string> deleted;
  int64_t spaceReclaimed = 0;
};

class ContainerService : public image::ImageUsage {
 public:
  ContainerService(ServiceDeps deps, ServiceOptions options);
  ~ContainerService() override;
  ContainerService(const ContainerService&) = delete;
  ContainerService& operator=(const ContainerService&) = delete;

  // At daemon start, before the API listens: re-adopts running containers whose
  // shim is alive, records the exit of the others and applies their restart policy.
  Status restore();

  Result<CreateResult> create(const CreateRequest& req);
  // false: it was already running (dockerd's 304).
  Result<bool> start(std::string_view idOrName);
  // false: it was not running (304).
  Result<bool> stop(std::string_view idOrName, const StopOptions& opts);
  Status kill(std::string_view idOrName, std::string_view signal);
  Status restart(std::string_view idOrName, const StopOptions& opts);
  Status pause(std::string_view idOrName);
  Status unpause(std::string_view idOrName);
  Result<std::shared_ptr<Waiter>> wait(std::string_view idOrName, WaitCondition condition);
  Status remove(std::string_view idOrName, const RemoveOptions& opts);
  Status rename(std::string_view idOrName, std::string_view newName);
  Result<PruneReport> prune(const Filters& filters);

  Result<nlohmann::json> list(const ListOptions& opts);
  Result<nlohmann::json> inspect(std::string_view idOrName, bool size);
  Result<nlohmann::json> top(std::string_view idOrName, std::string_view psArgs);
  // One stats sample in dockerd's shape; with `oneShot` precpu_stats stays empty,
  // else a second sample is taken a second later (what `stats --no-stream` shows).
  Result<nlohmann::json> statsOnce(std::string_view idOrName, bool oneShot);
  // Samples every second until `emit` returns false or the container stops.
  Status statsStream(std::string_view idOrName,
                     const std::function<bool(const nlohmann::json&)>& emit);

  Result<LogsPlan> logs(std::string_view idOrName, const LogsOptions& opts);
  // Streams what `plan` selects as `docker logs` bytes (stdcopy-framed unless
  // the container has a tty); `write` returning false or `stopRequested`
  // returning true ends it. Blocking (follow waits for new lines).
  Status streamLogs(const LogsPlan& plan, const std::function<bool(std::string_view)>& write,
                    std::function<bool()> stopRequested = {});

  // Validates and returns a session to run on the hijacked connection.
  Result<std::shared_ptr<AttachSession>> attach(std::string_view idOrName,
                                                const AttachOptions& opts);
  Status resize(std::string_view idOrName, int height, int width);

  Result<std::string> execCreate(std::string_view idOrName, const nlohmann::json& body);
  // Detached: starts it and returns null. Else a session that starts it on attach.
  Result<std::shared_ptr<AttachSession>> execStart(std::string_view execId,
                                                   const ExecStartOptions& opts);
  Result<nlohmann::json> execInspect(std::string_view execId);
  Status execResize(std::string_view execId, int height, int width);

  Result<PathStat> statPath(std::string_view idOrName, const std::string& path);
  // Writes a tar of `path` to `write` (the X-Docker-Container-Path-Stat of
  // statPath goes first, in the reply header).
  Status archivePath(std::string_view idOrName, const std::string& path,
                     const std::function<bool(std::string_view)>& write);
  Status extractToDir(std::string_view idOrName, const std::string& path, std::string_view tar,
                      const ExtractOptions& opts);

  // image::ImageUsage
  std::vector<image::ImageUser> containersUsing(std::string_view imageId) const override;

  // Resolves a full id, a name (with or without '/') or a unique id prefix.
  Result<ContainerRecord> find(std::string_view idOrName) const;

  // The networking core connected or disconnected a running container:
  // NetworkSettings.Networks and .Ports as they are now.
  Status setNetworkSettings(const std::string& id, const nlohmann::json& networks,
                            const nlohmann::json& ports);

 private:
  friend class ContainerAttach;
  friend class ExecAttach;

  struct Live;
  struct Exec;
  class Rollback;

  // service_create.cc
  Result<CreateResult> createLocked(const CreateRequest& req);
  Status removeLocked(Live& live, ContainerRecord rec, const RemoveOptions& opts);
  Status cleanupRun(const ContainerRecord& rec, std::vector<std::string>* errors);

  // mounts (service_create.cc, service_lifecycle.cc)
  Result<std::vector<MountPoint>> mountsOf(const ContainerRecord& rec) const;
  MountsOfContainer volumesFromLookup() const;
  Status acquireVolumes(const std::string& id, const std::vector<MountPoint>& mounts,
                        Rollback& rollback);
  Result<ResolvedMounts> setupMounts(const ContainerRecord& rec, const std::string& rootfs,
                                     Rollback& rollback);
  void unmountVolumes(const ContainerRecord& rec);
  void releaseVolumes(const ContainerRecord& rec, bool removeAnonymous);

  // service_lifecycle.cc
  Status startLocked(Live& live, const ContainerRecord& rec);
  Status failStart(const ContainerRecord& rec, const Error& err);
  Result<bool> stopLocked(Live& live, ContainerRecord rec, const StopOptions& opts);
  Status sendSignal(Live& live, const ContainerRecord& rec, int signal);
  bool waitForExit(Live& live, std::optional<std::chrono::milliseconds> timeout);
  Status writeEtcFiles(const ContainerRecord& rec, const RunSettings& run, const Sandbox& sb);
  void connectPendingAttaches(const std::vector<std::shared_ptr<PendingAttach>>& pending,
                              const std::string& stateDir);

  // service_exit.cc
  void watchShim(const std::string& id, int shimPid, uint64_t generation);
  void onShimExit(const std::string& id, uint64_t generation);
  void applyRestartPolicy(const ContainerRecord& rec, bool manuallyStopped);
  void restartByPolicy(const std::string& id, uint64_t generation);
  void autoRemove(const std::string& id);
  void resolveWaiters(Live& live, const ContainerRecord& rec, bool removed);

  // helpers (container_service.cc)
  std::shared_ptr<Live> live(const std::string& id);
  void forgetLive(const std::string& id);
  Result<ContainerRecord> load(const std::string& id) const;
  Status save(const ContainerRecord& rec);
  Result<ContainerRecord> mutate(const std::string& id,
                                 const std::function<void(ContainerRecord&)>& fn);
  void emit(const ContainerRecord& rec, const std::string& action,
            const std::map<std::string, std::string>& attrs = {});
  int64_t now() const;
  std::string bundleDir(const std::string& id) const;
  std::optional<Sizes> sizesOf(const ContainerRecord& rec) const;
  std::vector<std::string> execIdsOf(const std::string& containerId) const;
  // Runs fn with the container's operation lock held and its fresh record.
  template <typename Fn>
  auto withContainer(std::string_view idOrName, Fn&& fn)
      -> decltype(fn(std::declval<Live&>(), std::declval<ContainerRecord>()));

  // service_exec.cc
  void onExecExit(const std::string& execId);
  // Forgets the container's execs (`all`: also the running ones).
  void dropExecsOf(const std::string& containerId, bool all);

  // service_io.cc
  Result<std::string> waitForStart(const std::string& id,
                                   const std::shared_ptr<PendingAttach>& pending);

  ServiceDeps d_;
  ServiceOptions o_;
  mutable std::mutex mu_;           // lives_, execs_, Live's in-memory fields
  std::condition_variable exitCv_;  // a container or exec exited
  std::map<std::string, std::shared_ptr<Live>> lives_;
  std::map<std::string, std::shared_ptr<Exec>> execs_;
  // Background callbacks (watcher, scheduler) pass it; the destructor closes
  // it, so none runs into a destroyed service.
  std::shared_ptr<struct Gate> gate_;
};

}  // namespace berth::container
