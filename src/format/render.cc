#include "format/render.h"

#include "format/go_json.h"
#include "format/tabwriter.h"
#include "format/template.h"

namespace berth::format {
namespace {

using nlohmann::json;

constexpr std::string_view kTableKey = "table";
constexpr std::string_view kJsonKey = "json";

// docker's strings.NewReplacer(`\t`, "\t", `\n`, "\n"): shells make real tabs
// awkward to type, so users write the escape.
std::string replaceEscapes(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size() && (s[i + 1] == 't' || s[i + 1] == 'n')) {
      out += s[i + 1] == 't' ? '\t' : '\n';
      ++i;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string_view trimSpaces(std::string_view s) {
  while (!s.empty() && s.front() == ' ') {
    s.remove_prefix(1);
  }
  while (!s.empty() && s.back() == ' ') {
    s.remove_suffix(1);
  }
  return s;
}

// docker prefixes both parse and execution errors this way.
Error templateError(const Error& e) {
  return invalidArgument("template parsing error: " + e.message());
}

Result<Template> parseFormat(std::string_view text) {
  Result<Template> t = Template::parse(text);
  if (!t.ok()) {
    return templateError(t.error());
  }
  return t;
}

bool isUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool isLower(char c) { return c >= 'a' && c <= 'z'; }
bool isLowerOrDigit(char c) { return isLower(c) || (c >= '0' && c <= '9'); }

}  // namespace

std::string defaultHeader(std::string_view field) {
  std::string out;
  size_t upperRun = 0;  // uppercase letters right before i
  for (size_t i = 0; i < field.size(); ++i) {
    const char c = field[i];
    if (i > 0 && isUpper(c)) {
      // A word starts after a lowercase letter or digit (CreatedAt), or at the
      // last capital of an acronym followed by lowercase (IPAddress), but a
      // lone capital stays with its word (IPv4).
      const bool afterLower = isLowerOrDigit(field[i - 1]);
      const bool acronymEnd = upperRun >= 2 && i + 1 < field.size() && isLower(field[i + 1]);
      if (afterLower || acronymEnd) {
        out += ' ';
      }
    }
    upperRun = isUpper(c) ? upperRun + 1 : 0;
    out += isLower(c) ? static_cast<char>(c - 'a' + 'A') : c;
  }
  return out;
}

Result<std::string> renderRows(std::string_view format, const std::vector<json>& rows,
                               const HeaderMap& headers) {
  const bool table = format.substr(0, kTableKey.size()) == kTableKey;
  std::string_view body = format;
  if (table) {
    body.remove_prefix(kTableKey.size());
  } else if (format == kJsonKey) {
    body = "{{json .}}";
  }
  const std::string text = replaceEscapes(trimSpaces(body));
  if (format.empty() || (table && text.empty())) {
    return invalidArgument(
        "format: no template given; the command's default table format belongs here");
  }
  BERTH_ASSIGN_OR_RETURN(Template tmpl, parseFormat(text));

  std::string out;
  for (const json& row : rows) {
    Result<std::string> line = tmpl.execute(row);
    if (!line.ok()) {
      return templateError(line.error());
    }
    out += *line;
    out += '\n';
  }
  if (!table) {
    return out;
  }
  json titles = json::object();
  for (const auto& [field, title] : headers) {
    titles[field] = title;
  }
  for (const std::string& field : tmpl.fieldNames()) {
    if (!titles.contains(field)) {
      titles[field] = defaultHeader(field);
    }
  }
  TabWriter writer;
  writer.write(tmpl.executeHeader(titles));
  writer.write("\n");
  writer.write(out);
  return writer.flush();
}

Result<std::string> renderInspect(std::string_view format, const std::vector<json>& objects) {
  if (format.empty() || format == kJsonKey) {
    if (objects.empty()) {
      return std::string("[]\n");
    }
    json all = json::array();
    for (const json& o : objects) {
      all.push_back(o);
    }
    // The daemon's JSON reaches docker inspect HTML-escaped, so keep Go's escaping.
    return (format.empty() ? marshalGoJsonIndent(all, "    ", true) : marshalGoJson(all, true)) +
           "\n";
  }
  BERTH_ASSIGN_OR_RETURN(Template tmpl, parseFormat(format));
  std::string out;
  for (const json& o : objects) {
    Result<std::string> line = tmpl.execute(o);
    if (!line.ok()) {
      return templateError(line.error());
    }
    out += *line;
    out += '\n';
  }
  return out.empty() ? std::string("\n") : out;
}

}  // namespace berth::format
