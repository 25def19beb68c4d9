// /containers/{id}/exec and /exec/{id}/...
#pragma once

#include "api/router.h"
#include "container/container_service.h"

namespace berth::api {

void addExecRoutes(Router& router, container::ContainerService& containers);

}  // namespace berth::api
