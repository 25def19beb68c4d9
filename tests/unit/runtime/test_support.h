// Helpers for the runtime tests: temporary directories, small files, and the
// private mount namespace that privileged tests run in.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace berth::testsupport {

// A fresh directory under /tmp, removed (recursively, without crossing
// mounts) when the object goes away.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& rel) const { return path_ + "/" + rel; }

 private:
  std::string path_;
};

// Writes `content` to `path`, creating parent directories.
void writeFile(const std::string& path, const std::string& content, mode_t mode = 0644);
std::string readFileOrEmpty(const std::string& path);


// Lines of /proc/self/mountinfo whose mount point is at or below `prefix`.
std::vector<std::string> mountsUnder(const std::string& prefix);

}  // namespace berth::testsupport
