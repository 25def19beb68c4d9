// exec: create, start (detached or attached), inspect, resize. Exec records
// live in memory only, as in dockerd.
#include <spdlog/spdlog.h>

#include "common/ids.h"
#include "common/strings.h"
#include "container/container_view.h"
#include "container/json_fields.h"
#include "container/runtime_spec.h"
#include "container/service_internal.h"
#include "container/shim_io.h"
#include "runtime/fs_util.h"

namespace berth::container {

// An attached exec start: connects to the exec's attach socket (which starts
// the process), splices, and ends the client's stream only once the exit
// code is recorded, so that `docker exec` reads it right after.
class ExecAttach : public AttachSession {
 public:
  ExecAttach(ContainerService* svc, std::shared_ptr<ContainerService::Exec> exec,
             std::string stateDir, std::string detachKeys)
      : svc_(svc),
        exec_(std::move(exec)),
        stateDir_(std::move(stateDir)),
        keys_(std::move(detachKeys)) {}

  bool tty() const override { return exec_->tty; }

  void run(std::shared_ptr<ClientStream> client) override {
    auto fd = connectShimSocket(stateDir_, shimFiles(exec_->id).attachSock);
    if (fd.ok() &&
        sendAttachHello(fd->get(), exec_->attachStdin, exec_->attachStdout, exec_->attachStderr)
            .ok()) {
      spliceAttach(client, std::move(fd).value(), SpliceOptions{exec_->attachStdin, keys_});
    } else {
      spdlog::warn("exec {}: cannot attach: {}", exec_->id,
                   fd.ok() ? "hello failed" : fd.error().message());
    }
    {
      std::unique_lock<std::mutex> lock(svc_->mu_);
      svc_->exitCv_.wait_for(lock, std::chrono::seconds(5), [this] { return !exec_->running; });
    }
    client->closeWrite();
  }

 private:
  ContainerService* svc_;
  std::shared_ptr<ContainerService::Exec> exec_;
  std::string stateDir_;
  std::string keys_;
};

Result<std::string> ContainerService::execCreate(std::string_view idOrName,
                                                 const nlohmann::json& body) {
  auto e = std::make_shared<Exec>();
  BERTH_ASSIGN_OR_RETURN(auto cmd, stringList(body, "Cmd", "ExecConfig"));
  if (!cmd || cmd->empty()) {
    return invalidArgument("No exec command specified");
  }
  e->cmd = *cmd;
  BERTH_ASSIGN_OR_RETURN(auto env, stringList(body, "Env", "ExecConfig"));
  e->env = env.value_or(std::vector<std::string>{});
  BERTH_ASSIGN_OR_RETURN(e->user, stringField(body, "User", "ExecConfig"));
  if (!e->user.empty()) {
    BERTH_TRY(parseUser(e->user));
  }
  BERTH_ASSIGN_OR_RETURN(e->workingDir, stringField(body, "WorkingDir", "ExecConfig"));
  if (!e->workingDir.empty() && e->workingDir[0] != '/') {
    return invalidArgument("the working directory '" + e->workingDir +
                           "' is invalid, it needs to be an absolute path");
  }
  BERTH_ASSIGN_OR_RETURN(e->tty, boolField(body, "Tty", "ExecConfig"));
  BERTH_ASSIGN_OR_RETURN(e->privileged, boolField(body, "Privileged", "ExecConfig"));
  BERTH_ASSIGN_OR_RETURN(e->attachStdin, boolField(body, "AttachStdin", "ExecConfig"));
  BERTH_ASSIGN_OR_RETURN(e->attachStdout, boolField(body, "AttachStdout", "ExecConfig"));
  BERTH_ASSIGN_OR_RETURN(e->attachStderr, boolField(body, "AttachStderr", "ExecConfig"));
  BERTH_ASSIGN_OR_RETURN(e->detachKeys, stringField(body, "DetachKeys", "ExecConfig"));
  BERTH_TRY(parseDetachKeys(e->detachKeys));
  return withContainer(idOrName, [&](Live&, ContainerRecord rec) -> Result<std::string> {
    if (!rec.state.running) {
      return notRunningError(rec.id);
    }
    if (rec.state.paused) {
      return conflict("container " + rec.id + " is paused, unpause the container before exec");
    }
    if (rec.state.restarting) {
      return conflict("container " + rec.id +
                      " is restarting, wait until the container is running");
    }
    e->id = generateId();
    e->containerId = rec.id;
    {
      std::lock_guard<std::mutex> lock(mu_);
      execs_[e->id] = e;
    }
    emit(rec, "exec_create: " + join(e->cmd, " "), {{"execID", e->id}});
    return e->id;
  });
}

Result<std::shared_ptr<AttachSession>> ContainerService::execStart(std::string_view execId,
                                                                   const ExecStartOptions& opts) {
  std::shared_ptr<Exec> e;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = execs_.find(std::string(execId));
    if (it == execs_.end()) {
      return notFound("No such exec instance: " + std::string(execId));
    }
    e = it->second;
    if (e->running) {
      return conflict("Error: Exec command " + e->id + " is already running");
    }
    if (e->started) {
      return conflict("Error: Exec command " + e->id + " has already run");
    }
    e->started = true;
    e->running = true;
  }
  auto undo = [this, e] {
    std::lock_guard<std::mutex> lock(mu_);
    e->running = false;
  };
  auto loaded = load(e->containerId);
  if (!loaded.ok() || !loaded->state.running || loaded->state.restarting) {
    undo();
    return notRunningError(e->containerId);
  }
  ContainerRecord rec = std::move(loaded).value();
  if (rec.state.paused) {
    undo();
    return conflict("container " + rec.id + " is paused, unpause the container before exec");
  }
  auto prepared = [&]() -> Result<ShimStart> {
    BERTH_ASSIGN_OR_RETURN(RunSettings run, runSettingsFrom(rec.config, rec.hostConfig, o_.host));
    BERTH_ASSIGN_OR_RETURN(std::string rootfs, d_.rootfs.mount(rec.id, rec.layerDirs));
    SpecPaths paths{rootfs, containerDir(o_.dataRoot, rec.id), o_.cgroupParent};
    ExecProcess proc{e->cmd, e->env, e->user, e->workingDir, e->tty || opts.tty, e->privileged};
    BERTH_ASSIGN_OR_RETURN(nlohmann::json process, execProcessJson(rec, run, proc, paths));
    std::string file = bundleDir(rec.id) + "/process-" + e->id + ".json";
    BERTH_TRY(writeFileAtomic(file, process.dump(), 0600));
    ShimStart s;
    s.id = rec.id;
    s.bundle = bundleDir(rec.id);
    s.stateDir = s.bundle;
    s.terminal = proc.tty;
    s.stdinOpen = e->attachStdin;
    s.stdinOnce = e->attachStdin;  // the exec's stdin closes with the client's
    s.execId = e->id;
    s.processJson = file;
    s.waitAttach = !opts.detach && (e->attachStdin || e->attachStdout || e->attachStderr);
    return s;
  }();
  if (!prepared.ok()) {
    undo();
    return Unexpected(std::move(prepared).error());
  }
  auto shim = d_.shims.start(*prepared);
  if (!shim.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    e->running = false;
    e->exitCode = shim.error().message().find("not found") != std::string::npos ? 127 : 126;
    return Unexpected(std::move(shim).error());
  }
  if (opts.consoleSize) {
    (void)sendControl(
        prepared->stateDir, shimFiles(e->id).controlSock,
        {{"resize", {{"height", opts.consoleSize->first}, {"width", opts.consoleSize->second}}}});
  }
  auto w = d_.watcher.watch(shim->shimPid, gated(gate_, [this, id = e->id] { onExecExit(id); }));
  {
    std::lock_guard<std::mutex> lock(mu_);
    e->pid = shim->processPid;
    if (w.ok()) {
      e->watch = std::move(w).value();
    }
  }
  emit(rec, "exec_start: " + join(e->cmd, " "), {{"execID", e->id}});
  if (opts.detach) {
    return std::shared_ptr<AttachSession>();
  }
  BERTH_ASSIGN_OR_RETURN(std::string keys, parseDetachKeys(e->detachKeys));
  return std::shared_ptr<AttachSession>(
      std::make_shared<ExecAttach>(this, e, prepared->stateDir, keys));
}

void ContainerService::onExecExit(const std::string& execId) {
  std::shared_ptr<Exec> e;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = execs_.find(execId);
    if (it == execs_.end()) {
      return;
    }
    e = it->second;
  }
  auto st = readExitStatus(bundleDir(e->containerId), e->id);
  int code = st.ok() ? st->exitCode : 255;
  std::unique_ptr<ProcessWatch> old;
  {
    std::lock_guard<std::mutex> lock(mu_);
    e->running = false;
    e->exitCode = code;
    old = std::move(e->watch);
  }
  exitCv_.notify_all();
  auto rec = load(e->containerId);
  if (rec.ok()) {
    emit(*rec, "exec_die", {{"execID", e->id}, {"exitCode", std::to_string(code)}});
  }
  if (!rec.ok() || !rec->state.running) {
    // The container is gone already; dockerd forgets its execs then.
    std::lock_guard<std::mutex> lock(mu_);
    execs_.erase(e->id);
  }
  ::unlink((bundleDir(e->containerId) + "/process-" + e->id + ".json").c_str());
}

void ContainerService::dropExecsOf(const std::string& containerId, bool all) {
  std::vector<std::unique_ptr<ProcessWatch>> watches;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = execs_.begin(); it != execs_.end();) {
      if (it->second->containerId == containerId && (all || !it->second->running)) {
        it->second->running = false;
        watches.push_back(std::move(it->second->watch));
        it = execs_.erase(it);
      } else {
        ++it;
      }
    }
  }
  exitCv_.notify_all();
}

Result<nlohmann::json> ContainerService::execInspect(std::string_view execId) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = execs_.find(std::string(execId));
  if (it == execs_.end()) {
    return notFound("No such exec instance: " + std::string(execId));
  }
  const Exec& e = *it->second;
  nlohmann::json args(std::vector<std::string>(e.cmd.begin() + 1, e.cmd.end()));
  nlohmann::json pc = {{"tty", e.tty},
                       {"entrypoint", e.cmd.front()},
                       {"arguments", args},
                       {"privileged", e.privileged}};
  if (!e.user.empty()) {
    pc["user"] = e.user;
  }
  return nlohmann::json{
      {"ID", e.id},
      {"Running", e.running},
      {"ExitCode", e.exitCode ? nlohmann::json(*e.exitCode) : nlohmann::json(nullptr)},
      {"ProcessConfig", pc},
      {"OpenStdin", e.attachStdin},
      {"OpenStderr", e.attachStderr},
      {"OpenStdout", e.attachStdout},
      {"CanRemove", false},
      {"ContainerID", e.containerId},
      {"DetachKeys", e.detachKeys},
      {"Pid", e.pid}};
}

Status ContainerService::execResize(std::string_view execId, int height, int width) {
  std::string containerId;
  std::string id(execId);
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = execs_.find(id);
    if (it == execs_.end()) {
      return notFound("No such exec instance: " + id);
    }
    if (!it->second->running) {
      return conflict("exec " + id + " is not running");
    }
    containerId = it->second->containerId;
  }
  return sendControl(bundleDir(containerId), shimFiles(id).controlSock,
                     {{"resize", {{"height", height}, {"width", width}}}});
}

}  // namespace berth::container
