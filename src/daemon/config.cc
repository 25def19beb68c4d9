#include "daemon/config.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include "common/log.h"
#include "common/strings.h"
#include "logdriver/log_options.h"

namespace berth::daemon {

namespace {

// One entry per daemon.json key. Adding a setting is adding a row here and a
// flag in parseCommandLine.
struct Key {
  const char* name;
  std::function<Status(const nlohmann::json&, DaemonConfig&)> apply;
};

Status wrongType(const char* key, const char* want) {
  return invalidArgument(std::string("invalid value for \"") + key + "\" in the config file: " +
                         want + " expected");
}

Key stringKey(const char* name, std::string DaemonConfig::*field) {
  return {name, [name, field](const nlohmann::json& v, DaemonConfig& c) -> Status {
            if (!v.is_string()) {
              return wrongType(name, "a string");
            }
            c.*field = v.get<std::string>();
            return okStatus();
          }};
}

Key boolKey(const char* name, bool DaemonConfig::*field) {
  return {name, [name, field](const nlohmann::json& v, DaemonConfig& c) -> Status {
            if (!v.is_boolean()) {
              return wrongType(name, "a boolean");
            }
            c.*field = v.get<bool>();
            return okStatus();
          }};
}

const std::vector<Key>& keys() {
  static const std::vector<Key> kKeys = {
      stringKey("data-root", &DaemonConfig::dataRoot),
      stringKey("exec-root", &DaemonConfig::execRoot),
      {"hosts",
       [](const nlohmann::json& v, DaemonConfig& c) -> Status {
         if (!v.is_array() ||
             !std::all_of(v.begin(), v.end(), [](const auto& e) { return e.is_string(); })) {
           return wrongType("hosts", "a list of strings");
         }
         c.hosts = v.get<std::vector<std::string>>();
         return okStatus();
       }},
      boolKey("debug", &DaemonConfig::debug),
      stringKey("log-level", &DaemonConfig::logLevel),
      stringKey("pidfile", &DaemonConfig::pidfile),
      stringKey("group", &DaemonConfig::group),
      boolKey("tls", &DaemonConfig::tls),
      boolKey("tlsverify", &DaemonConfig::tlsVerify),
      stringKey("tlscacert", &DaemonConfig::tlsCaCert),
      stringKey("tlscert", &DaemonConfig::tlsCert),
      stringKey("tlskey", &DaemonConfig::tlsKey),
      boolKey("insecure-plain-tcp", &DaemonConfig::insecurePlainTcp),
      stringKey("log-driver", &DaemonConfig::logDriver),
      {"log-opts",
       [](const nlohmann::json& v, DaemonConfig& c) -> Status {
         if (!v.is_object() ||
             !std::all_of(v.begin(), v.end(), [](const auto& e) { return e.is_string(); })) {
           return wrongType("log-opts", "an object of strings");
         }
         c.logOpts = v.get<std::map<std::string, std::string>>();
         return okStatus();
       }},
      stringKey("cgroup-parent", &DaemonConfig::cgroupParent),
      stringKey("bip", &DaemonConfig::bip),
      boolKey("iptables", &DaemonConfig::iptables),
      {"dns",
       [](const nlohmann::json& v, DaemonConfig& c) -> Status {
         if (!v.is_array() ||
             !std::all_of(v.begin(), v.end(), [](const auto& e) { return e.is_string(); })) {
           return wrongType("dns", "a list of strings");
         }
         c.dns = v.get<std::vector<std::string>>();
         return okStatus();
       }},
      {"default-address-pools",
       [](const nlohmann::json& v, DaemonConfig& c) -> Status {
         if (!v.is_array()) {
           return wrongType("default-address-pools", "a list of {\"base\", \"size\"}");
         }
         c.defaultAddressPools = v;
         return okStatus();
       }},
      stringKey("default-runtime", &DaemonConfig::defaultRuntime),
      {"runtimes",
       [](const nlohmann::json& v, DaemonConfig& c) -> Status {
         if (!v.is_object()) {
           return wrongType("runtimes", "an object");
         }
         for (const auto& [name, rt] : v.items()) {
           if (!rt.is_object() || !rt.contains("path") || !rt["path"].is_string()) {
             return wrongType("runtimes", "{\"NAME\": {\"path\": \"...\"}}");
           }
           c.runtimes[name] = rt["path"].get<std::string>();
         }
         return okStatus();
       }},
  };
  return kKeys;
}

}  // namespace

Result<std::vector<HostAddress>> DaemonConfig::listenAddresses() const {
  std::vector<HostAddress> out;
  uint16_t defaultPort = (tls || tlsVerify) ? 2376 : 2375;
  if (hosts.empty()) {
    BERTH_ASSIGN_OR_RETURN(HostAddress a, parseHostAddress("", defaultPort));
    out.push_back(a);
  }
  for (const auto& h : hosts) {
    BERTH_ASSIGN_OR_RETURN(HostAddress a, parseHostAddress(h, defaultPort));
    out.push_back(a);
  }
  return out;
}

Status applyConfigFile(const nlohmann::json& doc, const std::vector<std::string>& flagsSet,
                       DaemonConfig& config) {
  if (!doc.is_object()) {
    return invalidArgument("the config file must hold a JSON object");
  }
  std::vector<std::string> unknown;
  std::vector<std::string> both;
  for (const auto& [key, value] : doc.items()) {
    auto it = std::find_if(keys().begin(), keys().end(),
                           [&key = key](const Key& k) { return key == k.name; });
    if (it == keys().end()) {
      unknown.push_back(key);
    } else if (std::find(flagsSet.begin(), flagsSet.end(), key) != flagsSet.end()) {
      both.push_back(key + ": (from file: " + value.dump() + ")");
    }
  }
  if (!unknown.empty()) {
    return invalidArgument("the following directives don't match any configuration option: " +
                           join(unknown, ", "));
  }
  if (!both.empty()) {
    return invalidArgument(
        "the following directives are specified both as a flag and in the configuration "
        "file: " +
        join(both, ", "));
  }
  for (const auto& [key, value] : doc.items()) {
    for (const auto& k : keys()) {
      if (key == k.name) {
        BERTH_TRY(k.apply(value, config));
      }
    }
  }
  return okStatus();
}

Status validate(const DaemonConfig& config) {
  BERTH_TRY(log::parseLevel(config.logLevel));
  BERTH_ASSIGN_OR_RETURN(auto addrs, config.listenAddresses());
  bool anyTcp = std::any_of(addrs.begin(), addrs.end(), [](const HostAddress& a) {
    return a.kind == HostAddress::Kind::kTcp;
  });
  if (config.tls || config.tlsVerify) {
    if (config.tlsCert.empty() || config.tlsKey.empty()) {
      return invalidArgument("--tlscert and --tlskey are required with --tls/--tlsverify");
    }
    if (config.tlsVerify && config.tlsCaCert.empty()) {
      return invalidArgument("--tlscacert is required with --tlsverify");
    }
  }
  if (anyTcp && !config.tlsVerify && !config.insecurePlainTcp) {
    return invalidArgument(
        "refusing to listen on a tcp:// host without --tlsverify: anyone who can reach the port "
        "gets root on this machine; set up TLS (--tlsverify --tlscacert --tlscert --tlskey) or "
        "pass --insecure-plain-tcp to accept that");
  }
  if (config.dataRoot.empty() || config.dataRoot.front() != '/') {
    return invalidArgument("--data-root must be an absolute path");
  }
  if (config.execRoot.empty() || config.execRoot.front() != '/') {
    return invalidArgument("--exec-root must be an absolute path");
  }
  if (config.cgroupParent.empty() || config.cgroupParent.front() != '/') {
    return invalidArgument("--cgroup-parent must be an absolute cgroup path, e.g. /berth");
  }
  if (config.defaultRuntime != "runc" && config.runtimes.count(config.defaultRuntime) == 0) {
    return invalidArgument("default-runtime \"" + config.defaultRuntime +
                           "\" is not one of the configured runtimes");
  }
  BERTH_TRY(validateLogConfig(config.logDriver, config.logOpts));
  return okStatus();
}

Result<ParsedCommandLine> parseCommandLine(int argc, const char* const* argv) {
  ParsedCommandLine out;
  DaemonConfig& c = out.config;
  CLI::App app("berthd - the berth container engine daemon", "berthd");
  app.set_version_flag("-v,--version", std::string("berthd version ") + BERTH_VERSION);
  // Flags keyed by their daemon.json name so duplicates can be detected.
  std::vector<std::pair<std::string, CLI::Option*>> opts = {
      {"data-root", app.add_option("--data-root", c.dataRoot, "Root directory of persistent state")},
      {"exec-root", app.add_option("--exec-root", c.execRoot, "Root directory for execution state")},
      {"hosts", app.add_option("-H,--host", c.hosts, "Daemon socket(s) to listen on")},
      {"debug", app.add_flag("-D,--debug", c.debug, "Enable debug mode")},
      {"log-level",
       app.add_option("-l,--log-level", c.logLevel,
                      "Set the logging level (\"debug\"|\"info\"|\"warn\"|\"error\"|\"fatal\")")},
      {"pidfile", app.add_option("-p,--pidfile", c.pidfile, "Path to use for the daemon PID file")},
      {"group", app.add_option("-G,--group", c.group, "Group for the unix socket")},
      {"tls", app.add_flag("--tls", c.tls, "Use TLS; implied by --tlsverify")},
      {"tlsverify", app.add_flag("--tlsverify", c.tlsVerify, "Use TLS and verify the remote")},
      {"tlscacert", app.add_option("--tlscacert", c.tlsCaCert, "Trust certs signed only by this CA")},
      {"tlscert", app.add_option("--tlscert", c.tlsCert, "Path to TLS certificate file")},
      {"tlskey", app.add_option("--tlskey", c.tlsKey, "Path to TLS key file")},
      {"insecure-plain-tcp",
       app.add_flag("--insecure-plain-tcp", c.insecurePlainTcp,
                    "Allow tcp:// hosts without TLS (INSECURE: grants root to the network)")},
  };
  std::vector<std::string> logOptFlags;
  std::vector<std::string> addRuntimeFlags;
  opts.insert(opts.end(),
              {
                  {"log-driver",
                   app.add_option("--log-driver", c.logDriver, "Default driver for container logs")},
                  {"log-opts", app.add_option("--log-opt", logOptFlags,
                                              "Default log driver options for containers (k=v)")},
                  {"cgroup-parent", app.add_option("--cgroup-parent", c.cgroupParent,
                                                   "Parent cgroup for all containers")},
                  {"default-runtime", app.add_option("--default-runtime", c.defaultRuntime,
                                                     "Default OCI runtime for containers")},
                  {"runtimes", app.add_option("--add-runtime", addRuntimeFlags,
                                              "Register an additional OCI runtime (name=path)")},
              });
  auto* configOpt = app.add_option("--config-file", c.configFile, "Daemon configuration file");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    out.exitNow = true;
    out.output = app.help();
    return out;
  } catch (const CLI::CallForVersion&) {
    out.exitNow = true;
    out.output = app.version() + "\n";
    return out;
  } catch (const CLI::ParseError& e) {
    return invalidArgument(e.what());
  }
  for (const auto& kv : logOptFlags) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      return invalidArgument("--log-opt wants key=value, got \"" + kv + "\"");
    }
    c.logOpts[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (const auto& kv : addRuntimeFlags) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == kv.size()) {
      return invalidArgument("--add-runtime wants name=path, got \"" + kv + "\"");
    }
    c.runtimes[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  std::vector<std::string> flagsSet;
  for (const auto& [key, opt] : opts) {
    if (opt->count() > 0) {
      flagsSet.push_back(key);
    }
  }
  std::ifstream in(c.configFile);
  if (in) {
    std::stringstream buf;
    buf << in.rdbuf();
    nlohmann::json doc = nlohmann::json::parse(buf.str(), nullptr, false);
    if (doc.is_discarded()) {
      return invalidArgument("unable to configure the daemon with file " + c.configFile +
                             ": invalid JSON");
    }
    Status st = applyConfigFile(doc, flagsSet, c);
    if (!st.ok()) {
      return invalidArgument("unable to configure the daemon with file " + c.configFile + ": " +
                             st.error().message());
    }
  } else if (configOpt->count() > 0) {
    return invalidArgument("unable to configure the daemon with file " + c.configFile +
                           ": cannot read it");
  }
  if (c.tlsVerify) {
    c.tls = true;
  }
  BERTH_TRY(validate(c));
  return out;
}

}  // namespace berth::daemon
