// `run`, `create` and `start`: create (pulling a missing image as docker does),
// attach before start, start, then wait for the exit status.
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <fstream>
#include <ostream>

#include "cli/command.h"
#include "cli/commands/container.h"
#include "cli/commands/container_opts.h"
#include "cli/commands/container_session.h"
#include "cli/commands/image.h"
#include "cli/terminal.h"
#include "common/strings.h"

namespace berth::cli {

namespace {

using nlohmann::json;

// docker's newCIDFile: refuses a file that is already there.
Status checkCidFile(const std::string& path) {
  if (path.empty()) {
    return okStatus();
  }
  if (::access(path.c_str(), F_OK) == 0) {
    return invalidArgument(fmt::format(
        "container ID file found, make sure the other container isn't running or delete {}",
        path));
  }
  return okStatus();
}

Status writeCidFile(const std::string& path, const std::string& id) {
  if (path.empty()) {
    return okStatus();
  }
  std::ofstream f(path);
  f << id;
  if (!f) {
    return internal(fmt::format("failed to write the container ID to the file: {}", path));
  }
  return okStatus();
}

// createContainer: POST /containers/create; a missing image is pulled and the
// create tried once more (--pull missing), or pulled first (--pull always).
Result<std::string> createContainer(CommandContext& ctx, const ContainerFlags& f,
                                    CreateRequest& req) {
  if (f.pull != "missing" && f.pull != "always" && f.pull != "never") {
    return invalidArgument(fmt::format(
        "invalid pull option: '{}': must be one of \"always\", \"missing\" or \"never\"", f.pull));
  }
  BERTH_TRY(checkCidFile(f.cidFile));
  const std::string image = req.body["Image"].get<std::string>();
  auto ref = parseImageRef(image);
  BERTH_ASSIGN_OR_RETURN(ApiClient * client, ctx.client());
  std::ostream* pullOut = f.quiet ? nullptr : &ctx.err();
  if (f.pull == "always" && ref.ok()) {
    BERTH_TRY(pullImage(ctx, *ref, pullOut));
  }
  if (auto size = terminalSize(STDOUT_FILENO); size && isTerminal(STDOUT_FILENO)) {
    req.body["HostConfig"]["ConsoleSize"] = {size->first, size->second};
  }
  Query query;
  if (!req.name.empty()) {
    query.emplace_back("name", req.name);
  }
  if (!req.platform.empty()) {
    query.emplace_back("platform", req.platform);
  }
  auto reply = client->call("POST", "/containers/create", query, req.body);
  if (!reply.ok() && reply.error().kind() == ErrorKind::kNotFound && ref.ok() &&
      f.pull == "missing") {
    if (!f.quiet) {
      ctx.err() << fmt::format("Unable to find image '{}' locally\n", ref->familiarString());
    }
    BERTH_TRY(pullImage(ctx, *ref, pullOut));
    reply = client->call("POST", "/containers/create", query, req.body);
  }
  if (!reply.ok()) {
    return std::move(reply).error();
  }
  BERTH_ASSIGN_OR_RETURN(json created, reply->json());
  for (const auto& w : created.value("Warnings", json::array())) {
    if (w.is_string()) {
      ctx.err() << "WARNING: " << w.get<std::string>() << "\n";
    }
  }
  std::string id = created.value("Id", "");
  BERTH_TRY(writeCidFile(f.cidFile, id));
  return id;
}

Status runRun(CommandContext& ctx, ContainerFlags& f, const std::vector<std::string>& args) {
  auto built = buildCreateRequest(f, args);
  if (!built.ok()) {
    return ctx.statusError(125, invalidArgument(withHelp(built.error().message(), "run")));
  }
  CreateRequest req = std::move(built).value();
  if (!f.detach) {
    if (req.attachStdin && f.tty && !isTerminal(STDIN_FILENO)) {
      return invalidArgument("the input device is not a TTY");
    }
  } else {
    if (!f.attach.empty()) {
      return invalidArgument("conflicting options: cannot specify both --attach and --detach");
    }
    req.attachStdin = req.attachStdout = req.attachStderr = false;
    for (const char* key : {"AttachStdin", "AttachStdout", "AttachStderr", "StdinOnce"}) {
      req.body[key] = false;
    }
  }
  auto created = createContainer(ctx, f, req);
  if (!created.ok()) {
    const std::string& msg = created.error().message();
    return ctx.statusError(runFailureExitCode(msg), invalidArgument(withHelp(msg, "run")));
  }
  const std::string id = *created;
  BERTH_ASSIGN_OR_RETURN(ApiClient * client, ctx.client());

  std::unique_ptr<SignalProxy> proxy;
  if (f.sigProxy) {
    auto started = proxySignals(ctx, id);
    if (started.ok()) {
      proxy = std::move(started).value();
    }
  }
  const bool attach = req.attachStdin || req.attachStdout || req.attachStderr;
  std::unique_ptr<AttachedStream> stream;
  if (attach) {
    ApiRequest attachReq;
    attachReq.method = "POST";
    attachReq.path = "/containers/" + id + "/attach";
    attachReq.query =
        attachQuery(req.attachStdin, req.attachStdout, req.attachStderr, f.detachKeys);
    StreamOptions io;
    io.inFd = req.attachStdin ? STDIN_FILENO : -1;
    io.out = req.attachStdout ? &ctx.out() : nullptr;
    io.err = req.attachStderr ? &ctx.err() : nullptr;
    io.tty = f.tty;
    io.detachKeys = detachKeyBytes(f.detachKeys, ctx.err());
    BERTH_ASSIGN_OR_RETURN(stream, AttachedStream::start(*client, attachReq, io));
  } else {
    ctx.out() << id << "\n";
  }

  std::unique_ptr<ContainerWaiter> waiter;
  if (attach) {
    auto w = ContainerWaiter::start(ctx, id, f.autoRemove ? "removed" : "next-exit");
    if (!w.ok()) {
      stream->cancel();
      return std::move(w).error();
    }
    waiter = std::move(w).value();
  }

  auto startReply = client->call("POST", "/containers/" + id + "/start");
  if (!startReply.ok()) {
    if (stream) {
      stream->cancel();  // restores the terminal before we print
    }
    if (waiter && f.autoRemove) {
      (void)waiter->result();  // the daemon removes it; wait for that
    }
    const std::string& msg = startReply.error().message();
    return ctx.statusError(runFailureExitCode(msg), invalidArgument(withHelp(msg, "run")));
  }
  if (!attach) {
    return okStatus();
  }
  std::unique_ptr<ResizeMonitor> resize;
  if (f.tty && isTerminal(STDOUT_FILENO)) {
    resize = ResizeMonitor::start(ctx, "/containers/" + id + "/resize");
  }
  Result<StreamEnd> end = stream->wait();
  resize.reset();
  if (!end.ok()) {
    return std::move(end).error();
  }
  if (*end == StreamEnd::kDetached) {
    return okStatus();
  }
  int status = waiter->status(ctx.err());
  if (status != 0) {
    ctx.setExitCode(status);
  }
  return okStatus();
}

Status runCreate(CommandContext& ctx, ContainerFlags& f, const std::vector<std::string>& args) {
  auto built = buildCreateRequest(f, args);
  if (!built.ok()) {
    return ctx.statusError(125, invalidArgument(withHelp(built.error().message(), "create")));
  }
  BERTH_ASSIGN_OR_RETURN(std::string id, createContainer(ctx, f, *built));
  ctx.out() << id << "\n";
  return okStatus();
}

struct StartOptions {
  bool attach = false;
  bool interactive = false;
  std::string detachKeys;
  std::string checkpoint;
  std::string checkpointDir;
};

Status runStartAttached(CommandContext& ctx, const StartOptions& o, const std::string& name) {
  BERTH_ASSIGN_OR_RETURN(ApiClient * client, ctx.client());
  BERTH_ASSIGN_OR_RETURN(ApiResponse reply, client->call("GET", "/containers/" + name + "/json"));
  BERTH_ASSIGN_OR_RETURN(json c, reply.json());
  const std::string id = c.value("Id", name);
  const json config = c.value("Config", json::object());
  const bool tty = config.value("Tty", false);
  const bool autoRemove = c.value("HostConfig", json::object()).value("AutoRemove", false);
  std::unique_ptr<SignalProxy> proxy;
  if (!tty) {
    auto started = proxySignals(ctx, id);
    if (started.ok()) {
      proxy = std::move(started).value();
    }
  }
  const bool withStdin = o.interactive && config.value("OpenStdin", false);
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
  auto waiter = ContainerWaiter::start(ctx, id, autoRemove ? "removed" : "next-exit");
  if (!waiter.ok()) {
    stream->cancel();
    return std::move(waiter).error();
  }
  auto started = client->call("POST", "/containers/" + id + "/start");
  if (!started.ok()) {
    stream->cancel();
    if (autoRemove) {
      (void)(*waiter)->result();
    }
    return std::move(started).error();
  }
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
    return okStatus();
  }
  int status = (*waiter)->status(ctx.err());
  if (status != 0) {
    ctx.setExitCode(status);
  }
  return okStatus();
}

Status runStart(CommandContext& ctx, const StartOptions& o, const std::vector<std::string>& args) {
  if (o.attach || o.interactive) {
    if (args.size() > 1) {
      return invalidArgument("you cannot start and attach multiple containers at once");
    }
    return runStartAttached(ctx, o, args[0]);
  }
  if (!o.checkpoint.empty()) {
    return notImplemented("checkpoints are not supported");
  }
  BERTH_ASSIGN_OR_RETURN(ApiClient * client, ctx.client());
  std::vector<std::string> failed;
  for (const std::string& name : args) {
    auto reply = client->call("POST", "/containers/" + name + "/start");
    if (!reply.ok()) {
      ctx.err() << reply.error().message() << "\n";
      failed.push_back(name);
      continue;
    }
    ctx.out() << name << "\n";
  }
  if (!failed.empty()) {
    return internal("Error: failed to start containers: " + join(failed, ", "));
  }
  return okStatus();
}

}  // namespace

void addRunCommand(CommandRegistry& r, CLI::App& parent, const std::string& aliasesLine,
                   int rank) {
  auto flags = std::make_shared<ContainerFlags>();
  CommandSpec spec;
  spec.name = "run";
  spec.use = "[OPTIONS] IMAGE [COMMAND] [ARG...]";
  spec.summary = "Create and run a new container from an image";
  spec.aliasesLine = aliasesLine;
  spec.topRank = rank;
  spec.args = minArgs(1);
  spec.flagsEndAtFirstArg = true;
  CLI::App* cmd = r.addCommand(parent, spec,
                               [flags](CommandContext& ctx, const std::vector<std::string>& args) {
                                 return runRun(ctx, *flags, args);
                               });
  addContainerFlags(*cmd, *flags, true);
}

void addCreateCommand(CommandRegistry& r, CLI::App& parent, const std::string& aliasesLine) {
  auto flags = std::make_shared<ContainerFlags>();
  CommandSpec spec;
  spec.name = "create";
  spec.use = "[OPTIONS] IMAGE [COMMAND] [ARG...]";
  spec.summary = "Create a new container";
  spec.aliasesLine = aliasesLine;
  spec.args = minArgs(1);
  spec.flagsEndAtFirstArg = true;
  CLI::App* cmd = r.addCommand(parent, spec,
                               [flags](CommandContext& ctx, const std::vector<std::string>& args) {
                                 return runCreate(ctx, *flags, args);
                               });
  addContainerFlags(*cmd, *flags, false);
}

void addStartCommand(CommandRegistry& r, CLI::App& parent, const std::string& aliasesLine) {
  auto opts = std::make_shared<StartOptions>();
  CommandSpec spec;
  spec.name = "start";
  spec.use = "[OPTIONS] CONTAINER [CONTAINER...]";
  spec.summary = "Start one or more stopped containers";
  spec.aliasesLine = aliasesLine;
  spec.args = minArgs(1);
  CLI::App* cmd = r.addCommand(parent, spec,
                               [opts](CommandContext& ctx, const std::vector<std::string>& args) {
                                 return runStart(ctx, *opts, args);
                               });
  addBoolFlag(*cmd, "-a,--attach", opts->attach, "Attach STDOUT/STDERR and forward signals");
  addStringFlag(*cmd, "--checkpoint", opts->checkpoint, "Restore from this checkpoint");
  addStringFlag(*cmd, "--checkpoint-dir", opts->checkpointDir,
                "Use a custom checkpoint storage directory");
  addStringFlag(*cmd, "--detach-keys", opts->detachKeys,
                "Override the key sequence for detaching a container");
  addBoolFlag(*cmd, "-i,--interactive", opts->interactive, "Attach container's STDIN");
}

}  // namespace berth::cli
