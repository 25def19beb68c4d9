#include "container/path_archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <memory>
#include <thread>

namespace berth::container {

uint32_t goFileMode(uint32_t m) {
  uint32_t mode = m & 0777;
  if (S_ISDIR(m)) {
    mode |= 1U << 31;
  } else if (S_ISLNK(m)) {
    mode |= 1U << 27;
  } else if (S_ISBLK(m)) {
    mode |= 1U << 26;
  } else if (S_ISCHR(m)) {
    mode |= (1U << 26) | (1U << 21);
  } else if (S_ISFIFO(m)) {
    mode |= 1U << 25;
  } else if (S_ISSOCK(m)) {
    mode |= 1U << 24;
  }
  if ((m & S_ISUID) != 0) {
    mode |= 1U << 23;
  }
  if ((m & S_ISGID) != 0) {
    mode |= 1U << 22;
  }
  if ((m & S_ISVTX) != 0) {
    mode |= 1U << 20;
  }
  return mode;
}

Status runInRoot(const std::string& root, const std::function<Status()>& fn) {
  Status result = okStatus();
  std::thread t([&] {
    // Only this thread's root and cwd change; it ends with the work.
    if (::unshare(CLONE_FS) != 0) {
      result = systemError("unshare(CLONE_FS)", errno);
      return;
    }
    if (::chroot(root.c_str()) != 0) {
      result = systemError("chroot " + root, errno);
      return;
    }
    if (::chdir("/") != 0) {
      result = systemError("chdir /", errno);
      return;
    }
    try {
      result = fn();
    } catch (const std::exception& e) {
      result = internal(std::string("archive: ") + e.what());
    }
  });
  t.join();
  return result;
}

namespace {

std::string cleanPath(const std::string& p) {
  std::string out;
  std::vector<std::string> parts;
  size_t i = 0;
  while (i <= p.size()) {
    size_t j = p.find('/', i);
    if (j == std::string::npos) {
      j = p.size();
    }
    std::string seg = p.substr(i, j - i);
    if (seg == "..") {
      if (!parts.empty()) {
        parts.pop_back();
      }
    } else if (!seg.empty() && seg != ".") {
      parts.push_back(seg);
    }
    i = j + 1;
  }
  for (const auto& s : parts) {
    out += "/" + s;
  }
  return out.empty() ? "/" : out;
}

// Parent resolved (realpath inside the chroot), last element kept as given.
Result<std::string> resolveParent(const std::string& path) {
  std::string clean = cleanPath(path);
  if (clean == "/") {
    return clean;
  }
  size_t slash = clean.rfind('/');
  std::string parent = slash == 0 ? "/" : clean.substr(0, slash);
  std::string base = clean.substr(slash + 1);
  char buf[PATH_MAX];
  if (::realpath(parent.c_str(), buf) == nullptr) {
    return systemError("resolve " + parent, errno);
  }
  std::string rp = buf;
  return (rp == "/" ? "" : rp) + "/" + base;
}

std::string baseName(const std::string& path) {
  // Go's filepath.Base after Clean, but "/dir/." keeps its "." (copy the contents).
  if (path.size() >= 2 && path.compare(path.size() - 2, 2, "/.") == 0) {
    return ".";
  }
  std::string c = cleanPath(path);
  return c == "/" ? "/" : c.substr(c.rfind('/') + 1);
}

Error notFoundPath(const std::string& path) {
  return notFound("Could not find the file " + path + " in container");
}

}  // namespace

Result<PathStat> statInRoot(const std::string& root, const std::string& path) {
  PathStat out;
  Status st = runInRoot(root, [&]() -> Status {
    auto resolved = resolveParent(path);
    if (!resolved.ok()) {
      return notFoundPath(path);
    }
    struct stat sb {};
    if (::lstat(resolved->c_str(), &sb) != 0) {
      return errno == ENOENT || errno == ENOTDIR ? Status(notFoundPath(path))
                                                 : Status(systemError("lstat " + path, errno));
    }
    out.name = baseName(path);
    out.size = sb.st_size;
    out.mode = goFileMode(sb.st_mode);
    out.mtimeNano = static_cast<int64_t>(sb.st_mtim.tv_sec) * 1000000000 + sb.st_mtim.tv_nsec;
    if (S_ISLNK(sb.st_mode)) {
      char buf[PATH_MAX];
      if (::realpath(resolved->c_str(), buf) != nullptr) {
        out.linkTarget = buf;
      }
    }
    return okStatus();
  });
  if (!st.ok()) {
    return Unexpected(std::move(st).error());
  }
  return out;
}

namespace {

struct WriteCtx {
  const std::function<bool(std::string_view)>* write;
  bool stopped = false;
};

la_ssize_t writeCallback(struct archive*, void* data, const void* buf, size_t n) {
  auto* ctx = static_cast<WriteCtx*>(data);
  if (!(*ctx->write)(std::string_view(static_cast<const char*>(buf), n))) {
    ctx->stopped = true;
    return -1;
  }
  return static_cast<la_ssize_t>(n);
}

using ArchivePtr = std::unique_ptr<struct archive, int (*)(struct archive*)>;

Error archiveError(struct archive* a, const std::string& what) {
  const char* msg = archive_error_string(a);
  return internal(what + ": " + (msg != nullptr ? msg : "unknown error"));
}

}  // namespace

Status tarInRoot(const std::string& root, const std::string& path,
                 const std::function<bool(std::string_view)>& write) {
  return runInRoot(root, [&]() -> Status {
    BERTH_ASSIGN_OR_RETURN(std::string resolved, resolveParent(path));
    struct stat sb {};
    if (::lstat(resolved.c_str(), &sb) != 0) {
      return notFoundPath(path);
    }
    std::string base = baseName(path);
    WriteCtx ctx{&write};
    ArchivePtr out(archive_write_new(), archive_write_free);
    archive_write_set_format_pax_restricted(out.get());
    archive_write_set_bytes_in_last_block(out.get(), 1);
    if (archive_write_open(out.get(), &ctx, nullptr, writeCallback, nullptr) != ARCHIVE_OK) {
      return archiveError(out.get(), "tar");
    }
    ArchivePtr disk(archive_read_disk_new(), archive_read_free);
    archive_read_disk_set_symlink_physical(disk.get());
    // Numeric owners only: name lookups would run NSS inside the container's root.
    if (archive_read_disk_open(disk.get(), resolved.c_str()) != ARCHIVE_OK) {
      return archiveError(disk.get(), "read " + path);
    }
    std::string prefix = resolved;
    while (true) {
      struct archive_entry* entry = archive_entry_new();
      int r = archive_read_next_header2(disk.get(), entry);
      if (r == ARCHIVE_EOF) {
        archive_entry_free(entry);
        break;
      }
      if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
        archive_entry_free(entry);
        return archiveError(disk.get(), "read " + path);
      }
      archive_read_disk_descend(disk.get());
      std::string name = archive_entry_pathname(entry);
      std::string rel = name.size() > prefix.size() ? name.substr(prefix.size()) : "";
      archive_entry_set_pathname(entry, (base + rel).c_str());
      archive_entry_set_uname(entry, nullptr);
      archive_entry_set_gname(entry, nullptr);
      if (archive_write_header(out.get(), entry) < ARCHIVE_WARN) {
        archive_entry_free(entry);
        return ctx.stopped ? okStatus() : Status(archiveError(out.get(), "tar"));
      }
      if (archive_entry_filetype(entry) == AE_IFREG && archive_entry_size(entry) > 0) {
        const char* src = archive_entry_sourcepath(entry);
        FILE* f = std::fopen(src != nullptr ? src : name.c_str(), "rb");
        if (f != nullptr) {
          char buf[64 * 1024];
          size_t n = 0;
          while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) {
            if (archive_write_data(out.get(), buf, n) < 0) {
              break;
            }
          }
          std::fclose(f);
        }
      }
      archive_entry_free(entry);
      if (ctx.stopped) {
        return okStatus();
      }
    }
    if (archive_write_close(out.get()) != ARCHIVE_OK && !ctx.stopped) {
      return archiveError(out.get(), "tar");
    }
    return okStatus();
  });
}

Status untarInRoot(const std::string& root, const std::string& dir, std::string_view tar,
                   const ExtractOptions& opts) {
  return runInRoot(root, [&]() -> Status {
    BERTH_ASSIGN_OR_RETURN(std::string resolved, resolveParent(dir));
    char real[PATH_MAX];
    if (::realpath(resolved.c_str(), real) == nullptr) {
      return notFoundPath(dir);
    }
    struct stat sb {};
    if (::stat(real, &sb) != 0) {
      return notFoundPath(dir);
    }
    if (!S_ISDIR(sb.st_mode)) {
      return invalidArgument("extraction point is not a directory");
    }
    if (::chdir(real) != 0) {
      return systemError("chdir " + dir, errno);
    }
    ArchivePtr in(archive_read_new(), archive_read_free);
    archive_read_support_format_tar(in.get());
    archive_read_support_filter_all(in.get());
    if (archive_read_open_memory(in.get(), tar.data(), tar.size()) != ARCHIVE_OK) {
      return invalidArgument("invalid tar archive: " + std::string(archive_error_string(in.get())));
    }
    int flags = ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_XATTR |
                ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
                ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS | ARCHIVE_EXTRACT_UNLINK;
    if (opts.copyUidGid) {
      flags |= ARCHIVE_EXTRACT_OWNER;
    }
    ArchivePtr disk(archive_write_disk_new(), archive_write_free);
    archive_write_disk_set_options(disk.get(), flags);
    while (true) {
      struct archive_entry* entry = nullptr;
      int r = archive_read_next_header(in.get(), &entry);
      if (r == ARCHIVE_EOF) {
        break;
      }
      if (r < ARCHIVE_WARN) {
        return invalidArgument("invalid tar archive: " +
                               std::string(archive_error_string(in.get())));
      }
      std::string name = archive_entry_pathname(entry);
      if (opts.noOverwriteDirNonDir) {
        struct stat existing {};
        if (::lstat(name.c_str(), &existing) == 0) {
          bool entryDir = archive_entry_filetype(entry) == AE_IFDIR;
          if (S_ISDIR(existing.st_mode) && !entryDir) {
            return invalidArgument("cannot overwrite directory \"" + name +
                                   "\" with non-directory \"" + name + "\"");
          }
          if (!S_ISDIR(existing.st_mode) && entryDir) {
            return invalidArgument("cannot overwrite non-directory \"" + name +
                                   "\" with directory \"" + name + "\"");
          }
        }
      }
      if (archive_write_header(disk.get(), entry) < ARCHIVE_WARN) {
        return invalidArgument("extract " + name + ": " +
                               std::string(archive_error_string(disk.get())));
      }
      const void* buf = nullptr;
      size_t size = 0;
      la_int64_t offset = 0;
      while ((r = archive_read_data_block(in.get(), &buf, &size, &offset)) == ARCHIVE_OK) {
        if (archive_write_data_block(disk.get(), buf, size, offset) < ARCHIVE_WARN) {
          return archiveError(disk.get(), "extract " + name);
        }
      }
      if (r < ARCHIVE_WARN) {
        return invalidArgument("invalid tar archive: " +
                               std::string(archive_error_string(in.get())));
      }
      archive_write_finish_entry(disk.get());
    }
    if (archive_write_close(disk.get()) != ARCHIVE_OK) {
      return archiveError(disk.get(), "extract");
    }
    return okStatus();
  });
}

}  // namespace berth::container
