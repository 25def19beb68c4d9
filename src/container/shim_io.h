// berthd's side of berth-shim's sockets (docs/containers-design.md): attach.sock
// to join a process's stdio, control.sock to resize its terminal.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/result.h"
#include "container/container_io.h"
#include "kernel/unique_fd.h"
#include "shim/shim_files.h"

namespace berth::container {

// Connects to the unix socket `name` in `dir`, through /proc/self/fd so that a
// deep state dir does not overflow sun_path.
Result<UniqueFd> connectShimSocket(const std::string& dir, const std::string& name);

// The first line of an attach: which streams the client wants.
Status sendAttachHello(int fd, bool wantStdin, bool wantStdout, bool wantStderr);

// One control line, e.g. {"resize":{"height":40,"width":120}}.
Status sendControl(const std::string& dir, const std::string& name, const nlohmann::json& line);

// docker's --detach-keys ("ctrl-p,ctrl-q", "a,ctrl-c"); "" gives docker's default.
// invalid-argument "Invalid detach keys (x) provided" otherwise.
Result<std::string> parseDetachKeys(std::string_view spec);

struct SpliceOptions {
  bool forwardStdin = false;
  std::string detachKeys;  // bytes; empty = no detaching
};

// Copies the process's output (from the attach socket) to the client until it
// ends. With forwardStdin, a second thread copies the client's input to the
// socket, half-closing it at the client's end of input, or ending the whole
// attach when the client types the detach keys. Returns when the output ended;
// the caller then closes the client's write side.
void spliceAttach(const std::shared_ptr<ClientStream>& client, UniqueFd sock,
                  const SpliceOptions& opts);

}  // namespace berth::container
