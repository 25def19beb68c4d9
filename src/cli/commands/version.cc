// `berth version`: the client's build facts and the daemon's GET /version, in
// docker's layout or through a --format template.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <ostream>

#include "cli/command.h"
#include "cli/commands/system.h"
#include "cli/timestamps.h"
#include "cli/version_info.h"
#include "format/tabwriter.h"
#include "format/template.h"

namespace berth::cli {

namespace {

// Go's time.ANSIC for an RFC 3339 time, in the time's own zone; anything else
// unchanged (docker's reformatDate).
std::string reformatDate(const std::string& rfc3339) {
  if (rfc3339.size() < 20 || rfc3339[10] != 'T') {
    return rfc3339;
  }
  auto stamp = parseTimestampArg(rfc3339, std::chrono::system_clock::now(), 0);
  if (!stamp.ok()) {
    return rfc3339;
  }
  // Parsed, so a zone other than Z is a well-formed "+hh:mm" at the end.
  int offset = 0;
  if (rfc3339.back() != 'Z') {
    size_t sign = rfc3339.size() - 6;
    offset = ((rfc3339[sign + 1] - '0') * 10 + (rfc3339[sign + 2] - '0')) * 3600 +
             ((rfc3339[sign + 4] - '0') * 10 + (rfc3339[sign + 5] - '0')) * 60;
    if (rfc3339[sign] == '-') {
      offset = -offset;
    }
  }
  return formatAnsic(std::strtoll(stamp->c_str(), nullptr, 10), offset);
}

std::string str(const nlohmann::json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    return "";
  }
  return it->is_string() ? it->get<std::string>() : it->dump();
}

// docker runs templates over Go structs whose field names differ from their JSON
// names in case only (APIVersion vs ApiVersion); give templates both spellings.
nlohmann::json templateView(nlohmann::json data) {
  for (const char* side : {"Client", "Server"}) {
    auto it = data.find(side);
    if (it != data.end() && it->is_object() && it->contains("ApiVersion")) {
      (*it)["APIVersion"] = (*it)["ApiVersion"];
    }
  }
  return data;
}

Status runVersion(CommandContext& ctx, const std::string& formatFlag) {
  std::optional<format::Template> tmpl;
  if (!formatFlag.empty()) {
    auto parsed = format::Template::parse(formatFlag == "json" ? "{{json .}}" : formatFlag);
    if (!parsed.ok()) {
      return ctx.statusError(
          64, invalidArgument("template parsing error: " + parsed.error().message()));
    }
    tmpl = std::move(parsed).value();
  }

  nlohmann::json data;
  Status serverStatus = okStatus();
  std::string apiVersion = ctx.clientOptions().apiVersion.empty() ? std::string(kMaxApiVersion)
                                                                  : ctx.clientOptions().apiVersion;
  auto client = ctx.client();
  if (!client.ok()) {
    serverStatus = std::move(client).error();
  } else {
    auto reply = (*client)->call("GET", "/version");
    if (!reply.ok()) {
      serverStatus = std::move(reply).error();
    } else if (auto json = reply->json(); !json.ok()) {
      serverStatus = std::move(json).error();
    } else {
      data["Server"] = normalizeServerVersion(std::move(json).value());
      apiVersion = (*client)->apiVersion().valueOr(apiVersion);  // negotiated by now
    }
  }
  data["Client"] = clientVersionJson(apiVersion);
  if (!data.contains("Server")) {
    data["Server"] = nullptr;
  }

  std::string text;
  if (!tmpl) {
    text = renderVersionText(data);
  } else {
    auto rendered = tmpl->execute(formatFlag == "json" ? data : templateView(data));
    if (!rendered.ok()) {
      // docker's tabwriter still gets what came before the failure; we print nothing.
      return serverStatus.ok() ? std::move(rendered).error() : serverStatus;
    }
    format::TabWriter tw(format::TabWriter::Options{20, 1, 1, ' '});
    tw.write(*rendered);
    tw.write("\n");
    text = tw.flush();
  }
  ctx.out() << text;
  return serverStatus;
}

}  // namespace

nlohmann::json clientVersionJson(const std::string& apiVersion) {
  const ClientBuildInfo& info = clientBuildInfo();
  nlohmann::json c = {
      {"Version", info.version},
      {"ApiVersion", apiVersion},
      {"DefaultAPIVersion", std::string(kMaxApiVersion)},
      {"GitCommit", info.gitCommit},
      {"CppVersion", info.cppVersion},
      {"Os", info.os},
      {"Arch", info.arch},
      {"Context", "default"},
  };
  if (!info.buildTime.empty()) {
    c["BuildTime"] = reformatDate(info.buildTime);
  }
  return c;
}

nlohmann::json normalizeServerVersion(nlohmann::json server) {
  if (!server.is_object()) {
    return server;
  }
  bool foundEngine = false;
  auto comps = server.find("Components");
  if (comps != server.end() && comps->is_array()) {
    for (auto& comp : *comps) {
      if (comp.is_object() && str(comp, "Name") == "Engine") {
        foundEngine = true;
        auto details = comp.find("Details");
        if (details != comp.end() && details->is_object() && details->contains("BuildTime")) {
          (*details)["BuildTime"] = reformatDate(str(*details, "BuildTime"));
        }
      }
    }
  }
  if (!foundEngine) {
    auto experimental = server.find("Experimental");
    nlohmann::json engine = {
        {"Name", "Engine"},
        {"Version", str(server, "Version")},
        {"Details",
         {
             {"ApiVersion", str(server, "ApiVersion")},
             {"MinAPIVersion", str(server, "MinAPIVersion")},
             {"GitCommit", str(server, "GitCommit")},
             {"GoVersion", str(server, "GoVersion")},
             {"Os", str(server, "Os")},
             {"Arch", str(server, "Arch")},
             {"BuildTime", reformatDate(str(server, "BuildTime"))},
             {"Experimental", experimental != server.end() && experimental->is_boolean() &&
                                      experimental->get<bool>()
                                  ? "true"
                                  : "false"},
         }},
    };
    if (comps == server.end() || !comps->is_array()) {
      server["Components"] = nlohmann::json::array();
    }
    server["Components"].push_back(std::move(engine));
  }
  return server;
}

std::string renderVersionText(const nlohmann::json& data) {
  std::string t;
  const nlohmann::json& c = data.at("Client");
  t += "Client:\n";
  t += " Version:\t" + str(c, "Version") + "\n";
  t += " API version:\t" + str(c, "ApiVersion");
  if (str(c, "ApiVersion") != str(c, "DefaultAPIVersion")) {
    t += " (downgraded from " + str(c, "DefaultAPIVersion") + ")";
  }
  t += "\n";
  t += " C++ version:\t" + str(c, "CppVersion") + "\n";
  t += " Git commit:\t" + str(c, "GitCommit") + "\n";
  t += " Built:\t" + str(c, "BuildTime") + "\n";
  t += " OS/Arch:\t" + str(c, "Os") + "/" + str(c, "Arch") + "\n";
  t += " Context:\t" + str(c, "Context");

  auto server = data.find("Server");
  if (server != data.end() && server->is_object()) {
    const nlohmann::json& s = *server;
    std::string platform;
    if (auto p = s.find("Platform"); p != s.end() && p->is_object()) {
      platform = str(*p, "Name");
    }
    t += "\n\nServer:" + (platform.empty() ? "" : " " + platform);
    static const nlohmann::json kEmpty = nlohmann::json::object();
    for (const auto& comp : s.value("Components", nlohmann::json::array())) {
      const nlohmann::json& d =
          comp.contains("Details") && comp["Details"].is_object() ? comp["Details"] : kEmpty;
      std::string name = str(comp, "Name");
      t += "\n " + name + ":";
      if (name == "Engine") {
        t += "\n  Version:\t" + str(comp, "Version");
        t += "\n  API version:\t" + str(d, "ApiVersion") + " (minimum version " +
             str(d, "MinAPIVersion") + ")";
        t += "\n  Go version:\t" + str(d, "GoVersion");
        t += "\n  Git commit:\t" + str(d, "GitCommit");
        t += "\n  Built:\t" + str(d, "BuildTime");
        t += "\n  OS/Arch:\t" + str(d, "Os") + "/" + str(d, "Arch");
        t += "\n  Experimental:\t" + str(d, "Experimental");
      } else {
        t += "\n  Version:\t" + str(comp, "Version");
        for (const auto& [key, value] : d.items()) {  // sorted, like getDetailsOrder
          t += "\n  " + key + ":\t" + (value.is_string() ? value.get<std::string>() : value.dump());
        }
      }
    }
  }
  format::TabWriter tw(format::TabWriter::Options{20, 1, 1, ' '});
  tw.write(t);
  tw.write("\n");
  return tw.flush();
}

void addVersionCommand(CommandRegistry& registry, CLI::App& parent) {
  auto formatFlag = std::make_shared<std::string>();
  CommandSpec spec;
  spec.name = "version";
  spec.use = "[OPTIONS]";
  spec.summary = "Show the berth version information";
  spec.topRank = 11;
  CLI::App* cmd = registry.addCommand(
      parent, spec, [formatFlag](CommandContext& ctx, const std::vector<std::string>&) {
        return runVersion(ctx, *formatFlag);
      });
  addFormatFlag(*cmd, *formatFlag, FormatHelp::kInspect);
}

}  // namespace berth::cli
