#include "cli/help.h"

#include <fmt/format.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <vector>

#include "cli/command.h"
#include "common/strings.h"

namespace berth::cli {

namespace {

// cobra pads command names to at least this many columns.
constexpr size_t kMinNamePadding = 11;

std::string replaceNewlines(std::string_view s, std::string_view with) {
  std::string out;
  for (char c : s) {
    if (c == '\n') {
      out += with;
    } else {
      out += c;
    }
  }
  return out;
}

// pflag's wrapN: splits off at most `i` columns at a space (or an earlier newline),
// letting the line run `slop` columns over rather than leave a short orphan.
std::pair<std::string_view, std::string_view> wrapN(size_t i, size_t slop, std::string_view s) {
  if (i + slop > s.size()) {
    return {s, {}};
  }
  std::string_view head = s.substr(0, i);
  size_t w = head.find_last_of(" \t\n");
  if (w == std::string_view::npos || w == 0) {
    return {s, {}};
  }
  size_t nl = head.rfind('\n');
  if (nl != std::string_view::npos && nl > 0 && nl < w) {
    return {s.substr(0, nl), s.substr(nl + 1)};
  }
  return {s.substr(0, w), s.substr(w + 1)};
}

bool hasVisibleFlags(const CLI::App& app) {
  const CLI::Option* help = app.get_help_ptr();
  return !app.get_options([help](const CLI::Option* o) {
               return o != help && !o->get_group().empty() && o->nonpositional();
             })
              .empty();
}

std::vector<const CLI::App*> visibleChildren(const CLI::App& app) {
  return app.get_subcommands([](const CLI::App* sub) { return !sub->get_group().empty(); });
}

size_t namePadding(const CLI::App& app) {
  size_t pad = kMinNamePadding;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    pad = std::max(pad, sub->get_name().size());
  }
  return pad;
}

std::string rpad(std::string_view s, size_t width) {
  std::string out(s);
  if (out.size() < width) {
    out.append(width - out.size(), ' ');
  }
  return out;
}

std::string describe(const CommandEntry* entry, const CLI::App& app) {
  if (entry != nullptr && !entry->spec.description.empty()) {
    return std::string(trim(entry->spec.description));
  }
  return std::string(trim(app.get_description()));
}

}  // namespace

std::string commandPath(const CLI::App& app) {
  std::vector<const CLI::App*> chain;
  for (const CLI::App* p = &app; p != nullptr; p = p->get_parent()) {
    chain.push_back(p);
  }
  std::string path;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    if (!path.empty()) {
      path += ' ';
    }
    path += (*it)->get_name();
  }
  return path;
}

std::string useLine(const CommandRegistry& registry, const CLI::App& app) {
  const CommandEntry* entry = registry.find(&app);
  std::string line = commandPath(app);
  if (entry != nullptr && !entry->spec.use.empty()) {
    line += " " + entry->spec.use;
  }
  return line;
}

std::string wrapText(int indent, int width, std::string_view text) {
  auto spaces = [](int n) { return std::string(static_cast<size_t>(std::max(n, 0)), ' '); };
  if (width == 0) {
    return replaceNewlines(text, "\n" + spaces(indent));
  }
  int room = width - indent;
  std::string out;
  if (room < 24) {
    // Too narrow beside the flag names: continue on the next line at column 16.
    indent = 16;
    room = width - indent;
    out += "\n" + spaces(indent);
  }
  if (room < 24) {
    return replaceNewlines(text, out);
  }
  constexpr int kSlop = 5;
  room -= kSlop;
  std::string indentText = "\n" + spaces(indent);
  auto [line, rest] = wrapN(static_cast<size_t>(room), kSlop, text);
  out += replaceNewlines(line, indentText);
  while (!rest.empty()) {
    auto [next, after] = wrapN(static_cast<size_t>(room), kSlop, rest);
    out += indentText + replaceNewlines(next, indentText);
    rest = after;
  }
  return out;
}

std::string flagUsages(const CLI::App& app, int width) {
  const CLI::Option* help = app.get_help_ptr();
  std::vector<const CLI::Option*> opts = app.get_options([help](const CLI::Option* o) {
    return o != help && !o->get_group().empty() && o->nonpositional();
  });
  auto longName = [](const CLI::Option* o) {
    return o->get_lnames().empty() ? o->get_snames().front() : o->get_lnames().front();
  };
  std::sort(opts.begin(), opts.end(),
            [&](const CLI::Option* a, const CLI::Option* b) { return longName(a) < longName(b); });

  struct Line {
    std::string names;
    std::string usage;
  };
  std::vector<Line> lines;
  size_t maxLen = 0;
  for (const CLI::Option* o : opts) {
    Line l;
    if (!o->get_snames().empty() && !o->get_lnames().empty()) {
      l.names = fmt::format("  -{}, --{}", o->get_snames().front(), o->get_lnames().front());
    } else if (!o->get_lnames().empty()) {
      l.names = fmt::format("      --{}", o->get_lnames().front());
    } else {
      l.names = fmt::format("  -{}", o->get_snames().front());
    }
    bool isBool = o->get_type_size() == 0;
    std::string type = isBool ? std::string() : o->get_type_name();
    if (!type.empty()) {
      l.names += " " + type;
    }
    l.usage = o->get_description();
    std::string def = o->get_default_str();
    if (!def.empty() && def != "0" && def != "false" && def != "[]") {
      l.usage += type == "string" ? fmt::format(" (default \"{}\")", def)
                                  : fmt::format(" (default {})", def);
    }
    maxLen = std::max(maxLen, l.names.size() + 1);  // pflag counts its NUL marker
    lines.push_back(std::move(l));
  }
  std::string out;
  for (const Line& l : lines) {
    std::string row = l.names + " " + std::string(maxLen - l.names.size(), ' ') + " " +
                      wrapText(static_cast<int>(maxLen) + 2, width, l.usage);
    while (!row.empty() && row.back() == ' ') {
      row.pop_back();
    }
    out += row + "\n";
  }
  return out;
}

std::string renderHelp(const CommandRegistry& registry, const CLI::App& app, int width) {
  const CommandEntry* entry = registry.find(&app);
  const bool isRoot = app.get_parent() == nullptr;
  const bool runnable = entry != nullptr && entry->action;
  std::vector<const CLI::App*> children = visibleChildren(app);
  const bool hasChildren = !children.empty();
  const size_t pad = namePadding(app);

  std::vector<std::string> sections;
  std::string usage = "Usage:  ";
  if (!hasChildren || runnable) {
    usage += useLine(registry, app);
  } else {
    usage += commandPath(app) + (hasVisibleFlags(app) ? " [OPTIONS]" : "") + " COMMAND";
  }
  sections.push_back(usage);
  sections.push_back(describe(entry, app));

  if (entry != nullptr && (!entry->spec.aliasesLine.empty() || !entry->spec.aliases.empty())) {
    std::string aliases = entry->spec.aliasesLine;
    if (aliases.empty()) {
      std::string parentPath = app.get_parent() ? commandPath(*app.get_parent()) + " " : "";
      aliases = commandPath(app);
      for (const auto& a : entry->spec.aliases) {
        aliases.append(", ").append(parentPath).append(a);
      }
    }
    sections.push_back("Aliases:\n  " + aliases);
  }
  if (entry != nullptr && !entry->spec.example.empty()) {
    sections.push_back("Examples:\n" + entry->spec.example);
  }
  auto flagsBlock = [&]() {
    std::string flags = flagUsages(app, width);
    while (!flags.empty() && (flags.back() == '\n' || flags.back() == ' ')) {
      flags.pop_back();
    }
    return flags;
  };
  if (!isRoot && hasVisibleFlags(app)) {
    sections.push_back("Options:\n" + flagsBlock());
  }

  // Children by the docker CLI's categories.
  std::vector<std::pair<int, const CLI::App*>> top;
  std::string management;
  std::string swarm;
  std::string commands;
  for (const CLI::App* sub : children) {
    const CommandEntry* e = registry.find(sub);
    bool isGroup = !visibleChildren(*sub).empty();
    std::string row = "\n  " + rpad(sub->get_name(), pad) + " " + sub->get_description();
    if (isRoot && e != nullptr && e->spec.topRank > 0) {
      top.emplace_back(e->spec.topRank, sub);
    } else if (isGroup && e != nullptr && e->spec.swarm) {
      swarm += row;
    } else if (isGroup) {
      management += row;
    } else {
      commands += row;
    }
  }
  if (!top.empty()) {
    std::stable_sort(top.begin(), top.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::string block = "Common Commands:";
    for (const auto& [rank, sub] : top) {
      block += "\n  " + rpad(sub->get_name(), pad) + " " + sub->get_description();
    }
    sections.push_back(block);
  }
  if (!management.empty()) {
    sections.push_back("Management Commands:" + management);
  }
  if (!swarm.empty()) {
    sections.push_back("Swarm Commands:" + swarm);
  }
  if (!commands.empty()) {
    sections.push_back("Commands:" + commands);
  }
  if (isRoot && hasVisibleFlags(app)) {
    sections.push_back("Global Options:\n" + flagsBlock());
  }
  if (hasChildren) {
    sections.push_back(fmt::format("Run '{} COMMAND --help' for more information on a command.",
                                   commandPath(app)));
  }
  return join(sections, "\n\n") + "\n";
}

int helpWidth() {
  winsize ws{};
  int width = 80;
  if (::ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
    width = ws.ws_col;
  }
  return width - 1;
}

}  // namespace berth::cli
