#include "test_support.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "common/strings.h"
#include "runtime/fs_util.h"

namespace berth::testsupport {

void writeFile(const std::string& path, const std::string& content, mode_t mode) {
  auto slash = path.find_last_of('/');
  if (slash != std::string::npos && slash > 0) {
    (void)makeDirs(path.substr(0, slash), 0755);
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  out.close();
  ::chmod(path.c_str(), mode);
}

std::string readFileOrEmpty(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> mountsUnder(const std::string& prefix) {
  std::vector<std::string> out;
  for (const auto& line : split(readFileOrEmpty("/proc/self/mountinfo"), '\n')) {
    auto fields = split(line, ' ');
    if (fields.size() > 4) {
      const std::string& mp = fields[4];
      if (mp == prefix || startsWith(mp, prefix + "/")) {
        out.push_back(line);
      }
    }
  }
  return out;
}

}  // namespace berth::testsupport
