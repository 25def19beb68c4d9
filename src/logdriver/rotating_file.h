// An append-only log file rotated like dockerd's loggerutils.LogFile: once the
// file holds max-size bytes, the next write first shifts file.N-1 → file.N …
// file → file.1 and starts an empty file (with max-file 1 the file is truncated).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "kernel/unique_fd.h"
#include "logdriver/log_options.h"

namespace berth {

class RotatingFile {
 public:
  // Opens (creating, mode 0640) `path` for appending; existing content counts
  // towards max-size, so a restarted writer continues the same file.
  static Result<RotatingFile> open(std::string path, FileLogOptions limits);

  // Writes one record with one write(2), so readers never see half of one
  // (they may see a prefix while the call is in progress and wait for the rest).
  Status append(std::string_view record);

  const std::string& path() const { return path_; }

 private:
  RotatingFile(std::string path, FileLogOptions limits, UniqueFd fd, int64_t size)
      : path_(std::move(path)), limits_(limits), fd_(std::move(fd)), size_(size) {}
  Status rotate();

  std::string path_;
  FileLogOptions limits_;
  UniqueFd fd_;
  int64_t size_ = 0;
};

// The names of a log's files, oldest first: path.N … path.1, path (those that exist).
std::vector<std::string> rotatedLogFiles(const std::string& path);

}  // namespace berth
