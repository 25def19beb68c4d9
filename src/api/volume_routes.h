// /volumes/*: list, create, inspect, remove, prune.
#pragma once

#include "api/router.h"
#include "volume/volume_service.h"

namespace berth::api {

// Volume events (create, mount, unmount, destroy, prune) are the service's to publish.
void addVolumeRoutes(Router& router, volume::VolumeService& volumes);

}  // namespace berth::api
