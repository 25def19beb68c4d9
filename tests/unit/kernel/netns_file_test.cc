#include "kernel/netns_file.h"

#include <gtest/gtest.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "kernel/mount.h"
#include "kernel/netns.h"
#include "../../lib/private_mount_ns.h"

namespace berth {
namespace {

class NetnsFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    if (::geteuid() != 0) {
      GTEST_SKIP() << "needs root";
    }
    ASSERT_TRUE(testlib::inPrivateMountNamespace(&why)) << why;
    char tmpl[] = "/tmp/berth-netns-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    if (!dir_.empty()) {
      // A namespace file a failed test left mounted is detached first.
      std::error_code ec;
      for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
        (void)removeNetnsFile(entry.path());
      }
      std::filesystem::remove_all(dir_, ec);
    }
  }
  std::string dir_;
};

ino_t inodeOf(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

TEST_F(NetnsFileTest, CreatesANamespaceWithLoopbackUp) {
  std::string path = dir_ + "/ns1";
  ASSERT_TRUE(createNetnsFile(path).ok());
  EXPECT_TRUE(*isMountPoint(path));
  auto fd = openNetns(path);
  ASSERT_TRUE(fd.ok()) << fd.error().message();
  EXPECT_NE(inodeOf(path), inodeOf("/proc/self/ns/net"));

  auto flags = runInNetns(fd->get(), []() -> Result<int> {
    int sock = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct ifreq ifr {};
    std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
    int rc = ::ioctl(sock, SIOCGIFFLAGS, &ifr);
    ::close(sock);
    if (rc != 0) {
      return Unexpected(internal("SIOCGIFFLAGS failed"));
    }
    return static_cast<int>(ifr.ifr_flags);
  });
  ASSERT_TRUE(flags.ok()) << flags.error().message();
  EXPECT_NE(*flags & IFF_UP, 0);

  // Only one namespace per path.
  auto again = createNetnsFile(path);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().kind(), ErrorKind::kConflict);

  ASSERT_TRUE(removeNetnsFile(path).ok());
  EXPECT_NE(::access(path.c_str(), F_OK), 0);
  EXPECT_TRUE(removeNetnsFile(path).ok());  // repeatable
  // The handle opened above still keeps that namespace alive, as it should.
  EXPECT_TRUE(runInNetns(fd->get(), [] {}).ok());
}

TEST_F(NetnsFileTest, TwoFilesAreTwoNamespaces) {
  ASSERT_TRUE(createNetnsFile(dir_ + "/a").ok());
  ASSERT_TRUE(createNetnsFile(dir_ + "/b").ok());
  EXPECT_NE(inodeOf(dir_ + "/a"), inodeOf(dir_ + "/b"));
  EXPECT_TRUE(removeNetnsFile(dir_ + "/a").ok());
  EXPECT_TRUE(removeNetnsFile(dir_ + "/b").ok());
}

TEST_F(NetnsFileTest, FailureLeavesNothing) {
  auto st = createNetnsFile(dir_ + "/no/such/dir/ns");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message().find(dir_ + "/no/such/dir/ns"), std::string::npos);
  EXPECT_NE(::access((dir_ + "/no").c_str(), F_OK), 0);
}

bool mountinfoMentions(pid_t pid, const std::string& path) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.find(" " + path + " ") != std::string::npos) {
      return true;
    }
  }
  return false;
}

TEST_F(NetnsFileTest, RemovalReachesCopiesInLaterMountNamespaces) {
  // This process's mounts are private, so nothing propagates to the copy:
  // the unlink in removeNetnsFile is what detaches it there.
  std::string path = dir_ + "/c1";
  ASSERT_TRUE(createNetnsFile(path).ok());
  // A process in a copy of our mount namespace, as runc or a shim would be.
  std::FILE* child = ::popen("exec unshare -m --propagation unchanged sleep 30", "r");
  ASSERT_NE(child, nullptr);
  pid_t pid = 0;
  struct Reap {
    std::FILE* f;
    pid_t* p;
    ~Reap() {
      if (*p > 0) {
        ::kill(*p, SIGKILL);
      }
      ::pclose(f);
    }
  } reap{child, &pid};
  for (int i = 0; i < 200 && pid == 0; ++i) {
    ::usleep(10000);
    std::ifstream children("/proc/self/task/" + std::to_string(::getpid()) + "/children");
    std::string first;
    children >> first;
    if (!first.empty()) {
      pid = std::stoi(first);
    }
  }
  ASSERT_GT(pid, 0);
  for (int i = 0; i < 200; ++i) {
    std::string own = std::filesystem::read_symlink("/proc/self/ns/mnt");
    std::error_code ec;
    if (std::filesystem::read_symlink("/proc/" + std::to_string(pid) + "/ns/mnt", ec).string() !=
            own &&
        !ec) {
      break;  // unshare has made its namespace
    }
    ::usleep(10000);
  }
  EXPECT_TRUE(mountinfoMentions(pid, path));
  ASSERT_TRUE(removeNetnsFile(path).ok());
  EXPECT_FALSE(mountinfoMentions(pid, path)) << "the copy still pins the namespace";
}

}  // namespace
}  // namespace berth
