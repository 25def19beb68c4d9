// What tests against the real kernel share: Result assertions, the root and
// network-namespace check, and throwaway namespaces to work in. Header-only.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <functional>
#include <utility>

#include "kernel/netlink.h"
#include "kernel/netns.h"
#include "kernel/unique_fd.h"

#define ASSERT_OK(expr)                                         \
  do {                                                          \
    auto&& assertOk_ = (expr);                                  \
    ASSERT_TRUE(assertOk_.ok()) << assertOk_.error().message(); \
  } while (false)

#define EXPECT_ERROR_KIND(expr, k)                                             \
  do {                                                                         \
    auto&& expectErr_ = (expr);                                                \
    ASSERT_FALSE(expectErr_.ok()) << #expr " unexpectedly worked";             \
    EXPECT_EQ(expectErr_.error().kind(), (k)) << expectErr_.error().message(); \
  } while (false)

#define BERTH_REQUIRE_NETNS_PRIVILEGE()                                                     \
  do {                                                                                      \
    if (::geteuid() != 0) {                                                                 \
      GTEST_SKIP() << "needs root";                                                         \
    }                                                                                       \
    ::berth::Status probe = ::berth::runInNewNetns([] {});                                  \
    if (!probe.ok()) {                                                                      \
      GTEST_SKIP() << "cannot create a network namespace: " << probe.error().message();     \
    }                                                                                       \
  } while (false)

namespace berth::testlib {

// Runs body (which may use ASSERT_*) on a thread in a brand-new namespace.
inline void inFreshNetns(const std::function<void()>& body) {
  Status st = runInNewNetns([&body] { body(); });
  ASSERT_TRUE(st.ok()) << st.error().message();
}

// A throwaway namespace that lives while the descriptor does.
inline UniqueFd newNetns() {
  UniqueFd out;
  Status st = runInNewNetns([&out] {
    Result<UniqueFd> fd = openCurrentNetns();
    if (fd.ok()) {
      out = std::move(*fd);
    }
  });
  EXPECT_TRUE(st.ok() && out.valid());
  return out;
}

// Netlink in the calling thread's namespace.
inline Netlink openNetlink() {
  Result<Netlink> nl = Netlink::open();
  EXPECT_TRUE(nl.ok()) << nl.error().message();
  return std::move(nl).value();
}

}  // namespace berth::testlib
