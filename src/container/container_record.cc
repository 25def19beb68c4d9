#include "container/container_record.h"

namespace berth::container {

std::string ContainerState::statusString() const {
  if (running) {
    if (paused) {
      return "paused";
    }
    if (restarting) {
      return "restarting";
    }
    return "running";
  }
  if (removalInProgress) {
    return "removing";
  }
  if (dead) {
    return "dead";
  }
  if (startedAtNano == 0) {
    return "created";
  }
  return "exited";
}

std::map<std::string, std::string> ContainerRecord::labels() const {
  std::map<std::string, std::string> out;
  auto it = config.find("Labels");
  if (it != config.end() && it->is_object()) {
    for (const auto& [k, v] : it->items()) {
      if (v.is_string()) {
        out[k] = v.get<std::string>();
      }
    }
  }
  return out;
}

std::string ContainerRecord::shortName() const {
  return !name.empty() && name[0] == '/' ? name.substr(1) : name;
}

bool ContainerRecord::tty() const {
  auto it = config.find("Tty");
  return it != config.end() && it->is_boolean() && it->get<bool>();
}

void to_json(nlohmann::json& j, const ContainerState& s) {
  j = {{"running", s.running},
       {"paused", s.paused},
       {"restarting", s.restarting},
       {"oomKilled", s.oomKilled},
       {"dead", s.dead},
       {"removalInProgress", s.removalInProgress},
       {"pid", s.pid},
       {"exitCode", s.exitCode},
       {"error", s.error},
       {"startedAt", s.startedAtNano},
       {"finishedAt", s.finishedAtNano},
       {"shimPid", s.shimPid},
       {"hasBeenStartedBefore", s.hasBeenStartedBefore},
       {"hasBeenManuallyStopped", s.hasBeenManuallyStopped}};
}

void from_json(const nlohmann::json& j, ContainerState& s) {
  s.running = j.value("running", false);
  s.paused = j.value("paused", false);
  s.restarting = j.value("restarting", false);
  s.oomKilled = j.value("oomKilled", false);
  s.dead = j.value("dead", false);
  s.removalInProgress = j.value("removalInProgress", false);
  s.pid = j.value("pid", 0);
  s.exitCode = j.value("exitCode", 0);
  s.error = j.value("error", "");
  s.startedAtNano = j.value("startedAt", int64_t{0});
  s.finishedAtNano = j.value("finishedAt", int64_t{0});
  s.shimPid = j.value("shimPid", 0);
  s.hasBeenStartedBefore = j.value("hasBeenStartedBefore", false);
  s.hasBeenManuallyStopped = j.value("hasBeenManuallyStopped", false);
}

void to_json(nlohmann::json& j, const ContainerRecord& r) {
  j = {{"id", r.id},
       {"name", r.name},
       {"created", r.createdNano},
       {"path", r.path},
       {"args", r.args},
       {"imageId", r.imageId},
       {"layerDirs", r.layerDirs},
       {"config", r.config},
       {"hostConfig", r.hostConfig},
       {"networkingConfig", r.networkingConfig},
       {"state", r.state},
       {"restartCount", r.restartCount},
       {"logDriver", r.logDriver},
       {"logOpts", r.logOpts},
       {"logPath", r.logPath},
       {"sandboxId", r.sandboxId},
       {"sandboxKey", r.sandboxKey},
       {"networks", r.networks},
       {"ports", r.ports}};
}

void from_json(const nlohmann::json& j, ContainerRecord& r) {
  r.id = j.at("id").get<std::string>();
  r.name = j.at("name").get<std::string>();
  r.createdNano = j.value("created", int64_t{0});
  r.path = j.value("path", "");
  r.args = j.value("args", std::vector<std::string>{});
  r.imageId = j.value("imageId", "");
  r.layerDirs = j.value("layerDirs", std::vector<std::string>{});
  r.config = j.value("config", nlohmann::json::object());
  r.hostConfig = j.value("hostConfig", nlohmann::json::object());
  r.networkingConfig = j.value("networkingConfig", nlohmann::json::object());
  r.state = j.value("state", ContainerState{});
  r.restartCount = j.value("restartCount", 0);
  r.logDriver = j.value("logDriver", "");
  r.logOpts = j.value("logOpts", std::map<std::string, std::string>{});
  r.logPath = j.value("logPath", "");
  r.sandboxId = j.value("sandboxId", "");
  r.sandboxKey = j.value("sandboxKey", "");
  r.networks = j.value("networks", nlohmann::json::object());
  r.ports = j.value("ports", nlohmann::json::object());
}

void to_json(nlohmann::json& j, const NameEntry& n) { j = {{"id", n.id}}; }
void from_json(const nlohmann::json& j, NameEntry& n) { n.id = j.at("id").get<std::string>(); }

}  // namespace berth::container
