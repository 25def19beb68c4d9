// Internal to logdriver/: how the reader finds records in a json-file or local file.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "logdriver/log_entry.h"

namespace berth {

class LogCodec {
 public:
  virtual ~LogCodec() = default;
  // Decodes the complete records at the front of `data` into `out` and returns
  // how many bytes they took; an incomplete record at the end stays unread.
  // Malformed records are skipped.
  virtual size_t decode(std::string_view data, std::vector<LogEntry>& out) = 0;

  struct TailStart {
    int64_t offset = 0;  // where the last `found` records of the file begin
    int found = 0;       // at most the `n` asked for
  };
  // Finds the last `n` complete records of the first `size` bytes of `fd`
  // without reading the whole file.
  virtual Result<TailStart> tailStart(int fd, int64_t size, int n) = 0;
};

std::unique_ptr<LogCodec> makeJsonFileCodec();
std::unique_ptr<LogCodec> makeLocalCodec();

}  // namespace berth
