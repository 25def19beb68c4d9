#include "kernel/features.h"

#include <gtest/gtest.h>
#include <net/if.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <iterator>
#include <set>
#include <string>

#include "kernel/netns.h"

namespace berth {
namespace {

const char* const kBoolKeys[] = {"bridge",    "veth",     "vxlan", "macvlan",  "ipvlan",
                                 "vlan8021q", "nftables", "ipvs",  "overlayfs"};

std::set<std::string> linkNames() {
  std::set<std::string> names;
  struct if_nameindex* list = ::if_nameindex();
  for (struct if_nameindex* it = list; it != nullptr && it->if_index != 0; ++it) {
    names.insert(it->if_name);
  }
  if (list != nullptr) {
    ::if_freenameindex(list);
  }
  return names;
}

TEST(KernelFeatures, ToJsonHasEveryKey) {
  KernelFeatures f;
  f.bridge = true;
  f.vlan8021q = true;
  f.cgroupLayout = "hybrid";
  f.kernelRelease = "6.1.0-test";
  nlohmann::json j = f.toJson();
  for (const char* key : kBoolKeys) {
    ASSERT_TRUE(j.contains(key)) << key;
    EXPECT_TRUE(j[key].is_boolean()) << key;
  }
  EXPECT_EQ(j.size(), std::size(kBoolKeys) + 2);
  EXPECT_EQ(j["bridge"], true);
  EXPECT_EQ(j["vlan8021q"], true);
  EXPECT_EQ(j["ipvs"], false);
  EXPECT_EQ(j["cgroupLayout"], "hybrid");
  EXPECT_EQ(j["kernelRelease"], "6.1.0-test");
}

TEST(KernelFeatures, MissingFeatureMessages) {
  EXPECT_EQ(missingFeatureMessage("vlan8021q"),
            "kernel module 8021q not available: this host cannot create 802.1q VLAN "
            "sub-interfaces");
  for (const char* key : kBoolKeys) {
    std::string msg = missingFeatureMessage(key);
    EXPECT_NE(msg.find(" not available: this host cannot "), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
  EXPECT_EQ(missingFeatureMessage("warp-drive"), "kernel feature warp-drive not available");
}

TEST(KernelFeatures, RequireNamesTheMissingFeature) {
  KernelFeatures f;
  f.macvlan = true;
  EXPECT_TRUE(f.require("macvlan").ok());
  Status ipvlan = f.require("ipvlan");
  ASSERT_FALSE(ipvlan.ok());
  EXPECT_EQ(ipvlan.error().kind(), ErrorKind::kUnavailable);
  EXPECT_EQ(ipvlan.error().message(), missingFeatureMessage("ipvlan"));
  EXPECT_FALSE(f.require("no-such-feature").ok());
}

TEST(ProbeKernelFeatures, FindsBasicsAndLeavesHostLinksAlone) {
  if (::geteuid() != 0) {
    GTEST_SKIP() << "needs root";
  }
  if (Status st = runInNewNetns([] {}); !st.ok()) {
    GTEST_SKIP() << "cannot create a network namespace: " << st.error().message();
  }
  std::set<std::string> before = linkNames();

  auto start = std::chrono::steady_clock::now();
  KernelFeatures f = probeKernelFeatures();
  auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start);
  std::cout << "probe took " << ms.count() << " ms: " << f.toJson().dump() << "\n";

  EXPECT_TRUE(f.bridge);
  EXPECT_TRUE(f.veth);
  EXPECT_FALSE(f.kernelRelease.empty());
  EXPECT_TRUE(f.cgroupLayout == "v1" || f.cgroupLayout == "v2" || f.cgroupLayout == "hybrid" ||
              f.cgroupLayout == "unknown")
      << f.cgroupLayout;
  EXPECT_EQ(linkNames(), before);
}

}  // namespace
}  // namespace berth
