// Sysctls are written only inside throwaway network namespaces; the host's
// values are read to check that they did not change.
#include "kernel/sysctl.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "kernel/netlink.h"
#include "kernel/netns.h"

namespace berth {
namespace {

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

TEST(Sysctl, IpForwardIsPerNetworkNamespaceOfTheThread) {
  BERTH_REQUIRE_NETNS_PRIVILEGE();
  Result<std::string> hostBefore = readSysctl("net.ipv4.ip_forward");
  ASSERT_TRUE(hostBefore.ok()) << hostBefore.error().message();
  ASSERT_TRUE(*hostBefore == "0" || *hostBefore == "1") << *hostBefore;
  std::string flipped = *hostBefore == "0" ? "1" : "0";

  Status st = runInNewNetns([&flipped] {
    Status w = writeSysctl("net.ipv4.ip_forward", flipped);
    ASSERT_TRUE(w.ok()) << w.error().message();
    Result<std::string> r = readSysctl("net.ipv4.ip_forward");
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(*r, flipped);
    // The slash form names the same file.
    Result<std::string> slash = readSysctl("net/ipv4/ip_forward");
    ASSERT_TRUE(slash.ok()) << slash.error().message();
    EXPECT_EQ(*slash, flipped);
  });
  ASSERT_TRUE(st.ok()) << st.error().message();

  Result<std::string> hostAfter = readSysctl("net.ipv4.ip_forward");
  ASSERT_TRUE(hostAfter.ok()) << hostAfter.error().message();
  EXPECT_EQ(*hostAfter, *hostBefore);
}

TEST(Sysctl, ComponentsAllowDotsInInterfaceNames) {
  BERTH_REQUIRE_NETNS_PRIVILEGE();
  Status st = runInNewNetns([] {
    Result<Netlink> nl = Netlink::open();
    ASSERT_TRUE(nl.ok()) << nl.error().message();
    Status created = nl->createBridge("br.100", 0, "");
    ASSERT_TRUE(created.ok()) << created.error().message();

    std::vector<std::string> key = {"net", "ipv4", "conf", "br.100", "route_localnet"};
    Status w = writeSysctl(key, "1");
    ASSERT_TRUE(w.ok()) << w.error().message();
    Result<std::string> r = readSysctl(key);
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(*r, "1");
    Result<std::string> slash = readSysctl("net/ipv4/conf/br.100/route_localnet");
    ASSERT_TRUE(slash.ok()) << slash.error().message();
    EXPECT_EQ(*slash, "1");
    // With dots the interface name is split and the key does not exist.
    Result<std::string> dotted = readSysctl("net.ipv4.conf.br.100.route_localnet");
    ASSERT_FALSE(dotted.ok());
    EXPECT_EQ(dotted.error().kind(), ErrorKind::kNotFound);
  });
  ASSERT_TRUE(st.ok()) << st.error().message();
}

TEST(Sysctl, Errors) {
  BERTH_REQUIRE_NETNS_PRIVILEGE();
  Status st = runInNewNetns([] {
    Result<std::string> missing = readSysctl("net.ipv4.no_such_key");
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().kind(), ErrorKind::kNotFound);
    EXPECT_NE(missing.error().message().find("net.ipv4.no_such_key"), std::string::npos);

    for (const char* bad : {"", "net..ip_forward", "net.ipv4.", "../../etc/passwd", "net/../x"}) {
      Result<std::string> r = readSysctl(std::string(bad));
      ASSERT_FALSE(r.ok()) << bad;
      EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidArgument) << bad;
    }
    Result<std::string> empty = readSysctl(std::vector<std::string>{});
    ASSERT_FALSE(empty.ok());
    EXPECT_EQ(empty.error().kind(), ErrorKind::kInvalidArgument);
    Status slashInComponent = writeSysctl({"net", "ipv4/ip_forward", "x"}, "1");
    ASSERT_FALSE(slashInComponent.ok());
    EXPECT_EQ(slashInComponent.error().kind(), ErrorKind::kInvalidArgument);
  });
  ASSERT_TRUE(st.ok()) << st.error().message();
}

TEST(Sysctl, KernelRefusesABadValue) {
  BERTH_REQUIRE_NETNS_PRIVILEGE();
  Status st = runInNewNetns([] {
    Status w = writeSysctl("net.ipv4.ip_forward", "not-a-number");
    ASSERT_FALSE(w.ok());
    EXPECT_EQ(w.error().kind(), ErrorKind::kInvalidArgument) << w.error().message();
  });
  ASSERT_TRUE(st.ok()) << st.error().message();
}

}  // namespace
}  // namespace berth
