// /images/*: list, inspect, history, import (/images/create?fromSrc=-), load,
// save (/images/get, /images/{name}/get), tag, delete, prune.
#pragma once

#include "api/router.h"
#include "image/image_service.h"

namespace berth::api {

// Image events (import, load, tag, untag, delete, save) are published by the
// service itself, through the EventSink the daemon gives it.
void addImageRoutes(Router& router, image::ImageService& images);

}  // namespace berth::api
