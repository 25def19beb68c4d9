// The names of berth-shim's files inside its state directory: the protocol
// between the shim (which writes them) and berthd (which reads pid files and
// exit records and connects to the sockets). Header-only, so that the shim's
// static link stays free of the runtime library.
#pragma once

#include <string>

namespace berth {

// A container's shim and its exec shims share the directory; the exec ones
// carry the exec id.
struct ShimFiles {
  std::string shimPid;      // shim.pid | shim-<EXECID>.pid
  std::string processPid;   // container.pid | exec-<EXECID>.pid (written by runc)
  std::string exitJson;     // exit.json | exit-<EXECID>.json
  std::string attachSock;   // attach.sock | attach-<EXECID>.sock
  std::string controlSock;  // control.sock | control-<EXECID>.sock
  std::string consoleSock;  // console.sock | console-<EXECID>.sock (only while runc runs)
  std::string runcLog;      // runc.log (runc --log, shared)
  std::string shimLog;      // shim.log | shim-<EXECID>.log (the shim's own errors)
};

inline ShimFiles shimFiles(const std::string& execId) {
  ShimFiles f;
  std::string suffix = execId.empty() ? "" : "-" + execId;
  f.shimPid = "shim" + suffix + ".pid";
  f.processPid = execId.empty() ? "container.pid" : "exec-" + execId + ".pid";
  f.exitJson = "exit" + suffix + ".json";
  f.attachSock = "attach" + suffix + ".sock";
  f.controlSock = "control" + suffix + ".sock";
  f.consoleSock = "console" + suffix + ".sock";
  f.runcLog = "runc.log";
  f.shimLog = "shim" + suffix + ".log";
  return f;
}

}  // namespace berth
