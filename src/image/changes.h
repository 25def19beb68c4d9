// The Dockerfile instructions `docker import -c` and `docker commit -c` accept
// (CMD, ENTRYPOINT, ENV, EXPOSE, HEALTHCHECK, LABEL, ONBUILD, STOPSIGNAL, USER,
// VOLUME, WORKDIR), applied to a container config as dockerd's builder does.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/result.h"

namespace berth::image {

// dockerd's container.Config with every field at its zero value, as image
// configs written by dockerd carry it.
nlohmann::json emptyContainerConfig();

// Applies `changes` in order to `config` (a container.Config object). Each
// string may hold several lines. Fails with dockerd's messages, leaving
// `config` unchanged: "run is not a valid change command", "ENV names can not be blank", ...
Status applyChanges(nlohmann::json& config, const std::vector<std::string>& changes);

}  // namespace berth::image
