// attach, logs and resize: the container's stdio through its shim.
#include <spdlog/spdlog.h>

#include "container/container_view.h"
#include "container/service_internal.h"
#include "container/shim_io.h"
#include "logdriver/log_options.h"
#include "logdriver/stdcopy.h"

namespace berth::container {

// An attach to a container: replays the log first when asked, then joins the
// shim's stdio — right away if the container runs, else once it starts.
class ContainerAttach : public AttachSession {
 public:
  ContainerAttach(ContainerService* svc, std::string id, bool tty, AttachOptions opts,
                  std::string keys)
      : svc_(svc), id_(std::move(id)), tty_(tty), opts_(std::move(opts)), keys_(std::move(keys)) {}

  bool tty() const override { return tty_; }

  void run(std::shared_ptr<ClientStream> client) override {
    if (opts_.logs && (opts_.attachStdout || opts_.attachStderr)) {
      LogsOptions lo;
      lo.showStdout = opts_.attachStdout;
      lo.showStderr = opts_.attachStderr;
      auto plan = svc_->logs(id_, lo);
      if (plan.ok()) {
        (void)svc_->streamLogs(*plan, [&](std::string_view b) { return client->write(b).ok(); });
      }
    }
    if (!opts_.stream) {
      client->closeWrite();
      return;
    }
    auto pending = std::make_shared<PendingAttach>();
    auto dir = svc_->waitForStart(id_, pending);
    if (!dir.ok()) {
      spdlog::debug("attach {}: {}", id_, dir.error().message());
      client->closeWrite();
      return;
    }
    auto fd = connectShimSocket(*dir, shimFiles("").attachSock);
    Status hello = fd.ok() ? sendAttachHello(fd->get(), opts_.attachStdin, opts_.attachStdout,
                                             opts_.attachStderr)
                           : Status(Unexpected(fd.error()));
    {
      std::lock_guard<std::mutex> lock(pending->mu);
      pending->phase =
          hello.ok() ? PendingAttach::Phase::kConnected : PendingAttach::Phase::kFailed;
      pending->cv.notify_all();
    }
    if (hello.ok()) {
      spliceAttach(client, std::move(fd).value(),
                   SpliceOptions{opts_.attachStdin, opts_.attachStdin ? keys_ : ""});
    } else {
      spdlog::debug("attach {}: {}", id_, hello.error().message());
    }
    client->closeWrite();
  }

 private:
  ContainerService* svc_;
  std::string id_;
  bool tty_;
  AttachOptions opts_;
  std::string keys_;
};

Result<std::string> ContainerService::waitForStart(const std::string& id,
                                                   const std::shared_ptr<PendingAttach>& pending) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = lives_.find(id);
    if (it == lives_.end()) {
      return notFound("No such container: " + id);
    }
    if (it->second->running) {
      return bundleDir(id);
    }
    it->second->pendingAttaches.push_back(pending);
  }
  std::unique_lock<std::mutex> lock(pending->mu);
  pending->cv.wait(lock, [&] { return pending->phase != PendingAttach::Phase::kWaiting; });
  if (pending->phase == PendingAttach::Phase::kFailed) {
    return internal(pending->error);
  }
  return pending->stateDir;
}

Result<std::shared_ptr<AttachSession>> ContainerService::attach(std::string_view idOrName,
                                                                const AttachOptions& opts) {
  BERTH_ASSIGN_OR_RETURN(ContainerRecord rec, find(idOrName));
  BERTH_ASSIGN_OR_RETURN(std::string keys, parseDetachKeys(opts.detachKeys));
  live(rec.id);  // so that a start can find the pending attach
  emit(rec, "attach");
  return std::shared_ptr<AttachSession>(
      std::make_shared<ContainerAttach>(this, rec.id, rec.tty(), opts, keys));
}

Result<LogsPlan> ContainerService::logs(std::string_view idOrName, const LogsOptions& opts) {
  BERTH_ASSIGN_OR_RETURN(ContainerRecord rec, find(idOrName));
  if (!opts.showStdout && !opts.showStderr) {
    return invalidArgument("You must choose at least one stream");
  }
  if (!logDriverSupportsReading(rec.logDriver)) {
    return notImplemented("configured logging driver does not support reading");
  }
  uint64_t generation = 0;
  bool running = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = lives_.find(rec.id);
    if (it != lives_.end()) {
      generation = it->second->generation;
      running = it->second->running;
    }
  }
  LogsPlan plan;
  plan.tty = rec.tty();
  plan.source.driver = rec.logDriver;
  plan.source.path = rec.logPath;
  std::string id = rec.id;
  // Follow ends once the run that was current when the request came has ended.
  plan.source.producerGone = [this, id, generation, running] {
    if (!running) {
      return true;
    }
    std::lock_guard<std::mutex> lock(mu_);
    auto it = lives_.find(id);
    return it == lives_.end() || it->second->generation != generation || !it->second->running;
  };
  plan.read.showStdout = opts.showStdout;
  plan.read.showStderr = opts.showStderr;
  plan.read.follow = opts.follow;
  plan.read.timestamps = opts.timestamps;
  plan.read.details = opts.details;
  plan.read.sinceNano = opts.sinceNano;
  plan.read.untilNano = opts.untilNano;
  plan.read.tail = opts.tail;
  return plan;
}

Status ContainerService::streamLogs(const LogsPlan& plan,
                                    const std::function<bool(std::string_view)>& write,
                                    std::function<bool()> stopRequested) {
  LogSource src = plan.source;
  src.stopRequested = std::move(stopRequested);
  std::string frame;
  return readLogs(src, plan.read, [&](const LogEntry& e) {
    std::string line = formatLogLine(e, plan.read);
    if (plan.tty) {
      return write(line);
    }
    frame.clear();
    appendStdcopyFrame(
        frame, e.stream == LogStream::kStderr ? StdStream::kStderr : StdStream::kStdout, line);
    return write(frame);
  });
}

Status ContainerService::resize(std::string_view idOrName, int height, int width) {
  BERTH_ASSIGN_OR_RETURN(ContainerRecord rec, find(idOrName));
  if (!rec.state.running || rec.state.restarting) {
    return notRunningError(rec.id);
  }
  if (height < 0 || width < 0 || height > 65535 || width > 65535) {
    return invalidArgument("invalid terminal size " + std::to_string(height) + "x" +
                           std::to_string(width));
  }
  BERTH_TRY(sendControl(bundleDir(rec.id), shimFiles("").controlSock,
                        {{"resize", {{"height", height}, {"width", width}}}}));
  emit(rec, "resize", {{"height", std::to_string(height)}, {"width", std::to_string(width)}});
  return okStatus();
}

}  // namespace berth::container
