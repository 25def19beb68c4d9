#include "runtime/units.h"

#include <gtest/gtest.h>

namespace berth {
namespace {

TEST(ParseMemoryBytes, AcceptsDockerForms) {
  EXPECT_EQ(*parseMemoryBytes("1024"), 1024);
  EXPECT_EQ(*parseMemoryBytes("512m"), 512LL << 20);
  EXPECT_EQ(*parseMemoryBytes("512M"), 512LL << 20);
  EXPECT_EQ(*parseMemoryBytes("1g"), 1LL << 30);
  EXPECT_EQ(*parseMemoryBytes("1.5g"), 3LL << 29);
  EXPECT_EQ(*parseMemoryBytes("64MiB"), 64LL << 20);
  EXPECT_EQ(*parseMemoryBytes("64mb"), 64LL << 20);
  EXPECT_EQ(*parseMemoryBytes("64 k"), 64LL << 10);
  EXPECT_EQ(*parseMemoryBytes("10b"), 10);
  EXPECT_EQ(*parseMemoryBytes("2t"), 2LL << 40);
}

TEST(ParseMemoryBytes, RejectsGarbage) {
  for (const char* bad : {"", "m", "-1", "-512m", "12x", "1.g", "1..5g", "1bb", "5  ", " 5", "1e3",
                          "0x10", "99999999999999999999", "9000000000g"}) {
    auto r = parseMemoryBytes(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidArgument);
    EXPECT_EQ(r.error().message(), std::string("invalid size: '") + bad + "'");
  }
}

TEST(ValidateMemoryLimit, HasDockersMinimum) {
  EXPECT_TRUE(validateMemoryLimit(0).ok());
  EXPECT_TRUE(validateMemoryLimit(kMinMemoryBytes).ok());
  auto small = validateMemoryLimit(int64_t{1} << 20);
  ASSERT_FALSE(small.ok());
  EXPECT_EQ(small.error().message(), "Minimum memory limit allowed is 6MB");
  EXPECT_FALSE(validateMemoryLimit(-5).ok());
}

TEST(ParseNanoCpus, IsExact) {
  EXPECT_EQ(*parseNanoCpus("1"), 1'000'000'000);
  EXPECT_EQ(*parseNanoCpus("1.5"), 1'500'000'000);
  EXPECT_EQ(*parseNanoCpus("0.01"), 10'000'000);
  EXPECT_EQ(*parseNanoCpus(".5"), 500'000'000);
  EXPECT_EQ(*parseNanoCpus("2."), 2'000'000'000);
  EXPECT_EQ(*parseNanoCpus("0.000000001"), 1);
  EXPECT_EQ(*parseNanoCpus("1.5000000000000"), 1'500'000'000);
}

TEST(ParseNanoCpus, RejectsBadInput) {
  for (const char* bad : {"", ".", "abc", "1.2.3", "1,5", "1e9", " 1"}) {
    auto r = parseNanoCpus(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().message().find("as a rational number"), std::string::npos)
        << r.error().message();
  }
  auto precise = parseNanoCpus("0.0000000001");
  ASSERT_FALSE(precise.ok());
  EXPECT_NE(precise.error().message().find("too precise"), std::string::npos);
  auto negative = parseNanoCpus("-1");
  ASSERT_FALSE(negative.ok());
  EXPECT_NE(negative.error().message().find("negative"), std::string::npos);
}

TEST(ValidateNanoCpus, UsesDockersRange) {
  EXPECT_TRUE(validateNanoCpus(0, 2).ok());
  EXPECT_TRUE(validateNanoCpus(2'000'000'000, 2).ok());
  auto tooMany = validateNanoCpus(3'000'000'000, 2);
  ASSERT_FALSE(tooMany.ok());
  EXPECT_EQ(tooMany.error().message(),
            "Range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available");
  EXPECT_FALSE(validateNanoCpus(1'000'000, 2).ok());
}

TEST(ParseCapability, NormalizesNames) {
  EXPECT_EQ(*parseCapability("net_admin"), "CAP_NET_ADMIN");
  EXPECT_EQ(*parseCapability("CAP_NET_ADMIN"), "CAP_NET_ADMIN");
  EXPECT_EQ(*parseCapability("cap_sys_admin"), "CAP_SYS_ADMIN");
  EXPECT_EQ(*parseCapability("Sys_Ptrace"), "CAP_SYS_PTRACE");
  EXPECT_EQ(*parseCapability("all"), "ALL");
  EXPECT_EQ(*parseCapability("ALL"), "ALL");
  EXPECT_EQ(*parseCapability("checkpoint_restore"), "CAP_CHECKPOINT_RESTORE");
}

TEST(ParseCapability, RejectsUnknown) {
  for (const char* bad : {"", "foo", "CAP_", "CAP_ALL", "net admin"}) {
    auto r = parseCapability(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidArgument);
  }
  EXPECT_EQ(parseCapability("foo").error().message(), "unknown capability: \"CAP_FOO\"");
}

TEST(ParseSignal, NamesAndNumbers) {
  EXPECT_EQ(*parseSignal("SIGTERM"), 15);
  EXPECT_EQ(*parseSignal("TERM"), 15);
  EXPECT_EQ(*parseSignal("term"), 15);
  EXPECT_EQ(*parseSignal("15"), 15);
  EXPECT_EQ(*parseSignal("SIGKILL"), 9);
  EXPECT_EQ(*parseSignal("sigusr1"), 10);
  EXPECT_EQ(*parseSignal("HUP"), 1);
  EXPECT_EQ(*parseSignal("SIGRTMIN"), 34);
  EXPECT_EQ(*parseSignal("RTMIN+3"), 37);
  EXPECT_EQ(*parseSignal("SIGRTMAX-1"), 63);
  EXPECT_EQ(*parseSignal("64"), 64);
}

TEST(ParseSignal, RejectsBadInput) {
  for (const char* bad :
       {"", "0", "65", "-9", "SIGFOO", "SIG", "RTMIN+", "RTMIN+31", "RTMAX+1", "9x"}) {
    auto r = parseSignal(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().message(), std::string("Invalid signal: ") + bad);
  }
}

TEST(SignalName, RoundTrips) {
  EXPECT_EQ(signalName(15), "SIGTERM");
  EXPECT_EQ(signalName(6), "SIGABRT");
  EXPECT_EQ(signalName(37), "SIGRTMIN+3");
  EXPECT_EQ(signalName(33), "");
  for (int s = 1; s <= 64; ++s) {
    std::string name = signalName(s);
    if (!name.empty()) {
      EXPECT_EQ(*parseSignal(name), s) << name;
    }
  }
}

TEST(ParseRestartPolicy, Modes) {
  EXPECT_EQ(parseRestartPolicy("no")->mode, RestartMode::kNo);
  EXPECT_EQ(parseRestartPolicy("")->mode, RestartMode::kNo);
  EXPECT_EQ(parseRestartPolicy("always")->mode, RestartMode::kAlways);
  EXPECT_EQ(parseRestartPolicy("unless-stopped")->mode, RestartMode::kUnlessStopped);
  auto onFailure = parseRestartPolicy("on-failure:3");
  ASSERT_TRUE(onFailure.ok());
  EXPECT_EQ(onFailure->mode, RestartMode::kOnFailure);
  EXPECT_EQ(onFailure->maximumRetryCount, 3);
  EXPECT_EQ(parseRestartPolicy("on-failure")->maximumRetryCount, 0);
  EXPECT_EQ(restartModeName(RestartMode::kUnlessStopped), "unless-stopped");
}

TEST(ParseRestartPolicy, DockersErrors) {
  auto expectError = [](const char* in, const std::string& message) {
    auto r = parseRestartPolicy(in);
    ASSERT_FALSE(r.ok()) << in;
    EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidArgument);
    EXPECT_EQ(r.error().message(), message) << in;
  };
  expectError("sometimes",
              "invalid restart policy: unknown policy 'sometimes'; use one of 'no', 'always', "
              "'on-failure', or "
              "'unless-stopped'");
  expectError(":3", "invalid restart policy format: no policy provided before colon");
  expectError("on-failure:x",
              "invalid restart policy format: maximum retry count must be an integer");
  expectError("on-failure:-1", "invalid restart policy: maximum retry count cannot be negative");
  expectError("always:3",
              "invalid restart policy: maximum retry count can only be used with 'on-failure'");
  expectError("no:-2",
              "invalid restart policy: maximum retry count can only be used with 'on-failure' and "
              "cannot be "
              "negative");
}

TEST(RestartPolicyFrom, AcceptsEmptyNameWithAnyCount) {
  auto r = restartPolicyFrom("", 5);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->mode, RestartMode::kNo);
  EXPECT_EQ(r->maximumRetryCount, 0);
}

TEST(ParseUser, Forms) {
  auto name = parseUser("app");
  ASSERT_TRUE(name.ok());
  EXPECT_EQ(name->user, "app");
  EXPECT_EQ(name->group, "");
  auto both = parseUser("1000:staff");
  ASSERT_TRUE(both.ok());
  EXPECT_EQ(both->user, "1000");
  EXPECT_EQ(both->group, "staff");
  EXPECT_TRUE(parseUser("").ok());
  for (const char* bad : {"a:b:c", ":g", "u:", "a b", "99999999999", "0:99999999999", "../x"}) {
    EXPECT_FALSE(parseUser(bad).ok()) << bad;
  }
}

TEST(ParseTmpfsOptions, DefaultsAndOverrides) {
  auto d = parseTmpfsOptions("");
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->noexec);
  EXPECT_TRUE(d->nosuid);
  EXPECT_TRUE(d->nodev);
  EXPECT_FALSE(d->sizeBytes.has_value());

  auto o = parseTmpfsOptions("size=64m,mode=1777,exec,uid=1000,gid=1000,nr_inodes=1k,ro");
  ASSERT_TRUE(o.ok()) << o.error().message();
  EXPECT_EQ(*o->sizeBytes, 64LL << 20);
  EXPECT_EQ(*o->mode, 01777U);
  EXPECT_FALSE(o->noexec);
  EXPECT_EQ(*o->uid, 1000U);
  EXPECT_EQ(*o->gid, 1000U);
  EXPECT_EQ(*o->nrInodes, 1024);
  EXPECT_TRUE(o->readOnly);
}

TEST(ParseTmpfsOptions, RejectsUnknownAndMalformed) {
  for (const char* bad : {"size=", "size=abc", "mode=999", "mode=", "uid=x", "foo", "foo=bar",
                          "size=64m,", "size=-1"}) {
    auto r = parseTmpfsOptions(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().message().find("invalid tmpfs option"), std::string::npos);
  }
}

TEST(ParseContainerPath, CleansAndRequiresAbsolute) {
  EXPECT_EQ(*parseContainerPath("/"), "/");
  EXPECT_EQ(*parseContainerPath("/a//b/./c/"), "/a/b/c");
  EXPECT_EQ(*parseContainerPath("/a/../b"), "/b");
  EXPECT_EQ(*parseContainerPath("/../.."), "/");
  EXPECT_FALSE(parseContainerPath("relative/dir").ok());
  EXPECT_FALSE(parseContainerPath("").ok());
}

}  // namespace
}  // namespace berth
