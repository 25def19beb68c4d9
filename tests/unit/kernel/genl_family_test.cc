#include "kernel/genl_family.h"

#include <gtest/gtest.h>
#include <linux/genetlink.h>

namespace berth {
namespace {

// Both lookups are unprivileged and read-only, so they run in the caller's namespace.
TEST(GenlFamily, ResolvesTheController) {
  Result<std::uint16_t> id = resolveGenlFamily("nlctrl");
  ASSERT_TRUE(id.ok()) << id.error().message();
  EXPECT_EQ(*id, GENL_ID_CTRL);
}

TEST(GenlFamily, UnknownFamilyIsNotFound) {
  Result<std::uint16_t> id = resolveGenlFamily("berth-no-such");
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.error().kind(), ErrorKind::kNotFound);
}

}  // namespace
}  // namespace berth
