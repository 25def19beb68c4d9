// The moving parts run, start -a, attach and exec share: a hijacked stream
// pumped on its own thread, a wait request parked before the container starts,
// the terminal size kept in step, and signals forwarded to the container.
#pragma once

#include <future>
#include <memory>
#include <string>
#include <thread>

#include "cli/api_client.h"
#include "cli/signal_proxy.h"
#include "cli/stdio_stream.h"
#include "common/result.h"

namespace berth::cli {

class CommandContext;

// A hijacked connection whose bytes move on a thread of their own.
class AttachedStream {
 public:
  // Hijacks `request` with `client` (which must outlive this) and starts streaming.
  static Result<std::unique_ptr<AttachedStream>> start(ApiClient& client,
                                                       const ApiRequest& request,
                                                       StreamOptions io);
  ~AttachedStream();
  AttachedStream(const AttachedStream&) = delete;
  AttachedStream& operator=(const AttachedStream&) = delete;

  // Blocks until the stream ends; the streamer's result.
  Result<StreamEnd> wait();
  // Ends the stream now (the start failed) and waits for the thread.
  void cancel();

 private:
  AttachedStream() = default;
  std::unique_ptr<HijackedConn> conn_;
  std::thread thread_;
  std::promise<Result<StreamEnd>> done_;
  std::future<Result<StreamEnd>> result_;
  std::optional<Result<StreamEnd>> final_;
};

// POST /containers/{id}/wait parked on its own connection (docker's
// waitExitOrRemoved): start() returns once the daemon took the request, so a
// container started afterwards cannot exit unseen.
class ContainerWaiter {
 public:
  // `condition`: "" (not-running), "next-exit" or "removed".
  static Result<std::unique_ptr<ContainerWaiter>> start(CommandContext& ctx,
                                                        const std::string& id,
                                                        const std::string& condition);
  ~ContainerWaiter();
  ContainerWaiter(const ContainerWaiter&) = delete;
  ContainerWaiter& operator=(const ContainerWaiter&) = delete;

  // The container's exit status, or the error the daemon reported.
  Result<int> result();
  // result() as docker's run/start use it: a failure is logged on `err` and counts as 125.
  int status(std::ostream& err);
  // Gives up waiting (the destructor does too if result() was never called).
  void cancel();

 private:
  ContainerWaiter() = default;
  std::unique_ptr<ApiClient> client_;
  std::thread thread_;
  std::string body_;
  Status outcome_ = okStatus();
};

// Keeps the container's (or exec's) tty the size of our terminal while attached:
// resizes once at once, then whenever the size changes.
class ResizeMonitor {
 public:
  // `path`: "/containers/<id>/resize" or "/exec/<id>/resize".
  static std::unique_ptr<ResizeMonitor> start(CommandContext& ctx, std::string path);
  ~ResizeMonitor();
  ResizeMonitor(const ResizeMonitor&) = delete;
  ResizeMonitor& operator=(const ResizeMonitor&) = delete;

 private:
  ResizeMonitor() = default;
  std::unique_ptr<ApiClient> client_;
  std::string path_;
  std::thread thread_;
  std::promise<void> stop_;
};

// --sig-proxy: forwards our signals to the container through POST .../kill.
Result<std::unique_ptr<SignalProxy>> proxySignals(CommandContext& ctx, const std::string& id);

// The attach query docker sends: stream=1 and the chosen streams, detachKeys if set.
Query attachQuery(bool in, bool out, bool err, const std::string& detachKeys);

// --detach-keys as given (or docker's default) as bytes; an invalid spec falls
// back to the default, as docker does, with a warning on `err`.
std::string detachKeyBytes(const std::string& flag, std::ostream& err);

}  // namespace berth::cli
