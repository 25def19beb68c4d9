// /containers/...: create, lifecycle, inspect, ps, logs, attach, top, stats, cp.
#pragma once

#include "api/router.h"
#include "container/container_io.h"
#include "container/container_service.h"

namespace berth::api {

void addContainerRoutes(Router& router, container::ContainerService& containers);

// A hijacked connection as the container service's ClientStream.
std::shared_ptr<container::ClientStream> clientStreamOf(std::unique_ptr<RawConn> conn);

// The Content-Type of an attach/exec/logs stream: raw for a tty, else
// dockerd's multiplexed type (API 1.42 and later; raw before).
std::string streamContentType(bool tty, const std::string& apiVersion);

}  // namespace berth::api
