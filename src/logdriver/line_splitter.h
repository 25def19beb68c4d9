// Cuts a stream of output into log messages the way dockerd's copier does:
// one per '\n'-terminated line, a piece of 16 KiB when a line grows past that,
// and what is left (without a newline) when the stream ends.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace berth {

class LineSplitter {
 public:
  static constexpr size_t kMaxLine = size_t{16} * 1024;
  using Emit = std::function<void(std::string_view line)>;

  // Consumes `data`; calls `emit` for each line (with its '\n') or 16 KiB piece.
  void feed(std::string_view data, const Emit& emit);
  // End of stream: emits the pending partial line, if any.
  void finish(const Emit& emit);

  size_t pendingBytes() const { return pending_.size(); }

 private:
  std::string pending_;
};

}  // namespace berth
