// Builds tar archives in memory for the image tests, with libarchive.
#pragma once

#include <archive.h>
#include <archive_entry.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "../../lib/temp_dir.h"
#include "image/archive_io.h"

namespace berth::image::testing {

struct TarEntry {
  std::string path;
  char type = 'f';  // f file, d dir, l symlink, h hardlink, c char device
  std::string data;
  unsigned mode = 0644;
  std::string link;  // symlink target / hardlink target
  int64_t uid = 0;
  int64_t gid = 0;
  std::map<std::string, std::string> xattrs;
  int64_t mtime = 1000000000;
  unsigned rdevMajor = 0;
  unsigned rdevMinor = 0;
};

inline TarEntry file(std::string path, std::string data, unsigned mode = 0644) {
  TarEntry e;
  e.path = std::move(path);
  e.data = std::move(data);
  e.mode = mode;
  return e;
}

inline TarEntry dir(std::string path, unsigned mode = 0755) {
  TarEntry e;
  e.path = std::move(path);
  e.type = 'd';
  e.mode = mode;
  return e;
}

inline TarEntry symlink(std::string path, std::string target) {
  TarEntry e;
  e.path = std::move(path);
  e.type = 'l';
  e.link = std::move(target);
  e.mode = 0777;
  return e;
}

inline TarEntry hardlink(std::string path, std::string target) {
  TarEntry e;
  e.path = std::move(path);
  e.type = 'h';
  e.link = std::move(target);
  return e;
}

inline std::string makeTar(const std::vector<TarEntry>& entries) {
  std::string out;
  ArchiveWriter w([&out](std::string_view d) {
    out.append(d);
    return okStatus();
  });
  EXPECT_TRUE(w.open(ArchiveWriter::Format::kPaxTar).ok());
  for (const auto& t : entries) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, t.path.c_str());
    archive_entry_set_perm(e, t.mode);
    archive_entry_set_uid(e, t.uid);
    archive_entry_set_gid(e, t.gid);
    archive_entry_set_mtime(e, t.mtime, 0);
    for (const auto& [k, v] : t.xattrs) {
      archive_entry_xattr_add_entry(e, k.c_str(), v.data(), v.size());
    }
    switch (t.type) {
      case 'd':
        archive_entry_set_filetype(e, AE_IFDIR);
        break;
      case 'l':
        archive_entry_set_filetype(e, AE_IFLNK);
        archive_entry_set_symlink(e, t.link.c_str());
        break;
      case 'h':
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_hardlink(e, t.link.c_str());
        archive_entry_set_size(e, 0);
        break;
      case 'c':
        archive_entry_set_filetype(e, AE_IFCHR);
        archive_entry_set_rdevmajor(e, t.rdevMajor);
        archive_entry_set_rdevminor(e, t.rdevMinor);
        break;
      default:
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_size(e, static_cast<la_int64_t>(t.data.size()));
    }
    EXPECT_TRUE(w.writeHeader(e).ok()) << t.path;
    archive_entry_free(e);
    if (t.type == 'f') {
      EXPECT_TRUE(w.writeData(t.data).ok());
    }
  }
  EXPECT_TRUE(w.close().ok());
  return out;
}

inline std::string gzip(std::string_view data) {
  std::string out;
  ArchiveWriter w([&out](std::string_view d) {
    out.append(d);
    return okStatus();
  });
  EXPECT_TRUE(w.open(ArchiveWriter::Format::kGzipRaw).ok());
  archive_entry* e = archive_entry_new();
  archive_entry_set_pathname(e, "data");
  archive_entry_set_filetype(e, AE_IFREG);
  EXPECT_TRUE(w.writeHeader(e).ok());
  archive_entry_free(e);
  EXPECT_TRUE(w.writeData(data).ok());
  EXPECT_TRUE(w.close().ok());
  return out;
}

// `data` compressed with libarchive's filter `filter` ("xz", "bzip2", "zstd").
inline std::string compress(std::string_view data, const char* filter) {
  std::string out;
  struct archive* a = archive_write_new();
  archive_write_add_filter_by_name(a, filter);
  archive_write_set_format_raw(a);
  archive_write_set_bytes_in_last_block(a, 1);
  archive_write_open2(
      a, &out, nullptr,
      [](struct archive*, void* self, const void* buf, size_t n) -> la_ssize_t {
        static_cast<std::string*>(self)->append(static_cast<const char*>(buf), n);
        return static_cast<la_ssize_t>(n);
      },
      nullptr, nullptr);
  archive_entry* e = archive_entry_new();
  archive_entry_set_pathname(e, "data");
  archive_entry_set_filetype(e, AE_IFREG);
  archive_write_header(a, e);
  archive_entry_free(e);
  archive_write_data(a, data.data(), data.size());
  archive_write_close(a);
  archive_write_free(a);
  return out;
}

// Every regular file of a tar, by path (for reading archives the code wrote).
inline std::map<std::string, std::string> readTar(std::string_view tar) {
  std::map<std::string, std::string> out;
  MemorySource src(tar);
  ArchiveReader r(src, ArchiveReader::Mode::kTar);
  EXPECT_TRUE(r.open("test").ok());
  while (true) {
    auto e = r.next();
    EXPECT_TRUE(e.ok());
    if (!e.ok() || *e == nullptr) {
      break;
    }
    if (archive_entry_filetype(*e) != AE_IFREG) {
      continue;
    }
    std::string data;
    char buf[65536];
    while (true) {
      auto got = r.read(buf, sizeof buf);
      EXPECT_TRUE(got.ok());
      if (!got.ok() || *got == 0) {
        break;
      }
      data.append(buf, *got);
    }
    out[archive_entry_pathname(*e)] = data;
  }
  return out;
}

using ::berth::testlib::TempDir;

}  // namespace berth::image::testing
