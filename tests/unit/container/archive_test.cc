// docker cp's file side, in a chroot()ed thread over a temporary "rootfs".
#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <map>

#include "container/path_archive.h"
#include "fakes.h"

namespace berth::container {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// name -> content ("" for directories), read back from a tar.
std::map<std::string, std::string> untarToMap(const std::string& tar) {
  std::map<std::string, std::string> out;
  struct archive* a = archive_read_new();
  archive_read_support_format_tar(a);
  EXPECT_EQ(archive_read_open_memory(a, tar.data(), tar.size()), ARCHIVE_OK);
  struct archive_entry* e = nullptr;
  while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
    std::string content;
    char buf[4096];
    la_ssize_t n = 0;
    while ((n = archive_read_data(a, buf, sizeof(buf))) > 0) {
      content.append(buf, static_cast<size_t>(n));
    }
    out[archive_entry_pathname(e)] = content;
  }
  archive_read_free(a);
  return out;
}

std::string makeTar(const std::vector<std::pair<std::string, std::string>>& files) {
  std::string out;
  struct archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  std::vector<char> buf(1 << 20);
  size_t used = 0;
  archive_write_open_memory(a, buf.data(), buf.size(), &used);
  for (const auto& [name, content] : files) {
    struct archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, name.c_str());
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, static_cast<la_int64_t>(content.size()));
    archive_write_header(a, e);
    archive_write_data(a, content.data(), content.size());
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
  return std::string(buf.data(), used);
}

class ArchiveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) {
      GTEST_SKIP() << "chroot needs root";
    }
    root = tmp.sub("rootfs");
    testing::writeFile(root + "/etc/hostname", "box\n");
    testing::writeFile(root + "/srv/app/a.txt", "alpha");
    testing::writeFile(root + "/srv/app/sub/b.txt", "beta");
    fs::create_symlink("/srv/app", root + "/link");  // absolute: inside the rootfs
    testing::writeFile(tmp.sub("outside/secret"), "host!");
  }
  testing::TempDir tmp;
  std::string root;
};

TEST_F(ArchiveTest, StatLikeDockerd) {
  auto st = statInRoot(root, "/srv/app/a.txt");
  ASSERT_TRUE(st.ok()) << st.error().message();
  EXPECT_EQ(st->name, "a.txt");
  EXPECT_EQ(st->size, 5);
  EXPECT_EQ(st->mode, 0644U);
  auto dir = statInRoot(root, "/srv/app");
  ASSERT_TRUE(dir.ok());
  EXPECT_EQ(dir->mode & (1U << 31), 1U << 31);
  auto link = statInRoot(root, "/link");
  ASSERT_TRUE(link.ok());
  EXPECT_EQ(link->mode & (1U << 27), 1U << 27);
  EXPECT_EQ(link->linkTarget, "/srv/app");
  // Through the symlinked parent, resolved inside the rootfs.
  EXPECT_EQ(statInRoot(root, "/link/sub/b.txt")->size, 4);
  EXPECT_EQ(statInRoot(root, "/nope").error().kind(), ErrorKind::kNotFound);
  // ".." cannot climb out of the rootfs.
  EXPECT_EQ(statInRoot(root, "/../../outside/secret").error().kind(), ErrorKind::kNotFound);
  json j = pathStatJson(*st);
  EXPECT_EQ(j["name"], "a.txt");
  EXPECT_TRUE(j.contains("mtime"));
  EXPECT_EQ(j["linkTarget"], "");
}

TEST_F(ArchiveTest, TarOfADirectoryIsRootedAtItsName) {
  std::string tar;
  ASSERT_TRUE(tarInRoot(root, "/srv/app", [&](std::string_view b) {
                tar.append(b);
                return true;
              }).ok());
  auto files = untarToMap(tar);
  EXPECT_EQ(files.at("app/a.txt"), "alpha");
  EXPECT_EQ(files.at("app/sub/b.txt"), "beta");
  EXPECT_TRUE(files.count("app") || files.count("app/"));
  std::string one;
  ASSERT_TRUE(tarInRoot(root, "/etc/hostname", [&](std::string_view b) {
                one.append(b);
                return true;
              }).ok());
  EXPECT_EQ(untarToMap(one), (std::map<std::string, std::string>{{"hostname", "box\n"}}));
  EXPECT_EQ(tarInRoot(root, "/missing", [](std::string_view) { return true; }).error().kind(),
            ErrorKind::kNotFound);
}

TEST_F(ArchiveTest, ExtractIntoADirectory) {
  std::string tar = makeTar({{"new.txt", "n"}, {"deep/x.txt", "x"}});
  ASSERT_TRUE(untarInRoot(root, "/srv", tar, {}).ok());
  EXPECT_EQ(testing::readFile(root + "/srv/new.txt"), "n");
  EXPECT_EQ(testing::readFile(root + "/srv/deep/x.txt"), "x");
  // Through a symlink to a directory inside the rootfs.
  ASSERT_TRUE(untarInRoot(root, "/link", makeTar({{"via.txt", "v"}}), {}).ok());
  EXPECT_EQ(testing::readFile(root + "/srv/app/via.txt"), "v");
  auto notDir = untarInRoot(root, "/etc/hostname", tar, {});
  ASSERT_FALSE(notDir.ok());
  EXPECT_EQ(notDir.error().message(), "extraction point is not a directory");
  EXPECT_EQ(untarInRoot(root, "/nope", tar, {}).error().kind(), ErrorKind::kNotFound);
  EXPECT_EQ(untarInRoot(root, "/srv", "not a tar", {}).error().kind(), ErrorKind::kInvalidArgument);
}

TEST_F(ArchiveTest, ExtractRefusesEscapes) {
  for (const char* name : {"../../outside/secret", "/abs.txt"}) {
    auto st = untarInRoot(root, "/srv", makeTar({{name, "pwned"}}), {});
    EXPECT_FALSE(st.ok()) << name;
  }
  EXPECT_EQ(testing::readFile(tmp.sub("outside/secret")), "host!");
  EXPECT_FALSE(fs::exists(root + "/abs.txt"));
  EXPECT_FALSE(fs::exists("/abs.txt"));
}

TEST_F(ArchiveTest, NoOverwriteDirNonDir) {
  ExtractOptions opts;
  opts.noOverwriteDirNonDir = true;
  auto st = untarInRoot(root, "/srv", makeTar({{"app", "file over dir"}}), opts);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message(), "cannot overwrite directory \"app\" with non-directory \"app\"");
  EXPECT_TRUE(fs::is_directory(root + "/srv/app"));
}

TEST(GoFileModeTest, TypeBits) {
  EXPECT_EQ(goFileMode(S_IFREG | 0755), 0755U);
  EXPECT_EQ(goFileMode(S_IFDIR | 0700), (1U << 31) | 0700U);
  EXPECT_EQ(goFileMode(S_IFCHR | 0666), (1U << 26) | (1U << 21) | 0666U);
  EXPECT_EQ(goFileMode(S_IFREG | S_ISUID | 0755), (1U << 23) | 0755U);
}

}  // namespace
}  // namespace berth::container
