// Exits: watching shims, recording exits, waits, restart policies, --rm, and
// live restore at daemon start.
#include <spdlog/spdlog.h>

#include "common/time_format.h"
#include "container/container_view.h"
#include "container/service_internal.h"
#include "store/collection.h"

namespace berth::container {

namespace {

RestartPolicy policyOf(const ContainerRecord& rec) {
  const nlohmann::json& rp = rec.hostConfig.value("RestartPolicy", nlohmann::json::object());
  auto p = restartPolicyFrom(rp.value("Name", std::string("no")), rp.value("MaximumRetryCount", 0));
  return p.ok() ? *p : RestartPolicy{};
}

struct ExitInfo {
  int exitCode = 255;  // what dockerd records when the exit status is lost
  int64_t finishedAtNano = 0;
  bool oomKilled = false;
};

ExitInfo readExit(const std::string& stateDir, int64_t now) {
  ExitInfo info;
  info.finishedAtNano = now;
  auto st = readExitStatus(stateDir);
  if (!st.ok()) {
    spdlog::warn("no exit status in {}: {}; recording exit code 255", stateDir,
                 st.error().message());
    return info;
  }
  info.exitCode = st->exitCode;
  info.oomKilled = st->oomKilled;
  if (auto t = parseRfc3339(st->finishedAt); t.ok()) {
    info.finishedAtNano = *t;
  }
  return info;
}

void applyExit(ContainerRecord& r, const ExitInfo& e) {
  r.state.running = false;
  r.state.paused = false;
  r.state.restarting = false;
  r.state.pid = 0;
  r.state.shimPid = 0;
  r.state.exitCode = e.exitCode;
  r.state.finishedAtNano = e.finishedAtNano;
  r.state.oomKilled = e.oomKilled;
}

}  // namespace

void ContainerService::watchShim(const std::string& id, int shimPid, uint64_t generation) {
  auto w = d_.watcher.watch(shimPid,
                            gated(gate_, [this, id, generation] { onShimExit(id, generation); }));
  if (!w.ok()) {
    // Without a watch the exit would go unnoticed: treat the shim as gone now.
    spdlog::error("cannot watch the shim of container {}: {}", id, w.error().message());
    d_.scheduler.post(gated(gate_, [this, id, generation] { onShimExit(id, generation); }));
    return;
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto it = lives_.find(id);
  if (it != lives_.end() && it->second->generation == generation && it->second->running) {
    it->second->shimWatch = std::move(w).value();
  }
}

void ContainerService::onShimExit(const std::string& id, uint64_t generation) {
  std::shared_ptr<Live> l;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = lives_.find(id);
    if (it == lives_.end() || it->second->generation != generation || !it->second->running) {
      return;
    }
    l = it->second;
  }
  auto loaded = load(id);
  if (!loaded.ok()) {
    return;
  }
  ContainerRecord rec = std::move(loaded).value();
  ExitInfo exit = readExit(bundleDir(id), now());
  // Cleanup first, so that whoever waits for the exit (stop, rm -f) finds it done.
  (void)cleanupRun(rec, nullptr);
  bool manuallyStopped = rec.state.hasBeenManuallyStopped;
  auto updated = mutate(id, [&](ContainerRecord& r) { applyExit(r, exit); });
  if (updated.ok()) {
    rec = *updated;
  } else {
    applyExit(rec, exit);
  }
  std::unique_ptr<ProcessWatch> old;
  {
    std::lock_guard<std::mutex> lock(mu_);
    l->running = false;
    old = std::move(l->shimWatch);  // destroying it from inside its own callback is allowed
  }
  exitCv_.notify_all();
  dropExecsOf(id, /*all=*/false);
  if (exit.oomKilled) {
    emit(rec, "oom");
  }
  int64_t ran = (rec.state.finishedAtNano - rec.state.startedAtNano) / 1000000000;
  emit(rec, "die",
       {{"exitCode", std::to_string(exit.exitCode)},
        {"execDuration", std::to_string(ran > 0 ? ran : 0)}});
  resolveWaiters(*l, rec, /*removed=*/false);
  applyRestartPolicy(rec, manuallyStopped);
}

void ContainerService::applyRestartPolicy(const ContainerRecord& rec, bool manuallyStopped) {
  RestartManager::Decision d;
  uint64_t generation = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = lives_.find(rec.id);
    if (it == lives_.end()) {
      return;  // removed meanwhile
    }
    std::shared_ptr<Live> l = it->second;
    d = l->restart.shouldRestart(
        rec.state.exitCode, manuallyStopped,
        std::chrono::nanoseconds(rec.state.finishedAtNano - rec.state.startedAtNano));
    generation = l->generation;
  }
  if (d.restart) {
    auto r = mutate(rec.id, [](ContainerRecord& c) {
      c.state.running = true;  // dockerd's SetRestarting
      c.state.restarting = true;
      ++c.restartCount;
    });
    if (!r.ok()) {
      spdlog::error("container {}: cannot record the restart: {}", rec.id, r.error().message());
      return;
    }
    d_.scheduler.postAfter(d.delay, gated(gate_, [this, id = rec.id, generation] {
                             restartByPolicy(id, generation);
                           }));
    return;
  }
  if (rec.hostConfig.value("AutoRemove", false)) {
    d_.scheduler.post(gated(gate_, [this, id = rec.id] { autoRemove(id); }));
  }
}

void ContainerService::restartByPolicy(const std::string& id, uint64_t generation) {
  std::shared_ptr<Live> l = live(id);
  std::lock_guard<std::mutex> op(l->op);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (l->generation != generation || l->restart.cancelled()) {
      return;  // started, stopped or removed by a user in the meantime
    }
  }
  auto rec = load(id);
  if (!rec.ok() || !rec->state.restarting) {
    return;
  }
  Status st = startLocked(*l, *rec);
  if (!st.ok()) {
    spdlog::error("restart of container {} by its policy failed: {}", id, st.error().message());
    (void)mutate(id, [](ContainerRecord& r) {
      r.state.running = false;
      r.state.restarting = false;
    });
  }
}

void ContainerService::autoRemove(const std::string& id) {
  Status st = remove(id, RemoveOptions{true, true, false});
  if (!st.ok() && st.error().kind() != ErrorKind::kNotFound) {
    spdlog::error("cannot remove --rm container {}: {}", id, st.error().message());
  }
}

void ContainerService::resolveWaiters(Live& l, const ContainerRecord& rec, bool removed) {
  std::vector<std::shared_ptr<Waiter>> ready;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto& ws = l.waiters;
    for (auto it = ws.begin(); it != ws.end();) {
      if (removed || it->first != WaitCondition::kRemoved) {
        ready.push_back(it->second);
        it = ws.erase(it);
      } else {
        ++it;
      }
    }
  }
  WaitResult r{rec.state.exitCode, rec.state.error};
  for (auto& w : ready) {
    w->resolve(r);
  }
}

Result<std::shared_ptr<Waiter>> ContainerService::wait(std::string_view idOrName,
                                                       WaitCondition condition) {
  BERTH_ASSIGN_OR_RETURN(ContainerRecord rec, find(idOrName));
  std::shared_ptr<Live> l = live(rec.id);
  auto w = std::make_shared<Waiter>();
  bool now = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    bool running = l->running || rec.state.restarting;
    if (condition == WaitCondition::kNotRunning && !running) {
      now = true;
    } else {
      l->waiters.emplace_back(condition, w);
    }
  }
  if (now) {
    w->resolve(WaitResult{rec.state.exitCode, rec.state.error});
  }
  return w;
}

Status ContainerService::restore() {
  store::Collection<ContainerRecord> coll(d_.store, kContainersPrefix, "container");
  BERTH_ASSIGN_OR_RETURN(std::vector<ContainerRecord> all, coll.list());
  int adopted = 0;
  int exited = 0;
  for (ContainerRecord rec : all) {
    std::shared_ptr<Live> l = live(rec.id);
    {
      std::lock_guard<std::mutex> lock(mu_);
      l->restart.reset(policyOf(rec));
    }
    if (rec.state.removalInProgress) {
      d_.scheduler.post(gated(gate_, [this, id = rec.id] { autoRemove(id); }));
      continue;
    }
    if (!rec.state.running) {
      continue;
    }
    int shimPid = rec.state.shimPid;
    if (shimPid == 0) {
      if (auto pids = readShimPids(bundleDir(rec.id)); pids.ok()) {
        shimPid = pids->shimPid;
      }
    }
    if (!rec.state.restarting && d_.watcher.isShimAlive(shimPid, rec.id)) {
      uint64_t generation = 0;
      {
        std::lock_guard<std::mutex> lock(mu_);
        generation = ++l->generation;
        l->running = true;
      }
      watchShim(rec.id, shimPid, generation);
      ++adopted;
      continue;
    }
    // The container ended while berthd was away (or its restart was pending).
    ExitInfo exit = readExit(bundleDir(rec.id), now());
    if (rec.state.restarting) {
      exit.exitCode = rec.state.exitCode;
      exit.finishedAtNano = rec.state.finishedAtNano;
    }
    (void)cleanupRun(rec, nullptr);
    bool manuallyStopped = rec.state.hasBeenManuallyStopped;
    auto updated = mutate(rec.id, [&](ContainerRecord& r) { applyExit(r, exit); });
    if (!updated.ok()) {
      spdlog::error("restore container {}: {}", rec.id, updated.error().message());
      continue;
    }
    ++exited;
    if (!rec.state.restarting) {
      emit(*updated, "die", {{"exitCode", std::to_string(exit.exitCode)}});
    }
    applyRestartPolicy(*updated, manuallyStopped);
  }
  // dockerd also brings back, at boot, stopped containers whose policy says so
  // (`always` even after a manual stop; `unless-stopped` unless stopped by hand).
  for (const ContainerRecord& rec : all) {
    if (rec.state.running || !rec.state.hasBeenStartedBefore || rec.state.removalInProgress) {
      continue;
    }
    RestartManager boot(policyOf(rec));
    if (boot.shouldRestart(rec.state.exitCode, rec.state.hasBeenManuallyStopped,
                           std::chrono::hours(1))
            .restart) {
      d_.scheduler.post(gated(gate_, [this, id = rec.id] {
        auto st = start(id);
        if (!st.ok()) {
          spdlog::error("could not start container {} at boot: {}", id, st.error().message());
        }
      }));
    }
  }
  spdlog::info("containers restored: {} running re-adopted, {} found exited", adopted, exited);
  return okStatus();
}

}  // namespace berth::container
