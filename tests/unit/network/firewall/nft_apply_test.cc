// NftFirewall against the kernel, each test in its own throwaway network
// namespace (runInNewNetns): nothing here touches the machine's own ruleset.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "kernel/netns.h"
#include "network/firewall/nft_firewall.h"
#include "network/firewall/nft_runner.h"

namespace berth {
namespace {

#define BERTH_REQUIRE_NFT_NETNS()                                                              \
  do {                                                                                         \
    if (::geteuid() != 0) {                                                                    \
      GTEST_SKIP() << "needs root";                                                            \
    }                                                                                          \
    Status probe = runInNewNetns([] { return runNftScript("add table inet berth_probe\n"); }); \
    if (!probe.ok()) {                                                                         \
      GTEST_SKIP() << "no nftables in a new network namespace: " << probe.error().message();   \
    }                                                                                          \
  } while (false)

FwState stateWithPort(int hostPort) {
  FwState s;
  FwNetwork n;
  n.id = "n1";
  n.bridge = "br-n1";
  n.subnets = {"172.18.0.0/16", "fd00:1::/64"};
  s.networks.push_back(n);
  FwPortMap p;
  p.networkId = "n1";
  p.proto = "tcp";
  p.hostPort = hostPort;
  p.containerPort = 80;
  p.containerIp = "172.18.0.2";
  s.ports.push_back(p);
  p.hostIp = "fd00:9::1";
  p.containerIp = "fd00:1::2";
  p.proto = "udp";
  s.ports.push_back(p);
  return s;
}

Result<std::string> listTable() { return runNftCommand("list table inet berth"); }

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(NftFirewall, ApplyCreatesThenReplaces) {
  BERTH_REQUIRE_NFT_NETNS();
  Status st = runInNewNetns([]() -> Status {
    NftFirewall fw;
    BERTH_TRY(fw.apply(stateWithPort(8080)));  // the table does not exist yet
    BERTH_ASSIGN_OR_RETURN(std::string first, listTable());
    EXPECT_TRUE(has(first, "tcp . 8080 : 172.18.0.2 . 80")) << first;
    EXPECT_TRUE(has(first, "fd00:9::1 . udp . 8080 : fd00:1::2 . 80")) << first;
    EXPECT_TRUE(has(first, "\"br-n1\"")) << first;

    BERTH_TRY(fw.apply(stateWithPort(9090)));
    BERTH_ASSIGN_OR_RETURN(std::string second, listTable());
    EXPECT_TRUE(has(second, "tcp . 9090 : 172.18.0.2 . 80")) << second;
    EXPECT_FALSE(has(second, "8080")) << second;
    // Replaced, not appended: one forward chain with one set of rules.
    EXPECT_EQ(second.find("chain forward"), second.rfind("chain forward"));
    EXPECT_EQ(second.find("\toifname @bridges drop"), second.rfind("\toifname @bridges drop"));

    BERTH_TRY(fw.apply({}));
    BERTH_ASSIGN_OR_RETURN(std::string empty, listTable());
    EXPECT_FALSE(has(empty, "br-n1")) << empty;
    EXPECT_TRUE(has(empty, "chain postrouting")) << empty;
    return okStatus();
  });
  ASSERT_TRUE(st.ok()) << st.error().message();
}

TEST(NftFirewall, RemoveAllDeletesTheTableAndIsIdempotent) {
  BERTH_REQUIRE_NFT_NETNS();
  Status st = runInNewNetns([]() -> Status {
    NftFirewall fw;
    BERTH_TRY(fw.removeAll());  // nothing there yet
    BERTH_TRY(fw.apply(stateWithPort(8080)));
    BERTH_TRY(fw.removeAll());
    EXPECT_FALSE(listTable().ok());
    BERTH_ASSIGN_OR_RETURN(std::string tables, runNftCommand("list tables"));
    EXPECT_FALSE(has(tables, "berth")) << tables;
    BERTH_TRY(fw.removeAll());
    return okStatus();
  });
  ASSERT_TRUE(st.ok()) << st.error().message();
}

TEST(NftFirewall, GuardRestoresAFlushedTable) {
  BERTH_REQUIRE_NFT_NETNS();
  Status st = runInNewNetns([]() -> Status {
    NftFirewall fw;
    BERTH_TRY(fw.apply(stateWithPort(8080)));
    fw.startGuard(std::chrono::milliseconds(20));  // its thread is in this namespace
    BERTH_TRY(runNftScript("flush ruleset\n"));
    bool back = false;
    for (int i = 0; i < 200 && !back; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      back = listTable().ok();
    }
    EXPECT_TRUE(back) << "the guard did not restore table inet berth";
    BERTH_ASSIGN_OR_RETURN(std::string table, listTable());
    EXPECT_TRUE(has(table, "tcp . 8080 : 172.18.0.2 . 80")) << table;
    EXPECT_GE(fw.restoredCount(), 1);
    // After removeAll there is nothing to keep: the guard leaves it gone.
    BERTH_TRY(fw.removeAll());
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_FALSE(listTable().ok());
    return okStatus();
  });
  ASSERT_TRUE(st.ok()) << st.error().message();
}

TEST(NftFirewall, OtherTablesAreLeftAlone) {
  BERTH_REQUIRE_NFT_NETNS();
  Status st = runInNewNetns([]() -> Status {
    BERTH_TRY(runNftScript(
        "table ip other {\n chain c {\n  type filter hook forward priority 0;\n }\n}\n"));
    NftFirewall fw;
    BERTH_TRY(fw.apply(stateWithPort(8080)));
    BERTH_TRY(fw.removeAll());
    BERTH_ASSIGN_OR_RETURN(std::string other, runNftCommand("list table ip other"));
    EXPECT_TRUE(has(other, "chain c")) << other;
    return okStatus();
  });
  ASSERT_TRUE(st.ok()) << st.error().message();
}

TEST(NftFirewall, BrokenScriptFailsWithOneLineAndKeepsTheOldTable) {
  BERTH_REQUIRE_NFT_NETNS();
  Status st = runInNewNetns([]() -> Status {
    NftFirewall fw;
    BERTH_TRY(fw.apply(stateWithPort(8080)));
    BERTH_ASSIGN_OR_RETURN(std::string before, listTable());

    // What an unchecked bridge name would do: break the script's syntax.
    FwState next = stateWithPort(9090);
    next.networks[0].bridge = "br-x";
    BERTH_ASSIGN_OR_RETURN(std::string script, renderRuleset(next));
    std::string broken = script;
    for (std::size_t at = broken.find("\"br-x\""); at != std::string::npos;
         at = broken.find("\"br-x\"", at + 1)) {
      broken.replace(at, 6, "\"br\"x\"");
    }
    Status bad = runNftScript(broken);
    EXPECT_FALSE(bad.ok());
    if (!bad.ok()) {
      EXPECT_EQ(bad.error().kind(), ErrorKind::kInternal);
      EXPECT_NE(bad.error().message().find("Error:"), std::string::npos) << bad.error().message();
      EXPECT_EQ(bad.error().message().find('\n'), std::string::npos) << bad.error().message();
    }
    BERTH_ASSIGN_OR_RETURN(std::string after, listTable());
    EXPECT_EQ(before, after);

    // A kernel-side refusal late in the batch (a jump to a missing chain)
    // also leaves the old table: delete + add are one transaction.
    std::string late = script;
    late.replace(late.find("jump published"), 14, "jump nosuchchain");
    EXPECT_FALSE(runNftScript(late).ok());
    BERTH_ASSIGN_OR_RETURN(std::string afterLate, listTable());
    EXPECT_EQ(before, afterLate);

    // Through the interface, a bad name never reaches nft.
    next.networks[0].bridge = "br\"x";
    Status invalid = fw.apply(next);
    EXPECT_FALSE(invalid.ok());
    if (!invalid.ok()) {
      EXPECT_EQ(invalid.error().kind(), ErrorKind::kInvalidArgument);
    }
    BERTH_ASSIGN_OR_RETURN(std::string afterInvalid, listTable());
    EXPECT_EQ(before, afterInvalid);
    return okStatus();
  });
  ASSERT_TRUE(st.ok()) << st.error().message();
}

TEST(NftFirewall, ActsInTheCallingThreadsNamespaceOnly) {
  BERTH_REQUIRE_NFT_NETNS();
  Result<UniqueFd> first = runInNewNetns([]() -> Result<UniqueFd> {
    NftFirewall fw;
    BERTH_TRY(fw.apply(stateWithPort(8080)));
    return openCurrentNetns();  // keeps the namespace alive
  });
  ASSERT_TRUE(first.ok()) << first.error().message();
  Status other = runInNewNetns([]() -> Status {
    EXPECT_FALSE(listTable().ok());  // a fresh namespace sees no berth table
    return okStatus();
  });
  ASSERT_TRUE(other.ok()) << other.error().message();
  Status back = runInNetns(first->get(), []() -> Status {
    BERTH_ASSIGN_OR_RETURN(std::string t, listTable());
    EXPECT_TRUE(has(t, "tcp . 8080 : 172.18.0.2 . 80")) << t;
    return NftFirewall().removeAll();
  });
  ASSERT_TRUE(back.ok()) << back.error().message();
}

TEST(NftFirewall, ConcurrentAppliesAreSerialized) {
  BERTH_REQUIRE_NFT_NETNS();
  Status st = runInNewNetns([]() -> Status {
    NftFirewall fw;
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    threads.reserve(4);
    // Threads started here inherit this thread's network namespace.
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&fw, &failures, t] {
        for (int i = 0; i < 5; ++i) {
          if (!fw.apply(stateWithPort(10000 + t * 10 + i)).ok()) {
            ++failures;
          }
        }
      });
    }
    for (std::thread& th : threads) {
      th.join();
    }
    EXPECT_EQ(failures.load(), 0);
    BERTH_ASSIGN_OR_RETURN(std::string t, listTable());
    // Exactly one state won: one element in the unbound v4 map.
    EXPECT_EQ(t.find("tcp . 100"), t.rfind("tcp . 100")) << t;
    return okStatus();
  });
  ASSERT_TRUE(st.ok()) << st.error().message();
}

}  // namespace
}  // namespace berth
