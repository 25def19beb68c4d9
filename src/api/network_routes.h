// /networks/*: list, inspect, create, remove, connect, disconnect, prune.
#pragma once

#include "api/router.h"
#include "network/network_service.h"

namespace berth::api {

// Network events (create, destroy, connect, disconnect) are the service's to publish.
void addNetworkRoutes(Router& router, network::NetworkService& networks);

}  // namespace berth::api
