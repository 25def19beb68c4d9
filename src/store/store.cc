#include "store/store.h"

namespace berth::store {

Status validateKey(std::string_view key) {
  if (key.empty()) {
    return invalidArgument("store key must not be empty");
  }
  if (key.find('\0') != std::string_view::npos) {
    return invalidArgument("store key must not contain a NUL byte");
  }
  return okStatus();
}

std::optional<std::string> prefixEnd(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    auto last = static_cast<unsigned char>(end.back());
    if (last != 0xff) {
      end.back() = static_cast<char>(last + 1);
      return end;
    }
    // 0xff cannot be incremented: the range ends after the shorter prefix.
    end.pop_back();
  }
  return std::nullopt;
}

std::string_view watchEventTypeName(WatchEventType type) {
  switch (type) {
    case WatchEventType::kPut:
      return "put";
    case WatchEventType::kDelete:
      return "delete";
  }
  return "unknown";
}

}  // namespace berth::store
