// images / image ls, history, rmi / image rm, tag, image inspect, image prune.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <ostream>

#include "cli/command.h"
#include "cli/commands/container.h"
#include "cli/commands/image.h"
#include "cli/flag_values.h"
#include "cli/units.h"
#include "common/strings.h"

namespace berth::cli {

namespace {

using nlohmann::json;

std::string aliasesFor(const std::string& name, const std::string& shortcut) {
  return fmt::format("berth image {}, berth {}", name, shortcut);
}

struct ListOptions {
  bool all = false;
  bool digests = false;
  bool noTrunc = false;
  bool quiet = false;
  bool tree = false;
  std::vector<std::string> filters;
  std::string format;
};

Status runImages(CommandContext& ctx, const ListOptions& o, const std::vector<std::string>& args) {
  auto filters = parseFilterFlags(o.filters);
  if (!filters.ok()) {
    return ctx.flagError(filters.error().message());
  }
  if (o.tree) {
    return notImplemented("--tree is not supported");
  }
  if (!args.empty()) {
    filters->add("reference", args[0]);
  }
  Query query;
  if (o.all) {
    query.emplace_back("all", "1");
  }
  if (!filters->empty()) {
    query.emplace_back("filters", filters->toJson());
  }
  BERTH_ASSIGN_OR_RETURN(ApiClient * client, ctx.client());
  BERTH_ASSIGN_OR_RETURN(ApiResponse reply, client->call("GET", "/images/json", query));
  BERTH_ASSIGN_OR_RETURN(json list, reply.json());
  std::vector<json> rows;
  auto now = std::chrono::system_clock::now();
  for (const auto& img : list) {
    for (json& row : imageRows(img, !o.noTrunc, o.digests, now)) {
      rows.push_back(std::move(row));
    }
  }
  BERTH_ASSIGN_OR_RETURN(std::string text,
                         renderList(imagesFormat(o.format, o.quiet, o.digests), rows,
                                            imageHeaders()));
  ctx.out() << text;
  return okStatus();
}

struct HistoryOptions {
  bool human = true;
  bool noTrunc = false;
  bool quiet = false;
  std::string format;
  std::string platform;
};

Status runHistory(CommandContext& ctx, const HistoryOptions& o, const std::string& image) {
  BERTH_ASSIGN_OR_RETURN(ApiClient * client, ctx.client());
  Query query;
  if (!o.platform.empty()) {
    query.emplace_back("platform", o.platform);
  }
  BERTH_ASSIGN_OR_RETURN(ApiResponse reply,
                         client->call("GET", "/images/" + image + "/history", query));
  BERTH_ASSIGN_OR_RETURN(json list, reply.json());
  std::vector<json> rows;
  auto now = std::chrono::system_clock::now();
  for (const auto& h : list) {
    rows.push_back(historyRow(h, !o.noTrunc, o.human, now));
  }
  std::string fmtText = o.format;
  if (fmtText.empty() || fmtText == "table") {
    fmtText = o.quiet ? "{{.ID}}"
              : o.human
                  ? "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}"
                  : "table {{.ID}}\t{{.CreatedAt}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}";
  } else if (o.quiet) {
    fmtText = "{{.ID}}";
  }
  BERTH_ASSIGN_OR_RETURN(std::string text, renderList(fmtText, rows, historyHeaders()));
  ctx.out() << text;
  return okStatus();
}

struct RemoveOptions {
  bool force = false;
  bool noPrune = false;
  std::vector<std::string> platforms;
};

Status runRmi(CommandContext& ctx, const RemoveOptions& o, const std::vector<std::string>& images) {
  BERTH_ASSIGN_OR_RETURN(ApiClient * client, ctx.client());
  Query query;
  if (o.force) {
    query.emplace_back("force", "1");
  }
  if (o.noPrune) {
    query.emplace_back("noprune", "1");
  }
  std::vector<std::string> errors;
  bool fatal = false;
  for (const std::string& image : images) {
    auto reply = client->call("DELETE", "/images/" + image, query);
    if (!reply.ok()) {
      fatal = fatal || reply.error().kind() != ErrorKind::kNotFound;
      errors.push_back(reply.error().message());
      continue;
    }
    BERTH_ASSIGN_OR_RETURN(json items, reply->json());
    for (const auto& item : items) {
      std::string deleted = item.value("Deleted", "");
      if (!deleted.empty()) {
        ctx.out() << "Deleted: " << deleted << "\n";
      } else {
        ctx.out() << "Untagged: " << item.value("Untagged", "") << "\n";
      }
    }
  }
  if (!errors.empty()) {
    if (!o.force || fatal) {
      return internal(join(errors, "\n"));
    }
    ctx.err() << join(errors, "\n") << "\n";
  }
  return okStatus();
}

Status runTag(CommandContext& ctx, const std::string& source, const std::string& target) {
  auto ref = parseImageRef(target);
  if (!ref.ok()) {
    return invalidArgument(fmt::format("Error parsing reference: \"{}\" is not a valid "
                                       "repository/tag: invalid reference format",
                                       target));
  }
  if (!ref->digest.empty()) {
    return invalidArgument("refusing to create a tag with a digest reference");
  }
  // Only an explicit tag is sent; the daemon defaults to "latest" as docker's does.
  Query query = {{"repo", ref->name}};
  size_t slash = target.rfind('/');
  if (target.find(':', slash == std::string::npos ? 0 : slash) != std::string::npos) {
    query.emplace_back("tag", ref->tag);
  }
  BERTH_ASSIGN_OR_RETURN(ApiClient * client, ctx.client());
  BERTH_TRY(client->call("POST", "/images/" + source + "/tag", query));
  return okStatus();
}

struct PruneOptions {
  bool all = false;
  bool force = false;
  std::vector<std::string> filters;
};

Status runImagePrune(CommandContext& ctx, const PruneOptions& o) {
  auto filters = parseFilterFlags(o.filters, "--filter");
  if (!filters.ok()) {
    return ctx.flagError(filters.error().message());
  }
  filters->add("dangling", o.all ? "false" : "true");
  const char* warning =
      o.all ? "WARNING! This will remove all images without at least one container associated "
              "to them.\nAre you sure you want to continue?"
            : "WARNING! This will remove all dangling images.\nAre you sure you want to continue?";
  if (!o.force && !promptForConfirmation(std::cin, ctx.out(), warning)) {
    return okStatus();
  }
  BERTH_ASSIGN_OR_RETURN(ApiClient * client, ctx.client());
  BERTH_ASSIGN_OR_RETURN(ApiResponse reply,
                         client->call("POST", "/images/prune", {{"filters", filters->toJson()}}));
  BERTH_ASSIGN_OR_RETURN(json report, reply.json());
  uint64_t reclaimed = 0;
  auto deleted = report.find("ImagesDeleted");
  if (deleted != report.end() && deleted->is_array() && !deleted->empty()) {
    ctx.out() << "Deleted Images:\n";
    for (const auto& item : *deleted) {
      std::string untagged = item.value("Untagged", "");
      if (!untagged.empty()) {
        ctx.out() << "untagged: " << untagged << "\n";
      } else {
        ctx.out() << "deleted: " << item.value("Deleted", "") << "\n";
      }
    }
    ctx.out() << "\n";
    auto space = report.find("SpaceReclaimed");
    if (space != report.end() && space->is_number()) {
      reclaimed = space->get<uint64_t>();
    }
  }
  ctx.out() << "Total reclaimed space: " << humanSize(static_cast<double>(reclaimed)) << "\n";
  return okStatus();
}

}  // namespace

void addImageListCommand(CommandRegistry& r, CLI::App& parent, bool inGroup) {
  auto opts = std::make_shared<ListOptions>();
  CommandSpec spec;
  spec.name = inGroup ? "ls" : "images";
  spec.use = "[OPTIONS] [REPOSITORY[:TAG]]";
  spec.summary = "List images";
  spec.aliasesLine = "berth image ls, berth image list, berth images";
  if (inGroup) {
    spec.aliases = {"list"};
  } else {
    spec.topRank = 7;
  }
  spec.args = maxArgs(1);
  CLI::App* cmd = r.addCommand(parent, spec,
                               [opts](CommandContext& ctx, const std::vector<std::string>& args) {
                                 return runImages(ctx, *opts, args);
                               });
  addBoolFlag(*cmd, "-a,--all", opts->all, "Show all images (default hides intermediate images)");
  addBoolFlag(*cmd, "--digests", opts->digests, "Show digests");
  addRepeatedFlag(*cmd, "-f,--filter", opts->filters, "Filter output based on conditions provided",
              "filter");
  addFormatFlag(*cmd, opts->format, FormatHelp::kTable, "--format");
  addBoolFlag(*cmd, "--no-trunc", opts->noTrunc, "Don't truncate output");
  addBoolFlag(*cmd, "-q,--quiet", opts->quiet, "Only show image IDs");
  addBoolFlag(*cmd, "--tree", opts->tree, "List multi-platform images as a tree (EXPERIMENTAL)");
}

void addImageHistoryCommand(CommandRegistry& r, CLI::App& parent, bool /*inGroup*/) {
  auto opts = std::make_shared<HistoryOptions>();
  CommandSpec spec;
  spec.name = "history";
  spec.use = "[OPTIONS] IMAGE";
  spec.summary = "Show the history of an image";
  spec.aliasesLine = aliasesFor("history", "history");
  spec.args = exactArgs(1);
  CLI::App* cmd = r.addCommand(parent, spec,
                               [opts](CommandContext& ctx, const std::vector<std::string>& args) {
                                 return runHistory(ctx, *opts, args[0]);
                               });
  addFormatFlag(*cmd, opts->format, FormatHelp::kTable, "--format");
  addBoolFlag(*cmd, "-H,--human", opts->human,
              "Print sizes and dates in human readable format");
  addBoolFlag(*cmd, "--no-trunc", opts->noTrunc, "Don't truncate output");
  addStringFlag(*cmd, "--platform", opts->platform,
                "Show history for the given platform. Formatted as \"os[/arch[/variant]]\" "
                "(e.g., \"linux/amd64\")");
  addBoolFlag(*cmd, "-q,--quiet", opts->quiet, "Only show image IDs");
}

void addImageEditCommands(CommandRegistry& r, CLI::App& parent, bool inGroup) {
  auto rm = std::make_shared<RemoveOptions>();
  CommandSpec rmSpec;
  rmSpec.name = inGroup ? "rm" : "rmi";
  rmSpec.use = "[OPTIONS] IMAGE [IMAGE...]";
  rmSpec.summary = "Remove one or more images";
  rmSpec.aliasesLine = "berth image rm, berth image remove, berth rmi";
  if (inGroup) {
    rmSpec.aliases = {"remove"};
  }
  rmSpec.args = minArgs(1);
  CLI::App* cmd = r.addCommand(parent, rmSpec,
                               [rm](CommandContext& ctx, const std::vector<std::string>& args) {
                                 return runRmi(ctx, *rm, args);
                               });
  addBoolFlag(*cmd, "-f,--force", rm->force, "Force removal of the image");
  addBoolFlag(*cmd, "--no-prune", rm->noPrune, "Do not delete untagged parents");
  addRepeatedFlag(*cmd, "--platform", rm->platforms,
              "Remove only the given platform variant. Formatted as \"os[/arch[/variant]]\" "
              "(e.g., \"linux/amd64\")",
              "strings");

  CommandSpec tag;
  tag.name = "tag";
  tag.use = "SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]";
  tag.summary = "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE";
  tag.aliasesLine = aliasesFor("tag", "tag");
  tag.args = exactArgs(2);
  r.addCommand(parent, tag, [](CommandContext& ctx, const std::vector<std::string>& args) {
    return runTag(ctx, args[0], args[1]);
  });
}

void addImageInspectCommand(CommandRegistry& r, CLI::App& group) {
  auto format = std::make_shared<std::string>();
  auto platform = std::make_shared<std::string>();
  CommandSpec spec;
  spec.name = "inspect";
  spec.use = "[OPTIONS] IMAGE [IMAGE...]";
  spec.summary = "Display detailed information on one or more images";
  spec.args = minArgs(1);
  CLI::App* cmd = r.addCommand(group, spec,
                               [format](CommandContext& ctx, const std::vector<std::string>& args) {
                                 return inspectObjects(ctx, *format, "image", false, args, false);
                               });
  addFormatFlag(*cmd, *format, FormatHelp::kInspect);
  addStringFlag(*cmd, "--platform", *platform,
                "Inspect a specific platform of the multi-platform image.");
}

void addImagePruneCommand(CommandRegistry& r, CLI::App& group) {
  auto opts = std::make_shared<PruneOptions>();
  CommandSpec spec;
  spec.name = "prune";
  spec.use = "[OPTIONS]";
  spec.summary = "Remove unused images";
  CLI::App* cmd = r.addCommand(group, spec,
                               [opts](CommandContext& ctx, const std::vector<std::string>&) {
                                 return runImagePrune(ctx, *opts);
                               });
  addBoolFlag(*cmd, "-a,--all", opts->all, "Remove all unused images, not just dangling ones");
  addRepeatedFlag(*cmd, "--filter", opts->filters,
              "Provide filter values (e.g. \"until=<timestamp>\")", "filter");
  addBoolFlag(*cmd, "-f,--force", opts->force, "Do not prompt for confirmation");
}

}  // namespace berth::cli
