// The image commands (images, rmi, tag, import, load, save, history, image
// inspect/prune) and what run shares with them: image references, pulls and
// the daemon's JSON message streams.
#pragma once

#include <chrono>
#include <iosfwd>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "cli/json_stream.h"
#include "common/result.h"
#include "format/render.h"

namespace CLI {
class App;
}  // namespace CLI

namespace berth::cli {

class CommandContext;
class CommandRegistry;

void registerImageCommands(CommandRegistry& registry);
void addImageListCommand(CommandRegistry& r, CLI::App& parent, bool inGroup);
void addImageHistoryCommand(CommandRegistry& r, CLI::App& parent, bool inGroup);
void addImageEditCommands(CommandRegistry& r, CLI::App& parent, bool inGroup);  // rmi, tag
void addImageInspectCommand(CommandRegistry& r, CLI::App& group);
void addImagePruneCommand(CommandRegistry& r, CLI::App& group);
void addImageArchiveCommands(CommandRegistry& r, CLI::App& parent, bool inGroup);

// ---- references ------------------------------------------------------------------

// A reference split the way docker's distribution/reference normalizes it.
struct ImageRef {
  std::string name;      // "docker.io/library/busybox"
  std::string familiar;  // "busybox"
  std::string tag;       // "latest" (added when neither tag nor digest was given)
  std::string digest;    // "sha256:..." or ""

  // "busybox:latest", "example.com/x@sha256:..." (reference.FamiliarString).
  std::string familiarString() const;
};
// Lower-case checks are left to the daemon; an empty name or tag is refused.
Result<ImageRef> parseImageRef(std::string_view text);

// ---- JSON message streams (pull, load, import) -------------------------------------

// jsonmessage.DisplayJSONMessagesStream for a non-terminal: "<id>: <status>" lines,
// "stream" text as is, progress bars skipped; a message's "error" ends the stream.
class JsonMessagePrinter {
 public:
  explicit JsonMessagePrinter(std::ostream* out) : out_(out) {}
  Status feed(std::string_view chunk);
  // What "aux" messages carried, in order (load's image ids, import's id).
  const std::vector<nlohmann::json>& aux() const { return aux_; }

 private:
  std::ostream* out_;  // null: print nothing (quiet)
  JsonStreamSplitter splitter_;
  std::vector<nlohmann::json> aux_;
};

// POST /images/create?fromImage=...&tag=... with the messages printed on `out`
// (nothing when `out` is null).
Status pullImage(CommandContext& ctx, const ImageRef& ref, std::ostream* out);

// ---- images / history ------------------------------------------------------------------

// The `images` rows of one image summary: one per repository:tag (docker's
// imageFormatTaggedAndDigest), "<none>" rows for dangling images.
std::vector<nlohmann::json> imageRows(const nlohmann::json& summary, bool trunc, bool digests,
                                      std::chrono::system_clock::time_point now);
const format::HeaderMap& imageHeaders();
std::string imagesFormat(const std::string& userFormat, bool quiet, bool digests);

// One `history` row.
nlohmann::json historyRow(const nlohmann::json& entry, bool trunc, bool human,
                          std::chrono::system_clock::time_point now);
const format::HeaderMap& historyHeaders();

}  // namespace berth::cli
