// One error type for all of berth: a kind (mapped to HTTP status in api/ only),
// a message meant for the user, and context added as the error travels up.
#pragma once

#include <string>
#include <string_view>

namespace berth {

enum class ErrorKind {
  kInvalidArgument,  // the caller's input is wrong (HTTP 400)
  kNotFound,         // the named object does not exist (404)
  kConflict,         // the object exists / is in use (409)
  kForbidden,        // not allowed in this state or by policy (403)
  kUnavailable,      // a needed feature or resource is missing (503)
  kNotImplemented,   // berth does not do this (yet) (501)
  kInternal,         // a bug or an unexpected failure of the world (500)
};

std::string_view errorKindName(ErrorKind kind);

class Error {
 public:
  Error(ErrorKind kind, std::string message) : kind_(kind), message_(std::move(message)) {}

  ErrorKind kind() const { return kind_; }
  const std::string& message() const { return message_; }

  // Prefixes the message with what the caller was doing: "create network x: <message>".
  Error& withContext(std::string_view context);

 private:
  ErrorKind kind_;
  std::string message_;
};

inline Error invalidArgument(std::string message) {
  return {ErrorKind::kInvalidArgument, std::move(message)};
}
inline Error notFound(std::string message) { return {ErrorKind::kNotFound, std::move(message)}; }
inline Error conflict(std::string message) { return {ErrorKind::kConflict, std::move(message)}; }
inline Error forbidden(std::string message) { return {ErrorKind::kForbidden, std::move(message)}; }
inline Error unavailable(std::string message) {
  return {ErrorKind::kUnavailable, std::move(message)};
}
inline Error notImplemented(std::string message) {
  return {ErrorKind::kNotImplemented, std::move(message)};
}
inline Error internal(std::string message) { return {ErrorKind::kInternal, std::move(message)}; }

// An internal error built from errno: "<what>: <strerror(err)>".
Error systemError(std::string_view what, int err);

}  // namespace berth
