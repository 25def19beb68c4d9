// `attach` and `exec`: a hijacked stream to a running container (or to a new
// process in it), with docker's checks, detach keys and exit statuses.
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <ostream>

#include "cli/command.h"
#include "cli/commands/container.h"
#include "cli/commands/container_opts.h"
#include "cli/commands/container_session.h"
#include "cli/terminal.h"

namespace berth::cli {

namespace {

using nlohmann::json;

// term.EscapeError's text, which attach and exec report on detaching.
constexpr std::string_view kEscapeMessage = "read escape sequence";

Status checkRunning(const json& c) {
  const json state = c.value("State", json::object());
  if (!state.value("Running", false)) {
    return conflict("You cannot attach to a stopped container, start it first");
  }
  if (state.value("Paused", false)) {
    return conflict("You cannot attach to a paused container, unpause it first");
  }
  if (state.value("Restarting", false)) {
    return conflict("You cannot attach to a restarting container, wait until it is running");
  }
  return okStatus();
}

struct AttachOptions {
  bool noStdin = false;
  bool sigProxy = true;
  std::string detachKeys;
};

Status runAttach(CommandContext& ctx, const AttachOptions& o, const std::string& name) {
  BERTH_ASSIGN_OR_RETURN(ApiClient * client, ctx.client());
  BERTH_ASSIGN_OR_RETURN(ApiResponse reply, client->call("GET", "/containers/" + name + "/json"));
  BERTH_ASSIGN_OR_RETURN(json c, reply.json());
  BERTH_TRY(checkRunning(c));
  const std::string id = c.value("Id", name);
  const json config = c.value("Config", json::object());
  const bool tty = config.value("Tty", false);
  if (!o.noStdin && tty && !isTerminal(STDIN_FILENO)) {
    return invalidArgument("the input device is not a TTY");
  }
  const bool withStdin = !o.noStdin && config.value("OpenStdin", false);
  std::unique_ptr<SignalProxy> proxy;
  if (o.sigProxy && !tty) {
    auto started = proxySignals(ctx, id);
    if (started.ok()) {
      proxy = std::move(started).value();
    }
  }
  BERTH_ASSIGN_OR_RETURN(auto waiter, ContainerWaiter::start(ctx, id, ""));
  ApiRequest attachReq;
  attachReq.method = "POST";
  attachReq.path = "/containers/" + id + "/attach";
  attachReq.query = attachQuery(withStdin, true, true, o.detachKeys);
  StreamOptions io;
  io.inFd = withStdin ? STDIN_FILENO : -1;
  io.out = &ctx.out();
  io.err = &ctx.err();
  io.tty = tty;
  io.detachKeys = detachKeyBytes(o.detachKeys, ctx.err());
  BERTH_ASSIGN_OR_RETURN(auto stream, AttachedStream::start(*client, attachReq, io));
  std::unique_ptr<ResizeMonitor> resize;
  if (tty && isTerminal(STDOUT_FILENO)) {
    resize = ResizeMonitor::start(ctx, "/containers/" + id + "/resize");
  }
  Result<StreamEnd> end = stream->wait();
  resize.reset();
  if (!end.ok()) {
    return std::move(end).error();
  }
  if (*end == StreamEnd::kDetached) {
    return internal(std::string(kEscapeMessage));
  }
  BERTH_ASSIGN_OR_RETURN(int status, waiter->result());
  if (status != 0) {
    ctx.setExitCode(status);
  }
  return okStatus();
}

struct ExecOptions {
  bool detach = false;
  bool interactive = false;
  bool tty = false;
  bool privileged = false;
  std::string detachKeys;
  std::string user;
  std::string workdir;
  std::vector<std::string> env;
  std::vector<std::string> envFiles;
};

Status runExec(CommandContext& ctx, const ExecOptions& o, const std::vector<std::string>& args) {
  const std::string& name = args[0];
  std::vector<std::string> cmd(args.begin() + 1, args.end());
  BERTH_ASSIGN_OR_RETURN(std::vector<std::string> env,
                         readEnvStrings(o.envFiles, o.env, processEnv));
  BERTH_ASSIGN_OR_RETURN(ApiClient * client, ctx.client());
  // A missing container is reported before anything is created, as docker does.
  BERTH_TRY(client->call("GET", "/containers/" + name + "/json"));
  const bool attachStdin = !o.detach && o.interactive;
  const bool attachOutput = !o.detach;
  if (!o.detach && attachStdin && o.tty && !isTerminal(STDIN_FILENO)) {
    return invalidArgument("the input device is not a TTY");
  }
  json consoleSize = nullptr;
  if (o.tty && isTerminal(STDOUT_FILENO)) {
    if (auto size = terminalSize(STDOUT_FILENO)) {
      consoleSize = {size->first, size->second};
    }
  }
  json body = {
      {"User", o.user},
      {"Privileged", o.privileged},
      {"Tty", o.tty},
      {"ConsoleSize", consoleSize},
      {"AttachStdin", attachStdin},
      {"AttachStderr", attachOutput},
      {"AttachStdout", attachOutput},
      {"DetachKeys", o.detachKeys},
      {"Env", env.empty() ? json(nullptr) : json(env)},
      {"WorkingDir", o.workdir},
      {"Cmd", cmd},
  };
  BERTH_ASSIGN_OR_RETURN(ApiResponse created,
                         client->call("POST", "/containers/" + name + "/exec", {}, body));
  BERTH_ASSIGN_OR_RETURN(json createdJson, created.json());
  const std::string execId = createdJson.value("Id", "");
  if (execId.empty()) {
    return internal("exec ID empty");
  }
  json start = {{"Detach", o.detach}, {"Tty", o.tty}, {"ConsoleSize", consoleSize}};
  if (o.detach) {
    BERTH_TRY(client->call("POST", "/exec/" + execId + "/start", {}, start));
    return okStatus();
  }
  ApiRequest startReq;
  startReq.method = "POST";
  startReq.path = "/exec/" + execId + "/start";
  startReq.body = start.dump();
  StreamOptions io;
  io.inFd = attachStdin ? STDIN_FILENO : -1;
  io.out = &ctx.out();
  io.err = o.tty ? &ctx.out() : &ctx.err();
  io.tty = o.tty;
  io.detachKeys = detachKeyBytes(o.detachKeys, ctx.err());
  BERTH_ASSIGN_OR_RETURN(auto stream, AttachedStream::start(*client, startReq, io));
  std::unique_ptr<ResizeMonitor> resize;
  if (o.tty && isTerminal(STDIN_FILENO)) {
    resize = ResizeMonitor::start(ctx, "/exec/" + execId + "/resize");
  }
  Result<StreamEnd> end = stream->wait();
  resize.reset();
  if (!end.ok()) {
    return std::move(end).error();
  }
  if (*end == StreamEnd::kDetached) {
    return internal(std::string(kEscapeMessage));
  }
  auto inspected = client->call("GET", "/exec/" + execId + "/json");
  if (!inspected.ok()) {
    if (inspected.error().kind() == ErrorKind::kUnavailable) {
      ctx.setExitCode(-1);  // the daemon is gone: docker's StatusError{-1}
      return okStatus();
    }
    return std::move(inspected).error();
  }
  BERTH_ASSIGN_OR_RETURN(json info, inspected->json());
  const json code = info.value("ExitCode", json(0));
  int status = code.is_number_integer() ? code.get<int>() : 0;
  if (status != 0) {
    ctx.setExitCode(status);
  }
  return okStatus();
}

}  // namespace

void addAttachCommand(CommandRegistry& r, CLI::App& parent, const std::string& aliasesLine) {
  auto opts = std::make_shared<AttachOptions>();
  CommandSpec spec;
  spec.name = "attach";
  spec.use = "[OPTIONS] CONTAINER";
  spec.summary = "Attach local standard input, output, and error streams to a running container";
  spec.aliasesLine = aliasesLine;
  spec.args = exactArgs(1);
  CLI::App* cmd = r.addCommand(parent, spec,
                               [opts](CommandContext& ctx, const std::vector<std::string>& args) {
                                 return runAttach(ctx, *opts, args[0]);
                               });
  addStringFlag(*cmd, "--detach-keys", opts->detachKeys,
                "Override the key sequence for detaching a container");
  addBoolFlag(*cmd, "--no-stdin", opts->noStdin, "Do not attach STDIN");
  addBoolFlag(*cmd, "--sig-proxy", opts->sigProxy, "Proxy all received signals to the process");
}

void addExecCommand(CommandRegistry& r, CLI::App& parent, const std::string& aliasesLine,
                    int rank) {
  auto opts = std::make_shared<ExecOptions>();
  CommandSpec spec;
  spec.name = "exec";
  spec.use = "[OPTIONS] CONTAINER COMMAND [ARG...]";
  spec.summary = "Execute a command in a running container";
  spec.aliasesLine = aliasesLine;
  spec.topRank = rank;
  spec.args = minArgs(2);
  spec.flagsEndAtFirstArg = true;
  CLI::App* cmd = r.addCommand(parent, spec,
                               [opts](CommandContext& ctx, const std::vector<std::string>& args) {
                                 return runExec(ctx, *opts, args);
                               });
  addBoolFlag(*cmd, "-d,--detach", opts->detach, "Detached mode: run command in the background");
  addStringFlag(*cmd, "--detach-keys", opts->detachKeys,
                "Override the key sequence for detaching a container");
  addCheckedListFlag(*cmd, "-e,--env", opts->env, "Set environment variables", "list",
                     validateEnvValue);
  addRepeatedFlag(*cmd, "--env-file", opts->envFiles, "Read in a file of environment variables");
  addBoolFlag(*cmd, "-i,--interactive", opts->interactive, "Keep STDIN open even if not attached");
  addBoolFlag(*cmd, "--privileged", opts->privileged, "Give extended privileges to the command");
  addBoolFlag(*cmd, "-t,--tty", opts->tty, "Allocate a pseudo-TTY");
  addStringFlag(*cmd, "-u,--user", opts->user,
                "Username or UID (format: \"<name|uid>[:<group|gid>]\")");
  addStringFlag(*cmd, "-w,--workdir", opts->workdir, "Working directory inside the container");
}

}  // namespace berth::cli
