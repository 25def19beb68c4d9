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
  char buf[256] = {};
  // GNU strerror_r: returns a pointer to the message (maybe not buf); thread-safe.
  const char* msg = ::strerror_r(err, buf, sizeof(buf));
  return internal(std::string(what) + ": " + msg);
}

}  // namespace berth
