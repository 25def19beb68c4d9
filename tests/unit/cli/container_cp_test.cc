// cp's copy rules and its tar round trip (made from a directory, unpacked
// under another name), with an archive that tries to climb out refused.
#include "cli/commands/container_cp.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "test_server.h"

namespace berth::cli {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Feeds `data` to extractTar through a pipe, as cp does with the daemon's stream.
Result<int64_t> extractString(const std::string& data, const std::string& dst,
                              const std::string& oldBase, const std::string& newBase) {
  int p[2];
  if (::pipe(p) != 0) {
    return systemError("pipe", errno);
  }
  std::thread writer([&] {
    size_t off = 0;
    while (off < data.size()) {
      ssize_t n = ::write(p[1], data.data() + off, data.size() - off);
      if (n <= 0) {
        break;
      }
      off += static_cast<size_t>(n);
    }
    ::close(p[1]);
  });
  auto r = extractTar(p[0], dst, oldBase, newBase);
  ::close(p[0]);
  writer.join();
  return r;
}

TEST(CpPathTest, SplitPathDirEntryLikeDocker) {
  EXPECT_EQ(splitPathDirEntry("/a/b"), std::make_pair(std::string("/a"), std::string("b")));
  EXPECT_EQ(splitPathDirEntry("/a/b/"), std::make_pair(std::string("/a"), std::string("b")));
  EXPECT_EQ(splitPathDirEntry("/a/b/."), std::make_pair(std::string("/a/b"), std::string(".")));
  EXPECT_EQ(splitPathDirEntry("/a"), std::make_pair(std::string("/"), std::string("a")));
  EXPECT_EQ(splitPathDirEntry("x"), std::make_pair(std::string("."), std::string("x")));
}

TEST(CpPathTest, PrepareArchiveCopyDecidesWhereAndUnderWhatName) {
  CopyInfo dir{"/src/d", true, true, ""};
  CopyInfo file{"/src/a.txt", true, false, ""};
  // Into an existing directory: unchanged.
  auto p = prepareArchiveCopy(dir, CopyInfo{"/dst", true, true, ""});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->dstDir, "/dst");
  EXPECT_EQ(p->oldBase, p->newBase);
  // A directory to a new path: extracted into the parent under the new name.
  p = prepareArchiveCopy(dir, CopyInfo{"/dst/new", false, false, ""});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->dstDir, "/dst");
  EXPECT_EQ(p->oldBase, "d");
  EXPECT_EQ(p->newBase, "new");
  // A file over an existing file takes its name; a followed link keeps its own.
  p = prepareArchiveCopy(CopyInfo{"/src/target", true, false, "link"},
                         CopyInfo{"/dst/f", true, false, ""});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->oldBase, "link");
  EXPECT_EQ(p->newBase, "f");
  EXPECT_EQ(prepareArchiveCopy(dir, CopyInfo{"/dst/f", true, false, ""}).error().message(),
            "cannot copy directory");
  EXPECT_EQ(prepareArchiveCopy(file, CopyInfo{"/dst/nodir/", false, false, ""}).error().message(),
            "no such directory");
}

TEST(CpTarTest, RoundTripUnderANewName) {
  TempDir tmp;
  const std::string src = tmp.path() + "/src";
  fs::create_directories(src + "/d/sub");
  std::ofstream(src + "/d/a.txt") << "hello";
  std::ofstream(src + "/d/sub/b.txt") << "world";
  fs::create_symlink("a.txt", src + "/d/link");
  ::chmod((src + "/d/a.txt").c_str(), 0640);
  const std::string dst = tmp.path() + "/dst";
  fs::create_directories(dst);

  auto info = localSourceInfo(src + "/d", false);
  ASSERT_TRUE(info.ok()) << info.error().message();
  EXPECT_TRUE(info->isDir);
  auto plan = prepareArchiveCopy(*info, CopyInfo{dst + "/copy", false, false, ""});
  ASSERT_TRUE(plan.ok());
  auto tar = tarLocalSource(*info, plan->oldBase, plan->newBase);
  ASSERT_TRUE(tar.ok()) << tar.error().message();

  // As the daemon would send it back: entries named "copy/...", unpacked as "again/...".
  auto written = extractString(*tar, dst, "copy", "again");
  ASSERT_TRUE(written.ok()) << written.error().message();
  EXPECT_EQ(*written, 10);
  EXPECT_EQ(slurp(dst + "/again/a.txt"), "hello");
  EXPECT_EQ(slurp(dst + "/again/sub/b.txt"), "world");
  EXPECT_EQ(fs::read_symlink(dst + "/again/link"), "a.txt");
  struct stat st {};
  ASSERT_EQ(::stat((dst + "/again/a.txt").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);

  // Unpacking again over what is there is fine; a file where a directory is, is not.
  ASSERT_TRUE(extractString(*tar, dst, "copy", "again").ok());
  std::ofstream(dst + "/clash") << "x";
  auto clash = extractString(*tar, dst, "copy", "clash");
  ASSERT_FALSE(clash.ok());
  EXPECT_NE(clash.error().message().find("cannot overwrite non-directory"), std::string::npos);
}

TEST(CpTarTest, ContentsOfADirectoryWithSlashDot) {
  TempDir tmp;
  fs::create_directories(tmp.path() + "/d");
  std::ofstream(tmp.path() + "/d/x") << "1";
  auto info = localSourceInfo(tmp.path() + "/d/.", false);
  ASSERT_TRUE(info.ok()) << info.error().message();
  auto tar = tarLocalSource(*info, ".", ".");
  ASSERT_TRUE(tar.ok());
  fs::create_directories(tmp.path() + "/out");
  ASSERT_TRUE(extractString(*tar, tmp.path() + "/out", ".", ".").ok());
  EXPECT_EQ(slurp(tmp.path() + "/out/x"), "1");
}

std::string tarWith(const std::string& name, const std::string& content) {
  std::string out;
  archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  archive_write_open(
      a, &out, nullptr,
      [](archive*, void* client, const void* buf, size_t n) -> la_ssize_t {
        static_cast<std::string*>(client)->append(static_cast<const char*>(buf), n);
        return static_cast<la_ssize_t>(n);
      },
      nullptr);
  archive_entry* e = archive_entry_new();
  archive_entry_set_pathname(e, name.c_str());
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_perm(e, 0644);
  archive_entry_set_size(e, static_cast<la_int64_t>(content.size()));
  archive_write_header(a, e);
  archive_write_data(a, content.data(), content.size());
  archive_entry_free(e);
  archive_write_close(a);
  archive_write_free(a);
  return out;
}

TEST(CpTarTest, RefusesEntriesOutsideTheDestination) {
  TempDir tmp;
  fs::create_directories(tmp.path() + "/dst");
  auto r = extractString(tarWith("../escaped", "x"), tmp.path() + "/dst", "a", "a");
  ASSERT_FALSE(r.ok());
  EXPECT_FALSE(fs::exists(tmp.path() + "/escaped"));
  // An absolute name lands inside the destination, not at the root.
  auto abs = extractString(tarWith("/inside", "y"), tmp.path() + "/dst", "a", "a");
  ASSERT_TRUE(abs.ok()) << abs.error().message();
  EXPECT_EQ(slurp(tmp.path() + "/dst/inside"), "y");
}

TEST(CpPathTest, PathStatHeader) {
  // base64 of {"name":"d","size":4096,"mode":2147484141,"mtime":"x","linkTarget":""}
  auto st = decodePathStat(
      "eyJuYW1lIjoiZCIsInNpemUiOjQwOTYsIm1vZGUiOjIxNDc0ODQxNDEsIm10aW1lIjoieCIsImxpbmtUYXJnZXQiOiIifQ==");
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->name, "d");
  EXPECT_TRUE(st->isDir());
  EXPECT_FALSE(st->isSymlink());
  EXPECT_TRUE(st->isRegularOrDir());
  EXPECT_FALSE(decodePathStat("not base64!").ok());
}

}  // namespace
}  // namespace berth::cli
