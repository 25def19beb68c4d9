// docker's pkg/archive copy rules and the tar streams of `cp`, made and
// unpacked with libarchive.
#include <archive.h>
#include <archive_entry.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <memory>
#include <system_error>
#include <vector>

#include "cli/commands/container_cp.h"
#include "common/strings.h"

namespace berth::cli {

namespace {

struct ArchiveReadCloser {
  void operator()(archive* a) const { archive_read_free(a); }
};
struct ArchiveWriteCloser {
  void operator()(archive* a) const { archive_write_free(a); }
};
using ReadArchive = std::unique_ptr<archive, ArchiveReadCloser>;
using WriteArchive = std::unique_ptr<archive, ArchiveWriteCloser>;
struct EntryFree {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};

// Go's syscall error text: strerror with a lower-case first letter.
std::string goErrno(int err) {
  std::string s = std::error_code(err, std::generic_category()).message();
  if (!s.empty()) {
    s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  }
  return s;
}

Error archiveError(archive* a, std::string_view what) {
  const char* msg = archive_error_string(a);
  return internal(fmt::format("{}: {}", what, msg != nullptr ? msg : "unknown error"));
}

// Go's filepath.Clean.
std::string cleanPath(std::string_view path) {
  if (path.empty()) {
    return ".";
  }
  const bool rooted = path[0] == '/';
  std::vector<std::string> parts;
  for (const std::string& p : split(path, '/')) {
    if (p.empty() || p == ".") {
      continue;
    }
    if (p == "..") {
      if (!parts.empty() && parts.back() != "..") {
        parts.pop_back();
      } else if (!rooted) {
        parts.push_back(p);
      }
      continue;
    }
    parts.push_back(p);
  }
  std::string out = (rooted ? "/" : "") + join(parts, "/");
  return out.empty() ? "." : out;
}

bool specifiesCurrentDir(std::string_view path) {
  std::string cleaned = cleanPath(path);
  size_t slash = cleaned.rfind('/');
  std::string base = slash == std::string::npos ? cleaned : cleaned.substr(slash + 1);
  // filepath.Base of the original: "a/." has base "." only before cleaning.
  return path == "." || (path.size() >= 2 && path.substr(path.size() - 2) == "/.") ||
         base == ".";
}

bool hasTrailingSeparator(std::string_view path) { return !path.empty() && path.back() == '/'; }

std::string baseOf(std::string_view path) {
  auto [dir, base] = splitPathDirEntry(path);
  return base;
}

// Renames a leading `oldBase` path component to `newBase`.
std::string rebase(std::string name, const std::string& oldBase, const std::string& newBase) {
  if (oldBase == newBase || oldBase.empty()) {
    return name;
  }
  if (name == oldBase || startsWith(name, oldBase + "/")) {
    return newBase + name.substr(oldBase.size());
  }
  return name;
}

// A path inside the archive, made relative and checked not to climb out.
Result<std::string> safeRelative(std::string_view name) {
  std::string cleaned = cleanPath(name);
  while (startsWith(cleaned, "/")) {
    cleaned.erase(0, 1);
  }
  if (cleaned == ".." || startsWith(cleaned, "../")) {
    return forbidden(fmt::format("{} is outside of the destination directory", name));
  }
  return cleaned.empty() ? std::string(".") : cleaned;
}

la_ssize_t appendToString(archive*, void* client, const void* buf, size_t n) {
  static_cast<std::string*>(client)->append(static_cast<const char*>(buf), n);
  return static_cast<la_ssize_t>(n);
}

int base64Value(char c) {
  if (c >= 'A' && c <= 'Z') {
    return c - 'A';
  }
  if (c >= 'a' && c <= 'z') {
    return c - 'a' + 26;
  }
  if (c >= '0' && c <= '9') {
    return c - '0' + 52;
  }
  if (c == '+' || c == '-') {
    return 62;
  }
  if (c == '/' || c == '_') {
    return 63;
  }
  return -1;
}

}  // namespace

std::pair<std::string, std::string> splitPathDirEntry(std::string_view path) {
  std::string cleaned = cleanPath(path);
  if (path == "." || (path.size() >= 2 && path.substr(path.size() - 2) == "/.")) {
    cleaned += "/.";
  }
  size_t slash = cleaned.rfind('/');
  if (slash == std::string::npos) {
    return {".", cleaned};
  }
  std::string dir = slash == 0 ? "/" : cleaned.substr(0, slash);
  return {dir, cleaned.substr(slash + 1)};
}

Result<CopyPlan> prepareArchiveCopy(const CopyInfo& src, const CopyInfo& dst) {
  auto [dstDir, dstBase] = splitPathDirEntry(dst.path);
  std::string srcBase = baseOf(src.path);
  if (!src.rebaseName.empty()) {
    srcBase = src.rebaseName;
  }
  if (dst.exists && dst.isDir) {
    // Extracted into the directory as it is.
    return CopyPlan{dst.path, srcBase, srcBase};
  }
  if (dst.exists && src.isDir) {
    return invalidArgument("cannot copy directory");
  }
  if (dst.exists || src.isDir) {
    return CopyPlan{dstDir, srcBase, dstBase};
  }
  if (hasTrailingSeparator(dst.path) || specifiesCurrentDir(dst.path)) {
    return notFound("no such directory");
  }
  return CopyPlan{dstDir, srcBase, dstBase};
}

Result<CopyInfo> localSourceInfo(const std::string& path, bool followLink) {
  CopyInfo info;
  char resolved[PATH_MAX];
  if (followLink) {
    if (::realpath(path.c_str(), resolved) == nullptr) {
      return notFound(fmt::format("lstat {}: {}", path, goErrno(errno)));
    }
    info.path = resolved;
    if (specifiesCurrentDir(path)) {
      info.path += "/.";
    } else if (hasTrailingSeparator(path)) {
      info.path += "/";
    }
    if (baseOf(path) != baseOf(info.path)) {
      info.rebaseName = baseOf(path);
    }
  } else {
    size_t slash = path.rfind('/');
    std::string dir = slash == std::string::npos ? "." : path.substr(0, slash + 1);
    std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
    if (::realpath(dir.c_str(), resolved) == nullptr) {
      return notFound(fmt::format("lstat {}: {}", cleanPath(dir), goErrno(errno)));
    }
    info.path = std::string(resolved) + (std::string_view(resolved) == "/" ? "" : "/") + base;
  }
  struct stat st {};
  std::string target = info.path;
  if (::lstat(target.c_str(), &st) != 0) {
    return notFound(fmt::format("lstat {}: {}", cleanPath(target), goErrno(errno)));
  }
  info.exists = true;
  info.isDir = S_ISDIR(st.st_mode);
  return info;
}

Result<CopyInfo> localDestinationInfo(const std::string& path) {
  CopyInfo info;
  info.path = path;
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    info.exists = true;
    info.isDir = S_ISDIR(st.st_mode);
    return info;
  }
  if (errno != ENOENT) {
    return internal(fmt::format("stat {}: {}", path, goErrno(errno)));
  }
  auto [parent, base] = splitPathDirEntry(path);
  if (::stat(parent.c_str(), &st) != 0) {
    return notFound(fmt::format("stat {}: {}", parent, goErrno(errno)));
  }
  if (!S_ISDIR(st.st_mode)) {
    return invalidArgument("not a directory");
  }
  return info;
}

Result<std::string> tarLocalSource(const CopyInfo& src, const std::string& oldBase,
                                   const std::string& newBase) {
  auto [dir, base] = splitPathDirEntry(src.path);
  std::string root = base == "." ? dir : (dir == "/" ? "/" + base : dir + "/" + base);
  std::string first = src.rebaseName.empty() ? base : src.rebaseName;
  first = rebase(first, oldBase, newBase);

  ReadArchive disk(archive_read_disk_new());
  archive_read_disk_set_symlink_physical(disk.get());
  archive_read_disk_set_standard_lookup(disk.get());
  if (archive_read_disk_open(disk.get(), root.c_str()) != ARCHIVE_OK) {
    return archiveError(disk.get(), "read " + root);
  }
  std::string out;
  WriteArchive tar(archive_write_new());
  archive_write_set_format_pax_restricted(tar.get());
  archive_write_set_bytes_in_last_block(tar.get(), 1);
  if (archive_write_open(tar.get(), &out, nullptr, appendToString, nullptr) != ARCHIVE_OK) {
    return archiveError(tar.get(), "tar");
  }
  std::unique_ptr<archive_entry, EntryFree> entry(archive_entry_new());
  std::vector<char> buf(size_t{64} * 1024);
  while (true) {
    archive_entry_clear(entry.get());
    int rc = archive_read_next_header2(disk.get(), entry.get());
    if (rc == ARCHIVE_EOF) {
      break;
    }
    if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) {
      return archiveError(disk.get(), "read " + root);
    }
    archive_read_disk_descend(disk.get());
    std::string path = archive_entry_pathname(entry.get());
    std::string relative = path.size() > root.size() ? path.substr(root.size()) : "";
    archive_entry_set_pathname(entry.get(), (first + relative).c_str());
    if (archive_write_header(tar.get(), entry.get()) != ARCHIVE_OK) {
      return archiveError(tar.get(), "tar " + path);
    }
    if (archive_entry_filetype(entry.get()) == AE_IFREG && archive_entry_size(entry.get()) > 0) {
      la_ssize_t n;
      while ((n = archive_read_data(disk.get(), buf.data(), buf.size())) > 0) {
        if (archive_write_data(tar.get(), buf.data(), static_cast<size_t>(n)) < 0) {
          return archiveError(tar.get(), "tar " + path);
        }
      }
      if (n < 0) {
        return archiveError(disk.get(), "read " + path);
      }
    }
  }
  if (archive_write_close(tar.get()) != ARCHIVE_OK) {
    return archiveError(tar.get(), "tar");
  }
  return out;
}

Result<int64_t> extractTar(int fd, const std::string& dstDir, const std::string& oldBase,
                           const std::string& newBase) {
  char resolved[PATH_MAX];
  if (::realpath(dstDir.c_str(), resolved) == nullptr) {
    return notFound(fmt::format("stat {}: {}", dstDir, goErrno(errno)));
  }
  // Resolved once, so that the symlink checks below only look inside the archive.
  const std::string root = resolved;
  ReadArchive in(archive_read_new());
  archive_read_support_format_tar(in.get());
  archive_read_support_format_gnutar(in.get());
  if (archive_read_open_fd(in.get(), fd, 64 * 1024) != ARCHIVE_OK) {
    return archiveError(in.get(), "read archive");
  }
  WriteArchive out(archive_write_disk_new());
  archive_write_disk_set_options(out.get(), ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM |
                                                ARCHIVE_EXTRACT_SECURE_SYMLINKS |
                                                ARCHIVE_EXTRACT_SECURE_NODOTDOT);
  int64_t written = 0;
  archive_entry* entry = nullptr;
  while (true) {
    int rc = archive_read_next_header(in.get(), &entry);
    if (rc == ARCHIVE_EOF) {
      break;
    }
    if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) {
      return archiveError(in.get(), "read archive");
    }
    std::string name = archive_entry_pathname(entry);
    BERTH_ASSIGN_OR_RETURN(std::string rel, safeRelative(rebase(name, oldBase, newBase)));
    std::string target = rel == "." ? root : root + "/" + rel;
    const bool entryIsDir = archive_entry_filetype(entry) == AE_IFDIR;
    struct stat existing {};
    if (::lstat(target.c_str(), &existing) == 0) {
      // NoOverwriteDirNonDir, as docker's CopyTo extracts.
      if (S_ISDIR(existing.st_mode) && !entryIsDir) {
        return conflict(fmt::format("cannot overwrite directory \"{}\" with non-directory \"{}\"",
                                    target, name));
      }
      if (!S_ISDIR(existing.st_mode) && entryIsDir) {
        return conflict(fmt::format("cannot overwrite non-directory \"{}\" with directory \"{}\"",
                                    target, name));
      }
    }
    archive_entry_set_pathname(entry, target.c_str());
    if (const char* link = archive_entry_hardlink(entry); link != nullptr) {
      BERTH_ASSIGN_OR_RETURN(std::string linkRel, safeRelative(rebase(link, oldBase, newBase)));
      archive_entry_set_hardlink(entry, (root + "/" + linkRel).c_str());
    }
    if (archive_write_header(out.get(), entry) != ARCHIVE_OK) {
      return archiveError(out.get(), "extract " + name);
    }
    const void* block = nullptr;
    size_t size = 0;
    la_int64_t offset = 0;
    while ((rc = archive_read_data_block(in.get(), &block, &size, &offset)) == ARCHIVE_OK) {
      if (archive_write_data_block(out.get(), block, size, offset) != ARCHIVE_OK) {
        return archiveError(out.get(), "extract " + name);
      }
      written += static_cast<int64_t>(size);
    }
    if (rc != ARCHIVE_EOF) {
      return archiveError(in.get(), "read " + name);
    }
    if (archive_write_finish_entry(out.get()) != ARCHIVE_OK) {
      return archiveError(out.get(), "extract " + name);
    }
  }
  if (archive_write_close(out.get()) != ARCHIVE_OK) {
    return archiveError(out.get(), "extract");
  }
  return written;
}

bool ContainerPathStat::isRegularOrDir() const {
  constexpr uint32_t kDevice = 1U << 26;
  constexpr uint32_t kIrregular = 1U << 19;
  return (mode & (kDevice | kIrregular)) == 0;
}

Result<ContainerPathStat> decodePathStat(std::string_view header) {
  std::string decoded;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : header) {
    if (c == '=' || c == '\r' || c == '\n') {
      continue;
    }
    int v = base64Value(c);
    if (v < 0) {
      return internal("unable to decode container path stat header");
    }
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      decoded += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  auto j = nlohmann::json::parse(decoded, nullptr, false);
  if (!j.is_object()) {
    return internal("unable to decode container path stat header");
  }
  ContainerPathStat st;
  st.name = j.value("name", "");
  st.size = j.value("size", int64_t{0});
  st.mode = j.value("mode", uint32_t{0});
  st.linkTarget = j.value("linkTarget", "");
  return st;
}

}  // namespace berth::cli
