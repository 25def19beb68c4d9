// Docker's plugin protocol, client side: JSON POSTs over HTTP/1.1 to a unix
// socket or a tcp address, each bounded by a deadline, and the discovery of
// a plugin by name (sockets in plugin dirs, .spec/.json files in spec dirs).
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace berth::volume {

struct PluginAddress {
  std::string unixPath;  // set for unix://
  std::string host;      // set for tcp://
  int port = 0;
  std::string text;  // as found, for messages
};

class PluginClient {
 public:
  PluginClient(PluginAddress addr, std::chrono::milliseconds timeout);
  // POST /<method> with `body`; the reply's JSON. unavailable when the plugin
  // cannot be reached or does not answer in time, internal for a bad answer.
  Result<nlohmann::json> call(const std::string& method, const nlohmann::json& body) const;
  const PluginAddress& address() const { return addr_; }

 private:
  PluginAddress addr_;
  std::chrono::milliseconds timeout_;
};

struct PluginDirs {
  std::vector<std::string> socketDirs = {"/run/docker/plugins", "/run/berth/plugins"};
  std::vector<std::string> specDirs = {"/etc/docker/plugins", "/usr/lib/docker/plugins"};
};

// The directories from BERTH_PLUGIN_SOCKET_DIRS / BERTH_PLUGIN_SPEC_DIRS
// (colon-separated) when set, else docker's. Call before threads start.
PluginDirs pluginDirsFromEnv();

// BERTH_PLUGIN_TIMEOUT_MS when set (tests), else dockerd's 30 s per call.
std::chrono::milliseconds pluginTimeoutFromEnv();

// "unix:///path" or "tcp://host:port" (a spec file's content).
Result<PluginAddress> parsePluginAddress(const std::string& text);

// Where plugin `name` listens: <dir>/<name>.sock or <dir>/<name>/<name>.sock,
// else a spec file <dir>/<name>.spec (an address) or <name>.json ({"Addr": ...}).
// not-found with dockerd's wording when none exists.
Result<PluginAddress> findPlugin(const PluginDirs& dirs, const std::string& name);

}  // namespace berth::volume
