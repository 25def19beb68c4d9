#include "common/error.h"

#include <cstring>

namespace berth {

std::string_view errorKindName(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kInvalidArgument:
      return "invalid-argument";
    case ErrorKind::kNotFound:
      return "not-found";
    case ErrorKind::kConflict:
      return "conflict";
    case ErrorKind::kForbidden:
      return "forbidden";
    case ErrorKind::kUnavailable:
      return "unavailable";
    case ErrorKind::kNotImplemented:
      return "not-implemented";
    case ErrorKind::kInternal:
      return "internal";
  }
  return "unknown";
}

Error& Error::withContext(std::string_view context) {
  message_ = std::string(context) + ": " + message_;
  return *this;
}

Error systemError(std::string_view what, int err) {
  return internal(std::string(what) + ": " + std::strerror(err));
}

}  // namespace berth
