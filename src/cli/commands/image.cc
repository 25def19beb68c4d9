// The image group's registration and the pieces run shares with it:
// references, pulls, JSON message streams, and the rows of images/history.
#include "cli/commands/image.h"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <ctime>
#include <ostream>

#include "cli/command.h"
#include "cli/commands/commands.h"
#include "cli/units.h"
#include "common/strings.h"

namespace berth::cli {

namespace {

using nlohmann::json;

std::string str(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

int64_t num(const json& obj, const char* key, int64_t fallback = 0) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_number() ? it->get<int64_t>() : fallback;
}

std::vector<std::string> strings(const json& obj, const char* key) {
  std::vector<std::string> out;
  auto it = obj.find(key);
  if (it != obj.end() && it->is_array()) {
    for (const auto& v : *it) {
      if (v.is_string()) {
        out.push_back(v.get<std::string>());
      }
    }
  }
  return out;
}

// "2006-01-02T15:04:05Z07:00" in the local zone (Go's time.RFC3339).
std::string rfc3339Local(int64_t unixSeconds) {
  auto t = static_cast<time_t>(unixSeconds);
  std::tm tm{};
  localtime_r(&t, &tm);
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
  long off = tm.tm_gmtoff;
  if (off == 0) {
    return std::string(date) + "Z";
  }
  char sign = off < 0 ? '-' : '+';
  off = off < 0 ? -off : off;
  return fmt::format("{}{}{:02}:{:02}", date, sign, off / 3600, (off / 60) % 60);
}

}  // namespace

// ---- references ----------------------------------------------------------------------

std::string ImageRef::familiarString() const {
  std::string out = familiar;
  if (!tag.empty()) {
    out += ":" + tag;
  }
  if (!digest.empty()) {
    out += "@" + digest;
  }
  return out;
}

Result<ImageRef> parseImageRef(std::string_view text) {
  ImageRef ref;
  std::string rest(text);
  if (size_t at = rest.find('@'); at != std::string::npos) {
    ref.digest = rest.substr(at + 1);
    rest = rest.substr(0, at);
  }
  size_t slash = rest.rfind('/');
  size_t colon = rest.rfind(':');
  if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) {
    ref.tag = rest.substr(colon + 1);
    rest = rest.substr(0, colon);
    if (ref.tag.empty()) {
      return invalidArgument("invalid reference format");
    }
  }
  if (rest.empty()) {
    return invalidArgument("invalid reference format");
  }
  size_t firstSlash = rest.find('/');
  std::string domain = firstSlash == std::string::npos ? "" : rest.substr(0, firstSlash);
  bool hasDomain = !domain.empty() && (domain.find_first_of(".:") != std::string::npos ||
                                       domain == "localhost" || domain != toLower(domain));
  if (!hasDomain) {
    ref.name = firstSlash == std::string::npos ? "docker.io/library/" + rest : "docker.io/" + rest;
  } else {
    ref.name = rest;
  }
  ref.familiar = ref.name;
  for (std::string_view prefix : {"docker.io/library/", "docker.io/"}) {
    if (startsWith(ref.familiar, prefix)) {
      ref.familiar = ref.familiar.substr(prefix.size());
      break;
    }
  }
  if (ref.tag.empty() && ref.digest.empty()) {
    ref.tag = "latest";
  }
  return ref;
}

// ---- JSON message streams ------------------------------------------------------------------

Status JsonMessagePrinter::feed(std::string_view chunk) {
  Status failure = okStatus();
  splitter_.feed(chunk, [&](std::string_view text) {
    auto m = json::parse(text, nullptr, false);
    if (!m.is_object()) {
      return true;  // docker skips what it cannot decode only at the end; be lenient
    }
    if (auto err = m.find("errorDetail"); err != m.end() && err->is_object()) {
      if (err->value("code", 0) == 401) {
        failure = forbidden("authentication is required");
      } else {
        failure = internal(err->value("message", str(m, "error")));
      }
      return false;
    }
    if (!str(m, "error").empty()) {
      failure = internal(str(m, "error"));
      return false;
    }
    if (auto aux = m.find("aux"); aux != m.end()) {
      aux_.push_back(*aux);
      return true;
    }
    if (out_ == nullptr) {
      return true;
    }
    // Progress bars are for terminals; a pipe gets only the status lines.
    if (m.contains("progressDetail") && m["progressDetail"].is_object() &&
        !m["progressDetail"].empty() && str(m, "stream").empty()) {
      return true;
    }
    std::string line;
    if (!str(m, "id").empty()) {
      line += str(m, "id") + ": ";
    }
    if (!str(m, "from").empty()) {
      line += "(from " + str(m, "from") + ") ";
    }
    if (!str(m, "stream").empty()) {
      line += str(m, "stream");
    } else {
      line += str(m, "status") + "\n";
    }
    *out_ << line;
    out_->flush();
    return true;
  });
  return failure;
}

Status pullImage(CommandContext& ctx, const ImageRef& ref, std::ostream* out) {
  BERTH_ASSIGN_OR_RETURN(ApiClient * client, ctx.client());
  ApiRequest req;
  req.method = "POST";
  req.path = "/images/create";
  req.query = {{"fromImage", ref.name}, {"tag", ref.digest.empty() ? ref.tag : ref.digest}};
  req.headers = {{"X-Registry-Auth", "e30="}};  // base64 "{}": no credentials
  JsonMessagePrinter printer(out);
  Status printed = okStatus();
  BERTH_TRY(client->stream(req, [&](std::string_view chunk) {
    printed = printer.feed(chunk);
    return printed.ok();
  }));
  return printed;
}

// ---- images / history ---------------------------------------------------------------------

std::vector<json> imageRows(const json& img, bool trunc, bool digests,
                            std::chrono::system_clock::time_point now) {
  const std::string id = str(img, "Id");
  const int64_t created = num(img, "Created");
  const int64_t size = num(img, "Size");
  const int64_t shared = num(img, "SharedSize", -1);
  const int64_t containers = num(img, "Containers", -1);
  auto row = [&](const std::string& repo, const std::string& tag, const std::string& digest) {
    return json{
        {"Containers", containers == -1 ? "N/A" : std::to_string(containers)},
        {"CreatedAt", goTimeString(created)},
        {"CreatedSince", timeAgo(created, now)},
        {"Digest", digest},
        {"ID", trunc ? truncateId(id) : id},
        {"Repository", repo},
        {"SharedSize", shared == -1 ? "N/A" : humanSizeWithPrecision(static_cast<double>(shared), 3)},
        {"Size", humanSizeWithPrecision(static_cast<double>(size), 3)},
        {"Tag", tag},
        {"UniqueSize",
         shared == -1 ? "N/A" : humanSizeWithPrecision(static_cast<double>(size - shared), 3)},
        // API 1.44 dropped VirtualSize; docker's client fills it in with Size.
        {"VirtualSize", humanSize(static_cast<double>(num(img, "VirtualSize") != 0
                                                          ? num(img, "VirtualSize")
                                                          : size))},
    };
  };
  std::vector<std::string> repoTags = strings(img, "RepoTags");
  std::vector<std::string> repoDigests = strings(img, "RepoDigests");
  const bool dangling = (repoTags.empty() && repoDigests.empty()) ||
                        (repoTags.size() == 1 && repoTags[0] == "<none>:<none>" &&
                         repoDigests.size() == 1 && repoDigests[0] == "<none>@<none>");
  if (dangling) {
    return {row("<none>", "<none>", "<none>")};
  }
  // Repositories in the order they first appear (docker's map order is random).
  std::vector<std::pair<std::string, std::vector<std::string>>> tags;
  std::vector<std::pair<std::string, std::vector<std::string>>> digestsByRepo;
  auto slot = [](auto& list, const std::string& repo) -> std::vector<std::string>& {
    for (auto& [r, v] : list) {
      if (r == repo) {
        return v;
      }
    }
    list.emplace_back(repo, std::vector<std::string>{});
    return list.back().second;
  };
  for (const std::string& rt : repoTags) {
    auto ref = parseImageRef(rt);
    if (ref.ok() && rt.find(':', rt.rfind('/') == std::string::npos ? 0 : rt.rfind('/')) !=
                        std::string::npos) {
      slot(tags, ref->familiar).push_back(ref->tag);
    }
  }
  for (const std::string& rd : repoDigests) {
    auto ref = parseImageRef(rd);
    if (ref.ok() && !ref->digest.empty()) {
      slot(digestsByRepo, ref->familiar).push_back(ref->digest);
    }
  }
  std::vector<json> rows;
  for (const auto& [repo, repoTagList] : tags) {
    std::vector<std::string> ds;
    for (auto it = digestsByRepo.begin(); it != digestsByRepo.end(); ++it) {
      if (it->first == repo) {
        ds = it->second;
        digestsByRepo.erase(it);
        break;
      }
    }
    if (!digests) {
      ds.clear();
    }
    for (const std::string& tag : repoTagList) {
      if (ds.empty()) {
        rows.push_back(row(repo, tag, "<none>"));
        continue;
      }
      for (const std::string& d : ds) {
        rows.push_back(row(repo, tag, d));
      }
    }
  }
  for (const auto& [repo, ds] : digestsByRepo) {
    if (digests) {
      for (const std::string& d : ds) {
        rows.push_back(row(repo, "<none>", d));
      }
    } else {
      rows.push_back(row(repo, "<none>", ""));
    }
  }
  return rows;
}

const format::HeaderMap& imageHeaders() {
  static const format::HeaderMap kHeaders = {
      {"Repository", "REPOSITORY"},   {"Tag", "TAG"},
      {"Digest", "DIGEST"},           {"ID", "IMAGE ID"},
      {"CreatedSince", "CREATED"},    {"CreatedAt", "CREATED AT"},
      {"Size", "SIZE"},               {"Containers", "CONTAINERS"},
      {"SharedSize", "SHARED SIZE"},  {"UniqueSize", "UNIQUE SIZE"},
      {"VirtualSize", "VIRTUAL SIZE"},
  };
  return kHeaders;
}

std::string imagesFormat(const std::string& userFormat, bool quiet, bool digests) {
  if (userFormat.empty() || userFormat == "table") {
    if (quiet) {
      return "{{.ID}}";
    }
    return digests ? "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
                   : "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}";
  }
  if (quiet) {
    return "{{.ID}}";
  }
  if (startsWith(userFormat, "table") && digests &&
      userFormat.find("{{.Digest}}") == std::string::npos) {
    return userFormat + "\t{{.Digest}}";
  }
  return userFormat;
}

json historyRow(const json& h, bool trunc, bool human, std::chrono::system_clock::time_point now) {
  const int64_t created = num(h, "Created");
  std::string createdBy = str(h, "CreatedBy");
  for (char& c : createdBy) {
    if (c == '\t') {
      c = ' ';
    }
  }
  const std::string id = str(h, "Id");
  const int64_t size = num(h, "Size");
  return {
      {"Comment", str(h, "Comment")},
      {"CreatedAt", rfc3339Local(created)},
      {"CreatedBy", trunc ? ellipsis(createdBy, 45) : createdBy},
      {"CreatedSince", human ? timeAgo(created, now) : rfc3339Local(created)},
      {"ID", trunc ? truncateId(id) : id},
      {"Size", human ? humanSizeWithPrecision(static_cast<double>(size), 3) : std::to_string(size)},
  };
}

const format::HeaderMap& historyHeaders() {
  static const format::HeaderMap kHeaders = {
      {"ID", "IMAGE"},           {"CreatedSince", "CREATED"}, {"CreatedAt", "CREATED AT"},
      {"CreatedBy", "CREATED BY"}, {"Size", "SIZE"},           {"Comment", "COMMENT"},
  };
  return kHeaders;
}

// ---- registration ---------------------------------------------------------------------------

void registerImageCommands(CommandRegistry& registry) {
  CLI::App& root = registry.root();
  addImageListCommand(registry, root, false);
  addImageHistoryCommand(registry, root, false);
  addImageEditCommands(registry, root, false);
  addImageArchiveCommands(registry, root, false);

  CommandSpec spec;
  spec.name = "image";
  spec.summary = "Manage images";
  CLI::App* group = registry.addGroup(root, spec);
  addImageHistoryCommand(registry, *group, true);
  addImageArchiveCommands(registry, *group, true);
  addImageInspectCommand(registry, *group);
  addImageListCommand(registry, *group, true);
  addImagePruneCommand(registry, *group);
  addImageEditCommands(registry, *group, true);
}

}  // namespace berth::cli
