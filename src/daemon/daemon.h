// The composition root: the only place that builds concrete classes and wires
// them together (store, kernel probe, events, services, API server).
#pragma once

#include <memory>

#include "common/result.h"
#include "daemon/config.h"
#include "kernel/features.h"

namespace berth::daemon {

class Daemon {
 public:
  explicit Daemon(DaemonConfig config);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Takes the data root, opens the store, probes the kernel and starts
  // listening. Nothing is left listening or locked when it fails.
  Status start();

  // Serves until SIGTERM/SIGINT (clean shutdown); SIGHUP reloads the log level.
  void run();

 private:
  struct Parts;
  // Images, runtime, shims and the container service; re-adopts live containers.
  Status startContainers(Parts& p, const KernelFeatures& kernel);
  Status startNetworks(Parts& p);

  DaemonConfig config_;
  std::unique_ptr<Parts> parts_;
};

}  // namespace berth::daemon
