// `cp`: GET /containers/{id}/archive unpacked locally, or a local tar sent
// with PUT /containers/{id}/archive; "-" streams a tar on stdin/stdout.
#include "cli/commands/container_cp.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>
#include <iterator>
#include <ostream>
#include <thread>

#include "cli/command.h"
#include "cli/commands/container.h"
#include "cli/stdio_stream.h"
#include "cli/terminal.h"
#include "cli/units.h"
#include "common/strings.h"

namespace berth::cli {

namespace {

struct CpOptions {
  bool followLink = false;
  bool copyUidGid = false;
  bool quiet = false;
};

struct CpArg {
  std::string container;  // empty: a local path
  std::string path;
};

bool endsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// docker's splitCpArg: "/x:y" and "./x:y" are local paths, not containers.
CpArg splitCpArg(const std::string& arg) {
  if (startsWith(arg, "/") || startsWith(arg, ".")) {
    return {"", arg};
  }
  size_t colon = arg.find(':');
  if (colon == std::string::npos) {
    return {"", arg};
  }
  return {arg.substr(0, colon), arg.substr(colon + 1)};
}

// filepath.Abs that keeps a trailing "/" or "/." (PreserveTrailingDotOrSeparator).
std::string resolveLocalPath(const std::string& path) {
  std::string abs = std::filesystem::absolute(path).lexically_normal().string();
  while (abs.size() > 1 && abs.back() == '/') {
    abs.pop_back();
  }
  if (path == "." || endsWith(path, "/.")) {
    if (!endsWith(abs, "/.")) {
      abs += abs == "/" ? "." : "/.";
    }
  } else if (endsWith(path, "/") && abs != "/") {
    abs += "/";
  }
  return abs;
}

std::string joinContainerPath(const std::string& dir, const std::string& rel) {
  if (rel.empty() || rel[0] == '/') {
    return rel;
  }
  return dir == "/" ? "/" + rel : dir + "/" + rel;
}

Result<ContainerPathStat> statContainerPath(ApiClient& client, const std::string& container,
                                            const std::string& path) {
  ApiRequest req;
  req.method = "HEAD";
  req.path = "/containers/" + container + "/archive";
  req.query = {{"path", path}};
  BERTH_ASSIGN_OR_RETURN(ApiResponse reply, client.send(req));
  return decodePathStat(reply.header("X-Docker-Container-Path-Stat"));
}

Status copyFromContainer(CommandContext& ctx, const CpOptions& o, const std::string& container,
                         std::string srcPath, const std::string& dstArg) {
  std::string dstPath = dstArg == "-" ? dstArg : resolveLocalPath(dstArg);
  BERTH_ASSIGN_OR_RETURN(ApiClient * client, ctx.client());
  std::string rebaseName;
  if (o.followLink) {
    auto st = statContainerPath(*client, container, srcPath);
    if (st.ok() && st->isSymlink()) {
      std::string target = st->linkTarget;
      if (target.empty() || target[0] != '/') {
        target = joinContainerPath(splitPathDirEntry(srcPath).first, target);
      }
      std::string srcBase = splitPathDirEntry(srcPath).second;
      if (srcBase != splitPathDirEntry(target).second) {
        rebaseName = srcBase;
      }
      srcPath = target;
    }
  }
  ApiRequest req;
  req.method = "GET";
  req.path = "/containers/" + container + "/archive";
  req.query = {{"path", srcPath}};
  if (dstPath == "-") {
    return client->stream(req, [&](std::string_view chunk) {
      ctx.out().write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
      return static_cast<bool>(ctx.out());
    });
  }
  auto stat = statContainerPath(*client, container, srcPath);
  if (!stat.ok()) {
    // A HEAD reply has no body to say why; the GET's error does.
    BERTH_TRY(client->call("GET", req.path, req.query));
    return std::move(stat).error();
  }
  CopyInfo src{srcPath, true, stat->isDir(), rebaseName};
  BERTH_ASSIGN_OR_RETURN(CopyInfo dst, localDestinationInfo(dstPath));
  BERTH_ASSIGN_OR_RETURN(CopyPlan plan, prepareArchiveCopy(src, dst));
  // The archive's entries start with the source's own base name; a followed
  // link is first renamed to the link's name, then to what the plan wants.
  std::string archiveBase = splitPathDirEntry(srcPath).second;
  std::string newBase = plan.newBase;
  if (!rebaseName.empty() && plan.oldBase != rebaseName) {
    newBase = rebaseName;
  }

  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    return systemError("pipe", errno);
  }
  Status streamed = okStatus();
  std::thread reader([&] {
    streamed = client->stream(req, [&](std::string_view chunk) {
      while (!chunk.empty()) {
        ssize_t n = ::write(fds[1], chunk.data(), chunk.size());
        if (n < 0) {
          if (errno == EINTR) {
            continue;
          }
          return false;  // the unpacker gave up
        }
        chunk.remove_prefix(static_cast<size_t>(n));
      }
      return true;
    });
    ::close(fds[1]);
  });
  auto written = extractTar(fds[0], plan.dstDir, archiveBase, newBase);
  ::close(fds[0]);  // unblocks the reader if extraction stopped early
  reader.join();
  BERTH_TRY(streamed);
  if (!written.ok()) {
    return std::move(written).error();
  }
  if (!o.quiet && isTerminal(STDERR_FILENO)) {
    ctx.err() << "Successfully copied " << humanSizeWithPrecision(static_cast<double>(*written), 3)
              << " to " << dstPath << "\n";
  }
  return okStatus();
}

Status copyToContainer(CommandContext& ctx, const CpOptions& o, const std::string& srcArg,
                       const std::string& container, const std::string& dstPath) {
  BERTH_ASSIGN_OR_RETURN(ApiClient * client, ctx.client());
  CopyInfo dst{dstPath, false, false, ""};
  auto stat = statContainerPath(*client, container, dstPath);
  if (stat.ok() && stat->isSymlink()) {
    std::string target = stat->linkTarget;
    if (target.empty() || target[0] != '/') {
      target = joinContainerPath(splitPathDirEntry(dstPath).first, target);
    }
    dst.path = target;
    stat = statContainerPath(*client, container, target);
  }
  if (stat.ok()) {
    if (!stat->isRegularOrDir()) {
      return invalidArgument(fmt::format(
          "destination \"{}:{}\" must be a directory or a regular file", container, dstPath));
    }
    dst.exists = true;
    dst.isDir = stat->isDir();
  }
  std::string body;
  std::string extractDir;
  if (srcArg == "-") {
    if (!dst.isDir) {
      return invalidArgument(
          fmt::format("destination \"{}:{}\" must be a directory", container, dstPath));
    }
    BERTH_ASSIGN_OR_RETURN(body, readAll(STDIN_FILENO));
    extractDir = dst.path;
  } else {
    BERTH_ASSIGN_OR_RETURN(CopyInfo src, localSourceInfo(resolveLocalPath(srcArg), o.followLink));
    BERTH_ASSIGN_OR_RETURN(CopyPlan plan, prepareArchiveCopy(src, dst));
    BERTH_ASSIGN_OR_RETURN(body, tarLocalSource(src, plan.oldBase, plan.newBase));
    extractDir = plan.dstDir;
  }
  const size_t size = body.size();
  ApiRequest req;
  req.method = "PUT";
  req.path = "/containers/" + container + "/archive";
  req.query = {{"noOverwriteDirNonDir", "true"}, {"path", extractDir}};
  if (o.copyUidGid) {
    req.query.emplace_back("copyUIDGID", "true");
  }
  req.body = std::move(body);
  req.contentType = "application/x-tar";
  BERTH_TRY(client->send(req));
  if (!o.quiet && srcArg != "-" && isTerminal(STDERR_FILENO)) {
    ctx.err() << "Successfully copied " << humanSizeWithPrecision(static_cast<double>(size), 3)
              << " to " << container << ":" << dstPath << "\n";
  }
  return okStatus();
}

Status runCp(CommandContext& ctx, const CpOptions& o, const std::string& from,
             const std::string& to) {
  CpArg src = splitCpArg(from);
  CpArg dst = splitCpArg(to);
  if (src.container.empty() && dst.container.empty()) {
    return invalidArgument("must specify at least one container source");
  }
  if (!src.container.empty() && !dst.container.empty()) {
    return invalidArgument("copying between containers is not supported");
  }
  if (src.path.empty()) {
    return invalidArgument("source can not be empty");
  }
  if (dst.path.empty()) {
    return invalidArgument("destination can not be empty");
  }
  if (!src.container.empty()) {
    return copyFromContainer(ctx, o, src.container, src.path, dst.path);
  }
  return copyToContainer(ctx, o, src.path, dst.container, dst.path);
}

}  // namespace

void addCpCommand(CommandRegistry& r, CLI::App& parent, const std::string& aliasesLine) {
  auto opts = std::make_shared<CpOptions>();
  CommandSpec spec;
  spec.name = "cp";
  spec.use =
      "[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\tberth cp [OPTIONS] SRC_PATH|- "
      "CONTAINER:DEST_PATH";
  spec.summary = "Copy files/folders between a container and the local filesystem";
  spec.description =
      "Copy files/folders between a container and the local filesystem\n\n"
      "Use '-' as the source to read a tar archive from stdin\n"
      "and extract it to a directory destination in a container.\n"
      "Use '-' as the destination to stream a tar archive of a\n"
      "container source to stdout.";
  spec.aliasesLine = aliasesLine;
  spec.args = exactArgs(2);
  CLI::App* cmd = r.addCommand(parent, spec,
                               [opts](CommandContext& ctx, const std::vector<std::string>& args) {
                                 return runCp(ctx, *opts, args[0], args[1]);
                               });
  addBoolFlag(*cmd, "-a,--archive", opts->copyUidGid, "Archive mode (copy all uid/gid information)");
  addBoolFlag(*cmd, "-L,--follow-link", opts->followLink, "Always follow symbol link in SRC_PATH");
  addBoolFlag(*cmd, "-q,--quiet", opts->quiet,
              "Suppress progress output during copy. Progress output is automatically suppressed "
              "if no terminal is attached");
}

}  // namespace berth::cli
