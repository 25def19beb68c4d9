#include "runtime/seccomp_profile.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "runtime/capabilities.h"

namespace berth {
namespace {

using nlohmann::json;

// name → the rules (action, args) that mention it.
std::multimap<std::string, json> rulesByName(const json& profile) {
  std::multimap<std::string, json> out;
  for (const auto& rule : profile["syscalls"]) {
    for (const auto& name : rule["names"]) {
      out.emplace(name.get<std::string>(), rule);
    }
  }
  return out;
}

bool allowedOutright(const std::multimap<std::string, json>& rules, const std::string& name) {
  auto [b, e] = rules.equal_range(name);
  for (auto it = b; it != e; ++it) {
    if (it->second["action"] == "SCMP_ACT_ALLOW" && !it->second.contains("args")) {
      return true;
    }
  }
  return false;
}

TEST(SeccompProfile, ShapeAndDefaultAction) {
  json p = defaultSeccompProfile(defaultCapabilities());
  EXPECT_EQ(p["defaultAction"], "SCMP_ACT_ERRNO");
  EXPECT_EQ(p["defaultErrnoRet"], 1);
#if defined(__x86_64__)
  EXPECT_EQ(p["architectures"], json({"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"}));
#endif
  for (const auto& rule : p["syscalls"]) {
    ASSERT_TRUE(rule["names"].is_array());
    EXPECT_FALSE(rule["names"].empty());
    EXPECT_TRUE(rule["action"] == "SCMP_ACT_ALLOW" || rule["action"] == "SCMP_ACT_ERRNO");
  }
}

TEST(SeccompProfile, DefaultContainerGetsTheEverydayCallsOnly) {
  auto rules = rulesByName(defaultSeccompProfile(defaultCapabilities()));
  for (const char* name :
       {"read", "write", "openat", "execve", "exit_group", "futex", "mmap", "epoll_wait", "accept4",
        "wait4", "rt_sigaction", "chroot", "ptrace", "setuid", "capset"}) {
    EXPECT_TRUE(allowedOutright(rules, name)) << name;
  }
  for (const char* name : {"mount", "umount2", "unshare", "setns", "reboot", "init_module",
                           "kexec_load", "bpf", "perf_event_open", "open_by_handle_at",
                           "settimeofday", "swapon", "acct", "keyctl", "add_key", "userfaultfd"}) {
    EXPECT_EQ(rules.count(name), 0U) << name;
  }
}

TEST(SeccompProfile, CloneWithoutSysAdminCannotMakeNamespaces) {
  auto rules = rulesByName(defaultSeccompProfile(defaultCapabilities()));
  ASSERT_EQ(rules.count("clone"), 1U);
  const json& clone = rules.find("clone")->second;
  EXPECT_EQ(clone["action"], "SCMP_ACT_ALLOW");
  EXPECT_EQ(
      clone["args"],
      json::parse(R"([{"index":0,"value":2114060288,"valueTwo":0,"op":"SCMP_CMP_MASKED_EQ"}])"));
  ASSERT_EQ(rules.count("clone3"), 1U);
  const json& clone3 = rules.find("clone3")->second;
  EXPECT_EQ(clone3["action"], "SCMP_ACT_ERRNO");
  EXPECT_EQ(clone3["errnoRet"], 38);  // ENOSYS: libc falls back to clone
  ASSERT_EQ(rules.count("socket"), 1U);
  EXPECT_EQ(rules.find("socket")->second["args"][0]["op"], "SCMP_CMP_NE");
  EXPECT_EQ(rules.count("personality"), 5U);
}

TEST(SeccompProfile, CapabilitiesUnlockTheirCalls) {
  std::vector<std::string> caps = defaultCapabilities();
  caps.insert(caps.end(),
              {"CAP_SYS_ADMIN", "CAP_SYS_TIME", "CAP_SYS_PTRACE", "CAP_SYSLOG", "CAP_BPF"});
  auto rules = rulesByName(defaultSeccompProfile(caps));
  for (const char* name :
       {"mount", "unshare", "setns", "clone", "clone3", "settimeofday", "kcmp", "syslog", "bpf"}) {
    EXPECT_TRUE(allowedOutright(rules, name)) << name;
  }
  EXPECT_EQ(rules.count("clone"), 1U);   // no masked rule beside the plain one
  EXPECT_EQ(rules.count("syslog"), 1U);  // listed under two capabilities, emitted once
  EXPECT_EQ(rules.count("bpf"), 1U);

  std::vector<std::string> noChroot = {"CAP_CHOWN"};
  EXPECT_EQ(rulesByName(defaultSeccompProfile(noChroot)).count("chroot"), 0U);
}

TEST(SeccompProfile, NoNameIsAllowedOutrightTwice) {
  json p = defaultSeccompProfile(allCapabilities());
  std::set<std::string> seen;
  for (const auto& rule : p["syscalls"]) {
    if (rule["action"] != "SCMP_ACT_ALLOW" || rule.contains("args")) {
      continue;
    }
    for (const auto& name : rule["names"]) {
      EXPECT_TRUE(seen.insert(name.get<std::string>()).second) << name;
    }
  }
}

}  // namespace
}  // namespace berth
