// import, load and save: image tarballs in and out of the daemon.
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <ostream>
#include <system_error>

#include "cli/command.h"
#include "cli/commands/container.h"
#include "cli/commands/image.h"
#include "cli/stdio_stream.h"
#include "cli/terminal.h"
#include "common/strings.h"

namespace berth::cli {

namespace {

std::string goErrno(int err) {
  std::string s = std::error_code(err, std::generic_category()).message();
  if (!s.empty()) {
    s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  }
  return s;
}

Result<std::string> readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return notFound(fmt::format("open {}: {}", path, goErrno(errno)));
  }
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}


Status printMessages(const std::string& body, std::ostream* out) {
  JsonMessagePrinter printer(out);
  return printer.feed(body + "\n");
}

struct ImportOptions {
  std::vector<std::string> changes;
  std::string message;
  std::string platform;
};

Status runImport(CommandContext& ctx, const ImportOptions& o,
                 const std::vector<std::string>& args) {
  const std::string& source = args[0];
  const std::string reference = args.size() > 1 ? args[1] : "";
  if (!reference.empty()) {
    BERTH_TRY(parseImageRef(reference));
  }
  ApiRequest req;
  req.method = "POST";
  req.path = "/images/create";
  req.contentType = "application/x-tar";
  std::string fromSrc = "-";
  if (source == "-") {
    BERTH_ASSIGN_OR_RETURN(req.body, readAll(STDIN_FILENO));
  } else if (startsWith(source, "http://") || startsWith(source, "https://")) {
    fromSrc = source;  // fetched by the daemon
  } else {
    BERTH_ASSIGN_OR_RETURN(req.body, readFile(source));
  }
  for (const std::string& change : o.changes) {
    req.query.emplace_back("changes", change);
  }
  req.query.emplace_back("fromSrc", fromSrc);
  if (!o.message.empty()) {
    req.query.emplace_back("message", o.message);
  }
  if (!o.platform.empty()) {
    req.query.emplace_back("platform", toLower(o.platform));
  }
  if (!reference.empty()) {
    req.query.emplace_back("repo", reference);
  }
  BERTH_ASSIGN_OR_RETURN(ApiClient * client, ctx.client());
  BERTH_ASSIGN_OR_RETURN(ApiResponse reply, client->send(req));
  return printMessages(reply.body, &ctx.out());
}

struct LoadOptions {
  std::string input;
  bool quiet = false;
  std::string platform;
};

Status runLoad(CommandContext& ctx, const LoadOptions& o) {
  ApiRequest req;
  req.method = "POST";
  req.path = "/images/load";
  req.contentType = "application/x-tar";
  if (o.input.empty()) {
    if (isTerminal(STDIN_FILENO)) {
      return invalidArgument("requested load from stdin, but stdin is empty");
    }
    BERTH_ASSIGN_OR_RETURN(req.body, readAll(STDIN_FILENO));
  } else {
    BERTH_ASSIGN_OR_RETURN(req.body, readFile(o.input));
  }
  if (o.quiet || !isTerminal(STDOUT_FILENO)) {
    req.query.emplace_back("quiet", "1");
  }
  if (!o.platform.empty()) {
    req.query.emplace_back("platform", o.platform);
  }
  BERTH_ASSIGN_OR_RETURN(ApiClient * client, ctx.client());
  BERTH_ASSIGN_OR_RETURN(ApiResponse reply, client->send(req));
  if (reply.header("Content-Type").find("json") != std::string::npos) {
    return printMessages(reply.body, &ctx.out());
  }
  ctx.out() << reply.body;
  return okStatus();
}

// command.ValidateOutputPath: the directory must exist; an existing path must
// be a directory or a regular file.
Status validateOutputPath(const std::string& path) {
  std::string dir = path.find('/') == std::string::npos ? "." : path.substr(0, path.rfind('/'));
  if (dir.empty()) {
    dir = "/";
  }
  struct stat st {};
  if (dir != "." && ::stat(dir.c_str(), &st) != 0 && errno == ENOENT) {
    return invalidArgument(fmt::format("invalid output path: stat {}: {}", dir, goErrno(ENOENT)));
  }
  if (::stat(path.c_str(), &st) == 0 && !S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) {
    return invalidArgument(fmt::format(
        "invalid output path: \"{}\" must be a directory or a regular file", path));
  }
  return okStatus();
}

struct SaveOptions {
  std::string output;
  std::string platform;
};

Status runSave(CommandContext& ctx, const SaveOptions& o, const std::vector<std::string>& images) {
  if (o.output.empty() && isTerminal(STDOUT_FILENO)) {
    return invalidArgument(
        "cowardly refusing to save to a terminal. Use the -o flag or redirect");
  }
  if (!o.output.empty()) {
    Status valid = validateOutputPath(o.output);
    if (!valid.ok()) {
      return invalidArgument("failed to save image: " + valid.error().message());
    }
  }
  ApiRequest req;
  req.method = "GET";
  req.path = "/images/get";
  for (const std::string& image : images) {
    req.query.emplace_back("names", image);
  }
  if (!o.platform.empty()) {
    req.query.emplace_back("platform", o.platform);
  }
  BERTH_ASSIGN_OR_RETURN(ApiClient * client, ctx.client());
  if (o.output.empty()) {
    return client->stream(req, [&](std::string_view chunk) {
      ctx.out().write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
      return static_cast<bool>(ctx.out());
    });
  }
  // command.CopyToFile: a temporary file beside the target, renamed at the end.
  std::string tmp = o.output + ".berth-save-XXXXXX";
  int fd = ::mkstemp(tmp.data());
  if (fd < 0) {
    return systemError("failed to create a temporary file for " + o.output, errno);
  }
  Status written = okStatus();
  Status streamed = client->stream(req, [&](std::string_view chunk) {
    while (!chunk.empty()) {
      ssize_t n = ::write(fd, chunk.data(), chunk.size());
      if (n < 0) {
        if (errno == EINTR) {
          continue;
        }
        written = systemError("write " + o.output, errno);
        return false;
      }
      chunk.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  });
  ::fchmod(fd, 0644);
  ::close(fd);
  if (!streamed.ok() || !written.ok()) {
    ::unlink(tmp.c_str());
    return streamed.ok() ? written : streamed;
  }
  if (::rename(tmp.c_str(), o.output.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return systemError("rename " + o.output, err);
  }
  return okStatus();
}

}  // namespace

void addImageArchiveCommands(CommandRegistry& r, CLI::App& parent, bool /*inGroup*/) {
  auto imp = std::make_shared<ImportOptions>();
  CommandSpec importSpec;
  importSpec.name = "import";
  importSpec.use = "[OPTIONS] file|URL|- [REPOSITORY[:TAG]]";
  importSpec.summary = "Import the contents from a tarball to create a filesystem image";
  importSpec.aliasesLine = "berth image import, berth import";
  importSpec.args = rangeArgs(1, 2);
  CLI::App* cmd = r.addCommand(parent, importSpec,
                               [imp](CommandContext& ctx, const std::vector<std::string>& args) {
                                 return runImport(ctx, *imp, args);
                               });
  addRepeatedFlag(*cmd, "-c,--change", imp->changes,
              "Apply Dockerfile instruction to the created image");
  addStringFlag(*cmd, "-m,--message", imp->message, "Set commit message for imported image");
  addStringFlag(*cmd, "--platform", imp->platform,
                "Set platform if server is multi-platform capable");

  auto load = std::make_shared<LoadOptions>();
  CommandSpec loadSpec;
  loadSpec.name = "load";
  loadSpec.use = "[OPTIONS]";
  loadSpec.summary = "Load an image from a tar archive or STDIN";
  loadSpec.aliasesLine = "berth image load, berth load";
  cmd = r.addCommand(parent, loadSpec,
                     [load](CommandContext& ctx, const std::vector<std::string>&) {
                       return runLoad(ctx, *load);
                     });
  addStringFlag(*cmd, "-i,--input", load->input, "Read from tar archive file, instead of STDIN");
  addStringFlag(*cmd, "--platform", load->platform,
                "Load only the given platform variant. Formatted as \"os[/arch[/variant]]\" "
                "(e.g., \"linux/amd64\")");
  addBoolFlag(*cmd, "-q,--quiet", load->quiet, "Suppress the load output");

  auto save = std::make_shared<SaveOptions>();
  CommandSpec saveSpec;
  saveSpec.name = "save";
  saveSpec.use = "[OPTIONS] IMAGE [IMAGE...]";
  saveSpec.summary =
      "Save one or more images to a tar archive (streamed to STDOUT by default)";
  saveSpec.aliasesLine = "berth image save, berth save";
  saveSpec.args = minArgs(1);
  cmd = r.addCommand(parent, saveSpec,
                     [save](CommandContext& ctx, const std::vector<std::string>& args) {
                       return runSave(ctx, *save, args);
                     });
  addStringFlag(*cmd, "-o,--output", save->output, "Write to a file, instead of STDOUT");
  addStringFlag(*cmd, "--platform", save->platform,
                "Save only the given platform variant. Formatted as \"os[/arch[/variant]]\" "
                "(e.g., \"linux/amd64\")");
}

}  // namespace berth::cli
