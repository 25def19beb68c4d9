// Splitting a streamed reply (events, pull progress, build output) into the
// JSON values it carries, whatever the chunk boundaries.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace berth::cli {

// Splits a stream of JSON values (newline-separated or back to back) into whole
// values; feed it the chunks ApiClient::stream delivers.
class JsonStreamSplitter {
 public:
  // Appends `chunk` and hands every complete value's text to `onValue`; stops early
  // and returns false when `onValue` does.
  bool feed(std::string_view chunk, const std::function<bool(std::string_view)>& onValue);
  // Text after the last complete value (a truncated value at end of stream).
  std::string_view pending() const { return buffer_; }

 private:
  std::string buffer_;
  size_t scanned_ = 0;  // bytes of buffer_ already scanned for the current value
  int depth_ = 0;
  bool inString_ = false;
  bool escaped_ = false;
  bool started_ = false;
};

}  // namespace berth::cli
