#include <gtest/gtest.h>

#include "container/container_view.h"
#include "container/list_filter.h"
#include "fakes.h"

namespace berth::container {
namespace {

using nlohmann::json;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using testing::body;

TEST(ViewTest, HumanDurationMatchesGoUnits) {
  EXPECT_EQ(humanDuration(std::chrono::milliseconds(500)), "Less than a second");
  EXPECT_EQ(humanDuration(seconds(1)), "1 second");
  EXPECT_EQ(humanDuration(seconds(59)), "59 seconds");
  EXPECT_EQ(humanDuration(seconds(60)), "About a minute");
  EXPECT_EQ(humanDuration(minutes(59)), "59 minutes");
  EXPECT_EQ(humanDuration(minutes(60)), "About an hour");
  EXPECT_EQ(humanDuration(hours(47)), "47 hours");
  EXPECT_EQ(humanDuration(hours(48)), "2 days");
  EXPECT_EQ(humanDuration(hours(24 * 14)), "2 weeks");
  EXPECT_EQ(humanDuration(hours(24 * 61)), "2 months");
  EXPECT_EQ(humanDuration(hours(24 * 365 * 3)), "3 years");
}

TEST(ViewTest, StatusText) {
  const int64_t s = 1000000000;
  ContainerState st;
  EXPECT_EQ(statusText(st, 100 * s), "Created");
  st.running = true;
  st.startedAtNano = 10 * s;
  EXPECT_EQ(statusText(st, 15 * s), "Up 5 seconds");
  st.paused = true;
  EXPECT_EQ(statusText(st, 15 * s), "Up 5 seconds (Paused)");
  st.paused = false;
  st.restarting = true;
  st.exitCode = 1;
  st.finishedAtNano = 12 * s;
  EXPECT_EQ(statusText(st, 15 * s), "Restarting (1) 3 seconds ago");
  st = ContainerState{};
  st.startedAtNano = 10 * s;
  st.finishedAtNano = 20 * s;
  st.exitCode = 137;
  EXPECT_EQ(statusText(st, 20 * s + 200 * s), "Exited (137) 3 minutes ago");
  st.removalInProgress = true;
  EXPECT_EQ(statusText(st, 0), "Removal In Progress");
  EXPECT_EQ(formatGoTime(0), "0001-01-01T00:00:00Z");
}

class InspectTest : public testing::ServiceFixture {};

TEST_F(InspectTest, InspectHasDockerdsShape) {
  std::string id = create(body({{"Cmd", {"sh", "-c", "sleep 9"}}}), "web");
  auto j = svc->inspect("web", false);
  ASSERT_TRUE(j.ok());
  for (const char* key :
       {"Id",           "Created",         "Path",           "Args",       "State",
        "Image",        "ResolvConfPath",  "HostnamePath",   "HostsPath",  "LogPath",
        "Name",         "RestartCount",    "Driver",         "Platform",   "MountLabel",
        "ProcessLabel", "AppArmorProfile", "ExecIDs",        "HostConfig", "GraphDriver",
        "Mounts",       "Config",          "NetworkSettings"}) {
    EXPECT_TRUE(j->contains(key)) << key;
  }
  for (const char* key : {"Status", "Running", "Paused", "Restarting", "OOMKilled", "Dead", "Pid",
                          "ExitCode", "Error", "StartedAt", "FinishedAt"}) {
    EXPECT_TRUE((*j)["State"].contains(key)) << key;
  }
  for (const char* key :
       {"Bridge", "SandboxID", "SandboxKey", "Ports", "Networks", "IPAddress", "MacAddress"}) {
    EXPECT_TRUE((*j)["NetworkSettings"].contains(key)) << key;
  }
  EXPECT_EQ((*j)["Name"], "/web");
  EXPECT_EQ((*j)["Path"], "sh");
  EXPECT_EQ((*j)["Args"], json({"-c", "sleep 9"}));
  EXPECT_EQ((*j)["State"]["Status"], "created");
  EXPECT_EQ((*j)["State"]["StartedAt"], "0001-01-01T00:00:00Z");
  EXPECT_EQ((*j)["Created"], "2030-01-01T00:00:00Z");
  EXPECT_EQ((*j)["Image"], testing::busybox().id);
  EXPECT_EQ((*j)["Config"]["Image"], "busybox");
  EXPECT_EQ((*j)["ExecIDs"], nullptr);
  EXPECT_EQ((*j)["NetworkSettings"]["Networks"].begin().key(), "none");
  EXPECT_EQ((*j)["HostConfig"]["NetworkMode"], "none");
  EXPECT_EQ((*j)["GraphDriver"]["Name"], "overlay2");
  EXPECT_EQ((*j)["GraphDriver"]["Data"]["UpperDir"], tmp.sub("data") + "/overlay/" + id + "/upper");
  EXPECT_FALSE(j->contains("SizeRw"));

  ASSERT_TRUE(svc->start(id).ok());
  j = svc->inspect(id, true);
  EXPECT_EQ((*j)["State"]["Status"], "running");
  EXPECT_EQ((*j)["State"]["Running"], true);
  EXPECT_EQ((*j)["State"]["Pid"], 1001);
  EXPECT_EQ((*j)["HostsPath"], tmp.sub("data") + "/containers/" + id + "/hosts");
  EXPECT_EQ((*j)["LogPath"], tmp.sub("data") + "/containers/" + id + "/" + id + "-json.log");
  EXPECT_EQ((*j)["NetworkSettings"]["SandboxKey"], "/run/test/netns/" + id);
  EXPECT_TRUE(j->contains("SizeRw"));
  EXPECT_TRUE(j->contains("SizeRootFs"));
  EXPECT_EQ(svc->inspect("nosuch", false).error().message(), "No such container: nosuch");
}

TEST_F(InspectTest, ListShowsRunningOrAllNewestFirst) {
  std::string a = create(body({{"Labels", {{"tier", "db"}}}}), "aa");
  clockNano += 1000000000;
  std::string b = create(body({{"Cmd", {"echo", "hi"}}}), "bb");
  clockNano += 1000000000;
  std::string c = create(body(), "cc");
  ASSERT_TRUE(svc->start("aa").ok());
  ASSERT_TRUE(svc->start("bb").ok());
  exitContainer(b, 3);

  auto ids = [&](const ListOptions& o) {
    auto r = svc->list(o);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message());
    std::vector<std::string> out;
    for (const auto& e : *r) {
      out.push_back(e["Names"][0].get<std::string>());
    }
    return out;
  };
  ListOptions running;
  EXPECT_EQ(ids(running), std::vector<std::string>({"/aa"}));
  ListOptions all;
  all.all = true;
  EXPECT_EQ(ids(all), std::vector<std::string>({"/cc", "/bb", "/aa"}));
  ListOptions limit;
  limit.limit = 2;
  EXPECT_EQ(ids(limit), std::vector<std::string>({"/cc", "/bb"}));

  auto filtered = [&](const std::string& k, const std::string& v) {
    ListOptions o;
    o.all = true;
    o.filters.add(k, v);
    return ids(o);
  };
  EXPECT_EQ(filtered("status", "exited"), std::vector<std::string>({"/bb"}));
  EXPECT_EQ(filtered("status", "created"), std::vector<std::string>({"/cc"}));
  EXPECT_EQ(filtered("exited", "3"), std::vector<std::string>({"/bb"}));
  EXPECT_EQ(filtered("exited", "0"), std::vector<std::string>({}));
  EXPECT_EQ(filtered("label", "tier=db"), std::vector<std::string>({"/aa"}));
  EXPECT_EQ(filtered("label", "tier"), std::vector<std::string>({"/aa"}));
  EXPECT_EQ(filtered("name", "^/(aa|bb)$"), std::vector<std::string>({"/bb", "/aa"}));
  EXPECT_EQ(filtered("id", a.substr(0, 8)), std::vector<std::string>({"/aa"}));
  EXPECT_EQ(filtered("before", "cc"), std::vector<std::string>({"/bb", "/aa"}));
  EXPECT_EQ(filtered("since", "aa"), std::vector<std::string>({"/cc", "/bb"}));
  EXPECT_EQ(filtered("ancestor", "busybox"), std::vector<std::string>({"/cc", "/bb", "/aa"}));
  EXPECT_EQ(filtered("network", "none"), std::vector<std::string>({"/cc", "/bb", "/aa"}));
  EXPECT_EQ(filtered("network", "host"), std::vector<std::string>({}));
  EXPECT_EQ(filtered("health", "none").size(), 3U);
  {
    ListOptions o;  // a status filter looks at stopped containers even without `all`
    o.filters.add("status", "created");
    EXPECT_EQ(ids(o), std::vector<std::string>({"/cc"}));
  }

  auto entry = (*svc->list(all))[1];
  EXPECT_EQ(entry["Command"], "echo hi");
  EXPECT_EQ(entry["State"], "exited");
  EXPECT_EQ(entry["Status"], "Exited (3) Less than a second ago");
  EXPECT_EQ(entry["Image"], "busybox");
  EXPECT_EQ(entry["HostConfig"]["NetworkMode"], "none");
  EXPECT_EQ(entry["Created"], 1893456001);

  for (auto [k, v, msg] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"status", "sleeping", "Unrecognised filter value for status: sleeping"},
           {"health", "meh", "Unrecognised filter value for health: meh"},
           {"exited", "x", "strconv.Atoi: parsing \"x\": invalid syntax"},
           {"colour", "red", "invalid filter 'colour'"}}) {
    ListOptions o;
    o.filters.add(k, v);
    auto r = svc->list(o);
    ASSERT_FALSE(r.ok()) << k;
    EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidArgument);
    EXPECT_EQ(r.error().message(), msg);
  }
  ListOptions before;
  before.filters.add("before", "nosuch");
  EXPECT_EQ(svc->list(before).error().kind(), ErrorKind::kNotFound);
}

TEST_F(InspectTest, ImageUsageReportsContainersOfAnImage) {
  std::string a = create(body());
  ASSERT_TRUE(svc->start(a).ok());
  std::string b = create(body());
  auto users = svc->containersUsing(testing::busybox().id);
  ASSERT_EQ(users.size(), 2U);
  int running = 0;
  for (const auto& u : users) {
    running += u.running ? 1 : 0;
  }
  EXPECT_EQ(running, 1);
  EXPECT_TRUE(svc->containersUsing("sha256:other").empty());
}

}  // namespace
}  // namespace berth::container
