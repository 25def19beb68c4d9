#include "kernel/unique_fd.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <type_traits>
#include <utility>

namespace berth {
namespace {

bool isOpen(int fd) { return ::fcntl(fd, F_GETFD) != -1; }

int openPipe(int* other) {
  int fds[2];
  EXPECT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  *other = fds[1];
  return fds[0];
}

TEST(UniqueFd, DefaultIsEmpty) {
  UniqueFd fd;
  EXPECT_FALSE(fd.valid());
  EXPECT_FALSE(static_cast<bool>(fd));
  EXPECT_EQ(fd.get(), -1);
}

TEST(UniqueFd, IsMoveOnly) {
  static_assert(!std::is_copy_constructible_v<UniqueFd>);
  static_assert(!std::is_copy_assignable_v<UniqueFd>);
  static_assert(std::is_nothrow_move_constructible_v<UniqueFd>);
  static_assert(std::is_nothrow_move_assignable_v<UniqueFd>);
}

TEST(UniqueFd, ClosesOnDestruction) {
  int writeEnd = -1;
  int raw = openPipe(&writeEnd);
  UniqueFd guard(writeEnd);
  {
    UniqueFd fd(raw);
    EXPECT_TRUE(fd.valid());
    EXPECT_EQ(fd.get(), raw);
  }
  EXPECT_FALSE(isOpen(raw));
}

TEST(UniqueFd, MoveTransfersOwnership) {
  int writeEnd = -1;
  int raw = openPipe(&writeEnd);
  UniqueFd guard(writeEnd);
  UniqueFd a(raw);
  UniqueFd b(std::move(a));
  EXPECT_FALSE(a.valid());  // NOLINT(bugprone-use-after-move): the point of the test
  EXPECT_EQ(b.get(), raw);

  UniqueFd c;
  c = std::move(b);
  EXPECT_EQ(c.get(), raw);
  EXPECT_TRUE(isOpen(raw));
}

TEST(UniqueFd, MoveAssignClosesPrevious) {
  int w1 = -1;
  int w2 = -1;
  int r1 = openPipe(&w1);
  int r2 = openPipe(&w2);
  UniqueFd g1(w1);
  UniqueFd g2(w2);
  UniqueFd a(r1);
  UniqueFd b(r2);
  a = std::move(b);
  EXPECT_FALSE(isOpen(r1));
  EXPECT_EQ(a.get(), r2);
}

TEST(UniqueFd, ReleaseKeepsFdOpen) {
  int writeEnd = -1;
  int raw = openPipe(&writeEnd);
  UniqueFd guard(writeEnd);
  int released = -1;
  {
    UniqueFd fd(raw);
    released = fd.release();
    EXPECT_FALSE(fd.valid());
  }
  EXPECT_EQ(released, raw);
  EXPECT_TRUE(isOpen(raw));
  ::close(raw);
}

TEST(UniqueFd, ResetClosesAndAdopts) {
  int w1 = -1;
  int w2 = -1;
  int r1 = openPipe(&w1);
  int r2 = openPipe(&w2);
  UniqueFd g1(w1);
  UniqueFd g2(w2);
  UniqueFd fd(r1);
  fd.reset(r2);
  EXPECT_FALSE(isOpen(r1));
  EXPECT_EQ(fd.get(), r2);
  fd.reset(r2);  // same fd: must not close what it keeps
  EXPECT_TRUE(isOpen(r2));
  fd.reset();
  EXPECT_FALSE(isOpen(r2));
  EXPECT_FALSE(fd.valid());
}

}  // namespace
}  // namespace berth
