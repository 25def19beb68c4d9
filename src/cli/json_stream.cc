#include "cli/json_stream.h"

#include <cctype>

namespace berth::cli {

bool JsonStreamSplitter::feed(std::string_view chunk,
                              const std::function<bool(std::string_view)>& onValue) {
  buffer_.append(chunk);
  size_t start = 0;  // where the current value begins in buffer_
  size_t i = scanned_;
  bool keepGoing = true;
  for (; i < buffer_.size() && keepGoing; ++i) {
    char c = buffer_[i];
    if (!started_) {
      if (std::isspace(static_cast<unsigned char>(c)) != 0) {
        start = i + 1;
        continue;
      }
      started_ = true;
      start = i;
      depth_ = 0;
    }
    if (inString_) {
      if (escaped_) {
        escaped_ = false;
      } else if (c == '\\') {
        escaped_ = true;
      } else if (c == '"') {
        inString_ = false;
      }
      continue;
    }
    bool done = false;
    if (c == '"') {
      inString_ = true;
    } else if (c == '{' || c == '[') {
      ++depth_;
    } else if (c == '}' || c == ']') {
      done = --depth_ <= 0;
    } else if (depth_ == 0 && (std::isspace(static_cast<unsigned char>(c)) != 0)) {
      // The end of a top-level scalar; the space is not part of it.
      keepGoing = onValue(std::string_view(buffer_).substr(start, i - start));
      started_ = false;
      start = i + 1;
      continue;
    }
    if (done) {
      keepGoing = onValue(std::string_view(buffer_).substr(start, i + 1 - start));
      started_ = false;
      start = i + 1;
    }
  }
  buffer_.erase(0, start);
  scanned_ = i - start;
  return keepGoing;
}

}  // namespace berth::cli
