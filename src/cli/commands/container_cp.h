// `cp` between the local filesystem and a container: docker's archive
// package semantics (where a copy lands, how its entries are renamed) and the
// tar streams made and unpacked with libarchive.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace berth::cli {

// archive.CopyInfo: what is known about one end of a copy.
struct CopyInfo {
  std::string path;
  bool exists = false;
  bool isDir = false;
  std::string rebaseName;  // the name the source goes by (a followed symlink's own name)
};

// archive.PrepareArchiveCopy: the directory to extract into and how the
// archive's first path component must be renamed (oldBase -> newBase; equal
// when nothing changes). Errors: "cannot copy directory", "no such directory".
struct CopyPlan {
  std::string dstDir;
  std::string oldBase;
  std::string newBase;
};
Result<CopyPlan> prepareArchiveCopy(const CopyInfo& src, const CopyInfo& dst);

// archive.SplitPathDirEntry: "/a/b/" -> {"/a", "b"}; "/a/b/." -> {"/a/b", "."}.
std::pair<std::string, std::string> splitPathDirEntry(std::string_view path);

// archive.CopyInfoSourcePath for a local path (lstat, or stat with followLink).
Result<CopyInfo> localSourceInfo(const std::string& path, bool followLink);
// archive.CopyInfoDestinationPath: the path need not exist, its parent must.
Result<CopyInfo> localDestinationInfo(const std::string& path);

// A tar of `src` whose entries start with the source's base name (or `newBase`
// when it is given and differs from `oldBase`). Symlinks are archived as links.
Result<std::string> tarLocalSource(const CopyInfo& src, const std::string& oldBase,
                                   const std::string& newBase);

// Reads a tar from `fd` and unpacks it under `dstDir`, renaming a leading
// `oldBase` component to `newBase`. Entries that would land outside `dstDir`
// (absolute, "..", through a symlink) are refused. No chown, as docker's CopyTo.
// Returns the number of content bytes written.
Result<int64_t> extractTar(int fd, const std::string& dstDir, const std::string& oldBase,
                           const std::string& newBase);

// X-Docker-Container-Path-Stat: base64 of {"name","size","mode","mtime","linkTarget"},
// `mode` in Go's os.FileMode bits.
struct ContainerPathStat {
  std::string name;
  int64_t size = 0;
  uint32_t mode = 0;
  std::string linkTarget;
  bool isDir() const { return (mode & (1U << 31)) != 0; }
  bool isSymlink() const { return (mode & (1U << 27)) != 0; }
  bool isRegularOrDir() const;
};
Result<ContainerPathStat> decodePathStat(std::string_view header);

}  // namespace berth::cli
