// `berth events` / `berth system events`: streams /events until the daemon ends
// the stream (with --until) or the user interrupts.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <ostream>

#include "cli/command.h"
#include "cli/commands/system.h"
#include "cli/flag_values.h"
#include "cli/timestamps.h"
#include "common/strings.h"
#include "format/template.h"

namespace berth::cli {

namespace {

// docker validates a template by running it on an empty events.Message.
const nlohmann::json& emptyEventMessage() {
  static const nlohmann::json kEmpty = {
      {"Type", ""},  {"Action", ""}, {"Actor", {{"ID", ""}, {"Attributes", nullptr}}},
      {"scope", ""}, {"time", 0},    {"timeNano", 0},
  };
  return kEmpty;
}

// docker runs templates over events.Message, whose Go field names differ from
// the JSON names in case (Time vs time); give templates both spellings.
nlohmann::json templateView(const nlohmann::json& event) {
  static constexpr std::pair<const char*, const char*> kAliases[] = {
      {"status", "Status"}, {"id", "ID"},     {"from", "From"},
      {"scope", "Scope"},   {"time", "Time"}, {"timeNano", "TimeNano"},
  };
  nlohmann::json view = event;
  if (!view.is_object()) {
    return view;
  }
  for (const auto& [wire, go] : kAliases) {
    if (auto it = event.find(wire); it != event.end() && !view.contains(go)) {
      view[go] = *it;
    }
  }
  return view;
}

std::string attributeText(const nlohmann::json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump();
}

Status runEvents(CommandContext& ctx, const EventsOptions& opts) {
  std::optional<format::Template> tmpl;
  if (!opts.format.empty()) {
    auto parsed = format::Template::parse(opts.format == "json" ? "{{json .}}" : opts.format);
    if (!parsed.ok()) {
      return ctx.statusError(64,
                             invalidArgument("Error parsing format: " + parsed.error().message()));
    }
    auto probe = parsed->execute(opts.format == "json" ? emptyEventMessage()
                                                       : templateView(emptyEventMessage()));
    if (!probe.ok()) {
      return ctx.statusError(64,
                             invalidArgument("Error parsing format: " + probe.error().message()));
    }
    tmpl = std::move(parsed).value();
  }
  auto filters = parseFilterFlags(opts.filters);
  if (!filters.ok()) {
    return ctx.flagError(filters.error().message());
  }
  auto now = std::chrono::system_clock::now();
  BERTH_ASSIGN_OR_RETURN(Query query,
                         eventsQuery(*filters, opts.since, opts.until, now,
                                     localUtcOffset(std::chrono::system_clock::to_time_t(now))));
  BERTH_ASSIGN_OR_RETURN(ApiClient * client, ctx.client());

  JsonStreamSplitter splitter;
  Status failure = okStatus();
  auto onValue = [&](std::string_view text) {
    auto event = nlohmann::json::parse(text, nullptr, false);
    if (event.is_discarded()) {
      failure = internal("invalid event from the daemon: " + std::string(text.substr(0, 80)));
      return false;
    }
    if (tmpl) {
      auto line = tmpl->execute(opts.format == "json" ? event : templateView(event));
      if (!line.ok()) {
        failure = std::move(line).error();
        return false;
      }
      ctx.out() << *line << '\n';
    } else {
      ctx.out() << formatEventLine(event, localUtcOffset) << '\n';
    }
    ctx.out().flush();  // events are watched live, often through a pipe
    return true;
  };
  BERTH_TRY(client->stream("GET", "/events", query, std::nullopt,
                           [&](std::string_view chunk) { return splitter.feed(chunk, onValue); }));
  return failure;
}

}  // namespace

Result<Query> eventsQuery(const Filters& filters, std::string_view since, std::string_view until,
                          std::chrono::system_clock::time_point now, int utcOffsetSeconds) {
  Query query;
  // Go's url.Values.Encode sorts the keys; keep the same order on the wire.
  if (!filters.empty()) {
    query.emplace_back("filters", filters.toJson());
  }
  if (!since.empty()) {
    BERTH_ASSIGN_OR_RETURN(std::string value, parseTimestampArg(since, now, utcOffsetSeconds));
    query.emplace_back("since", value);
  }
  if (!until.empty()) {
    BERTH_ASSIGN_OR_RETURN(std::string value, parseTimestampArg(until, now, utcOffsetSeconds));
    query.emplace_back("until", value);
  }
  return query;
}

std::string formatEventLine(const nlohmann::json& event,
                            const std::function<int(int64_t)>& utcOffsetAt) {
  auto number = [&](const char* key) -> int64_t {
    auto it = event.find(key);
    return it != event.end() && it->is_number() ? it->get<int64_t>() : 0;
  };
  auto text = [](const nlohmann::json& obj, const char* key) -> std::string {
    auto it = obj.find(key);
    return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  std::string line;
  int64_t nanos = number("timeNano");
  if (nanos == 0) {
    nanos = number("time") * 1'000'000'000;
  }
  if (nanos != 0) {
    int64_t secs = nanos / 1'000'000'000;
    line = formatRfc3339NanoFixed(nanos, utcOffsetAt(secs)) + " ";
  }
  static const nlohmann::json kNoActor = nlohmann::json::object();
  auto actorIt = event.find("Actor");
  const nlohmann::json& actor =
      actorIt != event.end() && actorIt->is_object() ? *actorIt : kNoActor;
  line += fmt::format("{} {} {}", text(event, "Type"), text(event, "Action"), text(actor, "ID"));
  auto attrs = actor.find("Attributes");
  if (attrs != actor.end() && attrs->is_object() && !attrs->empty()) {
    std::vector<std::string> parts;
    for (const auto& [k, v] : attrs->items()) {  // nlohmann objects iterate in key order
      parts.push_back(k + "=" + attributeText(v));
    }
    line += " (" + join(parts, ", ") + ")";
  }
  return line;
}

void addEventsCommand(CommandRegistry& registry, CLI::App& parent, const std::string& aliasesLine) {
  auto opts = std::make_shared<EventsOptions>();
  CommandSpec spec;
  spec.name = "events";
  spec.use = "[OPTIONS]";
  spec.summary = "Get real time events from the server";
  spec.aliasesLine = aliasesLine;
  CLI::App* cmd = registry.addCommand(parent, spec,
                                      [opts](CommandContext& ctx, const std::vector<std::string>&) {
                                        return runEvents(ctx, *opts);
                                      });
  addListFlag(*cmd, "-f,--filter", opts->filters, "Filter output based on conditions provided",
              "filter");
  addFormatFlag(*cmd, opts->format, FormatHelp::kInspect, "--format");
  addStringFlag(*cmd, "--since", opts->since, "Show all events created since timestamp");
  addStringFlag(*cmd, "--until", opts->until, "Stream events until this timestamp");
}

}  // namespace berth::cli
