#include "kernel/netns.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <stdexcept>

namespace berth {
namespace {

// The identity of a namespace is the inode of its nsfs file.
ino_t inodeOf(const char* path) {
  struct stat st {};
  EXPECT_EQ(::stat(path, &st), 0) << path;
  return st.st_ino;
}
ino_t currentNetnsInode() { return inodeOf("/proc/thread-self/ns/net"); }

ino_t inodeOf(int fd) {
  struct stat st {};
  EXPECT_EQ(::fstat(fd, &st), 0);
  return st.st_ino;
}

// Privileged tests need CAP_SYS_ADMIN for unshare(CLONE_NEWNET); skip without it.
#define BERTH_REQUIRE_NETNS_PRIVILEGE()                                                 \
  do {                                                                                  \
    if (::geteuid() != 0) {                                                             \
      GTEST_SKIP() << "needs root";                                                     \
    }                                                                                   \
    Status probe = runInNewNetns([] {});                                                \
    if (!probe.ok()) {                                                                  \
      GTEST_SKIP() << "cannot create a network namespace: " << probe.error().message(); \
    }                                                                                   \
  } while (false)

TEST(OpenNetns, MissingPathIsNotFound) {
  Result<UniqueFd> fd = openNetns("/nonexistent/berth-netns");
  ASSERT_FALSE(fd.ok());
  EXPECT_EQ(fd.error().kind(), ErrorKind::kNotFound);
}

TEST(OpenNetns, OtherFileIsInvalid) {
  Result<UniqueFd> file = openNetns("/proc/self/status");
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.error().kind(), ErrorKind::kInvalidArgument);

  Result<UniqueFd> uts = openNetns("/proc/self/ns/uts");
  ASSERT_FALSE(uts.ok());
  EXPECT_EQ(uts.error().kind(), ErrorKind::kInvalidArgument);
}

TEST(OpenNetns, CurrentIsThisThreadsNamespace) {
  Result<UniqueFd> fd = openCurrentNetns();
  ASSERT_TRUE(fd.ok()) << fd.error().message();
  EXPECT_EQ(inodeOf(fd->get()), currentNetnsInode());
}

TEST(RunInNetns, RejectsInvalidFd) {
  bool ran = false;
  Status st = runInNetns(-1, [&ran] { ran = true; });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().kind(), ErrorKind::kInvalidArgument);
  EXPECT_FALSE(ran);
}

TEST(RunInNetns, SetnsFailureIsReported) {
  UniqueFd notNs(::dup(STDERR_FILENO));  // a valid fd, but no namespace
  bool ran = false;
  Status st = runInNetns(notNs.get(), [&ran] { ran = true; });
  EXPECT_FALSE(st.ok());
  EXPECT_FALSE(ran);
}

TEST(RunInNewNetns, RunsInAnotherNamespaceAndLeavesCallerAlone) {
  BERTH_REQUIRE_NETNS_PRIVILEGE();
  ino_t before = currentNetnsInode();
  pid_t callerTid = ::gettid();

  Result<ino_t> inside = runInNewNetns([callerTid]() -> Result<ino_t> {
    EXPECT_NE(::gettid(), callerTid);  // a dedicated thread, not the caller
    return currentNetnsInode();
  });
  ASSERT_TRUE(inside.ok()) << inside.error().message();
  EXPECT_NE(*inside, before);
  EXPECT_EQ(currentNetnsInode(), before);

  // Each call gets a namespace of its own.
  Result<ino_t> again = runInNewNetns([] { return currentNetnsInode(); });
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(currentNetnsInode(), before);
}

TEST(RunInNewNetns, PassesErrorsAndStatusThrough) {
  BERTH_REQUIRE_NETNS_PRIVILEGE();
  Status failed = runInNewNetns([]() -> Status { return notFound("nothing here"); });
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().kind(), ErrorKind::kNotFound);
  EXPECT_EQ(failed.error().message(), "nothing here");

  Result<int> value = runInNewNetns([]() -> Result<int> { return conflict("taken"); });
  ASSERT_FALSE(value.ok());
  EXPECT_EQ(value.error().kind(), ErrorKind::kConflict);

  Result<int> plain = runInNewNetns([] { return 7; });
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(*plain, 7);
}

TEST(RunInNewNetns, ExceptionBecomesInternalError) {
  BERTH_REQUIRE_NETNS_PRIVILEGE();
  Result<int> thrown = runInNewNetns([]() -> int { throw std::runtime_error("boom"); });
  ASSERT_FALSE(thrown.ok());
  EXPECT_EQ(thrown.error().kind(), ErrorKind::kInternal);
  EXPECT_NE(thrown.error().message().find("boom"), std::string::npos);
}

TEST(RunInNetns, JoinsTheGivenNamespace) {
  BERTH_REQUIRE_NETNS_PRIVILEGE();
  ino_t host = currentNetnsInode();
  // The fd keeps the throwaway namespace alive after its creating thread exits.
  Result<UniqueFd> ns = runInNewNetns([] { return openCurrentNetns(); });
  ASSERT_TRUE(ns.ok()) << ns.error().message();
  ino_t target = inodeOf(ns->get());
  ASSERT_NE(target, host);

  Result<ino_t> inside = runInNetns(ns->get(), [] { return currentNetnsInode(); });
  ASSERT_TRUE(inside.ok()) << inside.error().message();
  EXPECT_EQ(*inside, target);
  EXPECT_EQ(currentNetnsInode(), host);
}

}  // namespace
}  // namespace berth
