// The daemon's claim on its data root (one berthd per data root), its pid
// file, and the persistent engine id.
#pragma once

#include <string>

#include "common/result.h"

namespace berth::daemon {

// Holds an exclusive flock on <dataRoot>/berthd.lock for the daemon's life.
class DataRootLock {
 public:
  // Fails with a message naming the running daemon's pid when the root is taken.
  static Result<DataRootLock> acquire(const std::string& dataRoot);
  DataRootLock(DataRootLock&& other) noexcept;
  DataRootLock& operator=(DataRootLock&&) = delete;
  DataRootLock(const DataRootLock&) = delete;
  ~DataRootLock();

 private:
  explicit DataRootLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

// Writes the pid file; removes it on destruction.
class PidFile {
 public:
  static Result<PidFile> create(const std::string& path);
  PidFile(PidFile&& other) noexcept;
  PidFile& operator=(PidFile&&) = delete;
  PidFile(const PidFile&) = delete;
  ~PidFile();

 private:
  explicit PidFile(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

// Creates a directory and its parents with `mode` for the last component.
Status makeDirs(const std::string& path, unsigned mode);

// Reads <dataRoot>/engine-id, creating it (random id) the first time.
Result<std::string> loadEngineId(const std::string& dataRoot);

}  // namespace berth::daemon
