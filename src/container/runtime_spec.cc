#include "container/runtime_spec.h"

namespace berth::container {
namespace {

void replaceOrAppend(std::vector<std::string>& env, const std::string& kv) {
  std::string key = kv.substr(0, kv.find('='));
  for (std::string& e : env) {
    if (e.substr(0, e.find('=')) == key) {
      e = kv;
      return;
    }
  }
  env.push_back(kv);
}

}  // namespace

std::vector<std::string> containerEnv(const std::string& hostname, bool tty,
                                      const std::vector<std::string>& env) {
  std::vector<std::string> out = {
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOSTNAME=" + hostname};
  if (tty) {
    out.emplace_back("TERM=xterm");
  }
  for (const std::string& e : env) {
    replaceOrAppend(out, e);
  }
  return out;
}

ContainerRuntimeSpec runtimeSpecFor(const ContainerRecord& rec, const RunSettings& run,
                                    const Sandbox& sandbox, const SpecPaths& paths) {
  ContainerRuntimeSpec s;
  s.args = run.command;
  s.env = containerEnv(run.hostname, run.tty, run.env);
  s.cwd = run.workingDir.empty() ? "/" : run.workingDir;
  s.user = run.user;
  s.groupAdd = run.groupAdd;
  s.terminal = run.tty;
  s.oomScoreAdj = run.oomScoreAdj;
  s.rootfs = paths.rootfs;
  s.readOnlyRootfs = run.readOnlyRootfs;
  for (const char* f : {"hostname", "hosts", "resolv.conf"}) {
    BindMount b;
    b.source = paths.containerDir + "/" + f;
    b.destination = std::string("/etc/") + f;
    s.binds.push_back(b);
  }
  for (const BindMount& b : paths.mounts.binds) {
    // A user mount on /etc/hosts (or hostname, resolv.conf) replaces berth's file.
    std::erase_if(s.binds, [&b](const BindMount& e) { return e.destination == b.destination; });
    s.binds.push_back(b);
  }
  s.tmpfs = run.tmpfs;
  for (const TmpfsMount& t : paths.mounts.tmpfs) {
    s.tmpfs.push_back(t);
  }
  s.hostname = run.hostname;
  s.netnsPath = sandbox.hostNetwork ? "" : sandbox.netnsPath;
  s.capAdd = run.capAdd;
  s.capDrop = run.capDrop;
  s.privileged = run.privileged;
  s.seccomp = run.seccomp;
  s.sysctls = run.sysctls;
  s.cgroupsPath = paths.cgroupParent + "/" + rec.id;
  s.resources = run.resources;
  s.init = run.init;
  return s;
}

Result<nlohmann::json> execProcessJson(const ContainerRecord& rec, const RunSettings& run,
                                       const ExecProcess& exec, const SpecPaths& paths) {
  if (exec.cmd.empty()) {
    return invalidArgument("No exec command specified");
  }
  RunSettings r = run;
  r.command = exec.cmd;
  r.tty = exec.tty;
  r.init = false;  // tini is the container's pid 1, not the exec's
  for (const std::string& e : exec.env) {
    replaceOrAppend(r.env, e);
  }
  if (!exec.user.empty()) {
    BERTH_ASSIGN_OR_RETURN(r.user, parseUser(exec.user));
  }
  if (!exec.workingDir.empty()) {
    if (exec.workingDir[0] != '/') {
      return invalidArgument("the working directory '" + exec.workingDir +
                             "' is invalid, it needs to be an absolute path");
    }
    r.workingDir = exec.workingDir;
  }
  if (exec.privileged) {
    r.privileged = true;
  }
  Sandbox none;
  none.hostNetwork = true;  // the process joins the container's namespaces; the spec's are not used
  BERTH_ASSIGN_OR_RETURN(nlohmann::json spec, buildOciSpec(runtimeSpecFor(rec, r, none, paths)));
  if (!spec.contains("process")) {
    return internal("the OCI spec has no process");
  }
  return spec["process"];
}

}  // namespace berth::container
