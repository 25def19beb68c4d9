// The tables of ps, images, history, stats and port, against docker's output
// for the same daemon replies.
#include <gtest/gtest.h>

#include "cli/commands/container.h"
#include "cli/commands/image.h"
#include "format/render.h"

namespace berth::cli {
namespace {

using nlohmann::json;

const auto kNow = std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000));

class FormatTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("TZ", "UTC", 1);  // NOLINT(concurrency-mt-unsafe): gtest runs tests on one thread
    ::tzset();
  }
};

json webContainer() {
  return json::parse(R"({
    "Id": "aaaaaaaaaaaabbbbbbbbbbbbccccccccccccddddddddddddeeeeeeeeeeeeffff",
    "Names": ["/web", "/other/alias"], "Image": "docker.io/library/nginx:latest",
    "ImageID": "sha256:1111111111112222222222223333333333334444444444445555555555556666",
    "Command": "nginx -g 'daemon off;' with a long tail", "Created": 1699999880,
    "Ports": [{"IP":"0.0.0.0","PrivatePort":80,"PublicPort":8080,"Type":"tcp"},
              {"IP":"::","PrivatePort":80,"PublicPort":8080,"Type":"tcp"},
              {"PrivatePort":443,"Type":"tcp"}],
    "Labels": {"b": "2", "a": "1"}, "State": "running", "Status": "Up 2 minutes",
    "SizeRw": 12, "SizeRootFs": 4260000,
    "NetworkSettings": {"Networks": {"net2": {}, "bridge": {}}},
    "Mounts": [{"Name": "", "Source": "/very/long/host/path/x", "Driver": ""},
               {"Name": "data", "Driver": "local"}]})");
}

TEST_F(FormatTest, PsRowLikeDocker) {
  json row = containerRow(webContainer(), true, kNow);
  EXPECT_EQ(row["ID"], "aaaaaaaaaaaa");
  EXPECT_EQ(row["Image"], "nginx:latest");
  EXPECT_EQ(row["Command"], "\"nginx -g 'daemon of…\"");
  EXPECT_EQ(row["RunningFor"], "2 minutes ago");
  EXPECT_EQ(row["CreatedAt"], "2023-11-14 22:11:20 +0000 UTC");
  EXPECT_EQ(row["Status"], "Up 2 minutes");
  EXPECT_EQ(row["Ports"], "443/tcp, 0.0.0.0:8080->80/tcp, [::]:8080->80/tcp");
  EXPECT_EQ(row["Names"], "web");
  EXPECT_EQ(row["Labels"], "a=1,b=2");
  EXPECT_EQ(row["Networks"], "bridge,net2");
  EXPECT_EQ(row["Mounts"], "/very/long/hos…,data");
  EXPECT_EQ(row["LocalVolumes"], "1");
  EXPECT_EQ(row["Size"], "12B (virtual 4.26MB)");

  json full = containerRow(webContainer(), false, kNow);
  EXPECT_EQ(full["Command"], "\"nginx -g 'daemon off;' with a long tail\"");
  EXPECT_EQ(full["Names"], "web,other/alias");
  EXPECT_EQ(full["Image"], "docker.io/library/nginx:latest");
}

TEST_F(FormatTest, PsStatusesAndImageIds) {
  json c = json::parse(R"({"Id":"c1","Names":["/old"],"Image":"sha256:dddddddddddd0000",
    "ImageID":"sha256:dddddddddddd0000","Command":"echo hi","Created":1699992800,
    "State":"exited","Status":"Exited (0) 2 hours ago"})");
  json row = containerRow(c, true, kNow);
  EXPECT_EQ(row["Image"], "dddddddddddd");
  EXPECT_EQ(row["Command"], "\"echo hi\"");
  EXPECT_EQ(row["RunningFor"], "2 hours ago");
  EXPECT_EQ(row["Status"], "Exited (0) 2 hours ago");
  EXPECT_EQ(row["Size"], "0B");
  c["Status"] = "Created";
  c["Created"] = 1'700'000'000;
  EXPECT_EQ(containerRow(c, true, kNow)["RunningFor"], "Less than a second ago");
  EXPECT_EQ(containerRow(c, true, kNow)["Status"], "Created");
}

TEST_F(FormatTest, PsTableLikeDocker) {
  auto text = format::renderRows(psFormat("", false, false),
                                 {containerRow(webContainer(), true, kNow)}, containerHeaders());
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text,
            "CONTAINER ID   IMAGE          COMMAND                  CREATED         STATUS         "
            "PORTS                                              NAMES\n"
            "aaaaaaaaaaaa   nginx:latest   \"nginx -g 'daemon of…\"   2 minutes ago   Up 2 minutes  "
            " 443/tcp, 0.0.0.0:8080->80/tcp, [::]:8080->80/tcp   web\n");
  EXPECT_EQ(psFormat("", true, false), "{{.ID}}");
  EXPECT_EQ(psFormat("table {{.Names}}", true, false), "{{.ID}}");
  EXPECT_EQ(psFormat("", false, true).substr(psFormat("", false, true).size() - 10), "\t{{.Size}}");
  auto lines = renderList("json", {containerRow(webContainer(), true, kNow)}, containerHeaders());
  ASSERT_TRUE(lines.ok());
  EXPECT_NE(lines->find(R"("Ports":"443/tcp, 0.0.0.0:8080-\u003e80/tcp)"), std::string::npos);
}

TEST_F(FormatTest, PortRangesFold) {
  json ports = json::parse(R"([
    {"PrivatePort":8001,"Type":"tcp"},{"PrivatePort":8000,"Type":"tcp"},
    {"PrivatePort":8002,"Type":"tcp"},{"PrivatePort":9000,"Type":"udp"},
    {"IP":"0.0.0.0","PrivatePort":7000,"PublicPort":7000,"Type":"tcp"},
    {"IP":"0.0.0.0","PrivatePort":7001,"PublicPort":7001,"Type":"tcp"}])");
  EXPECT_EQ(displayablePorts(ports), "0.0.0.0:7000-7001->7000-7001/tcp, 8000-8002/tcp, 9000/udp");
  EXPECT_EQ(displayablePorts(json::array()), "");
}

TEST_F(FormatTest, ImageRowsLikeDocker) {
  json img = json::parse(R"({"Id":"sha256:eeeeeeeeeeeeffffffffffff","RepoTags":["busybox:latest",
    "alpine:3","localhost:5000/x:1"],"RepoDigests":["busybox@sha256:abc"],"Created":1699740800,
    "Size":4261000,"SharedSize":-1,"Containers":-1})");
  auto rows = imageRows(img, true, false, kNow);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0]["Repository"], "busybox");
  EXPECT_EQ(rows[0]["Tag"], "latest");
  EXPECT_EQ(rows[0]["Digest"], "<none>");
  EXPECT_EQ(rows[0]["ID"], "eeeeeeeeeeee");
  EXPECT_EQ(rows[0]["CreatedSince"], "3 days ago");
  EXPECT_EQ(rows[0]["Size"], "4.26MB");
  EXPECT_EQ(rows[0]["VirtualSize"], "4.261MB");
  EXPECT_EQ(rows[0]["SharedSize"], "N/A");
  EXPECT_EQ(rows[0]["Containers"], "N/A");
  EXPECT_EQ(rows[1]["Repository"], "alpine");
  EXPECT_EQ(rows[2]["Repository"], "localhost:5000/x");
  EXPECT_EQ(imageRows(img, true, true, kNow)[0]["Digest"], "sha256:abc");

  json dangling = json::parse(R"({"Id":"sha256:999999999999aaaa","RepoTags":null,
    "RepoDigests":null,"Created":1699999970,"Size":999})");
  auto none = imageRows(dangling, false, false, kNow);
  ASSERT_EQ(none.size(), 1u);
  EXPECT_EQ(none[0]["Repository"], "<none>");
  EXPECT_EQ(none[0]["Tag"], "<none>");
  EXPECT_EQ(none[0]["ID"], "sha256:999999999999aaaa");
  EXPECT_EQ(none[0]["Size"], "999B");
  EXPECT_EQ(none[0]["CreatedSince"], "30 seconds ago");

  json digestOnly = json::parse(R"({"Id":"sha256:ffff","RepoDigests":["x@sha256:1"],
    "Created":1,"Size":1234567890})");
  auto d = imageRows(digestOnly, true, false, kNow);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0]["Tag"], "<none>");
  EXPECT_EQ(d[0]["Digest"], "");
  EXPECT_EQ(d[0]["Size"], "1.23GB");

  auto table = format::renderRows(imagesFormat("", false, false),
                                  {rows[0], none[0]}, imageHeaders());
  ASSERT_TRUE(table.ok());
  EXPECT_EQ(*table,
            "REPOSITORY   TAG       IMAGE ID                  CREATED          SIZE\n"
            "busybox      latest    eeeeeeeeeeee              3 days ago       4.26MB\n"
            "<none>       <none>    sha256:999999999999aaaa   30 seconds ago   999B\n");
  EXPECT_EQ(imagesFormat("table {{.ID}}", false, true), "table {{.ID}}\t{{.Digest}}");
}

TEST_F(FormatTest, HistoryRows) {
  json h = json::parse(R"({"Id":"<missing>","Created":1699996400,
    "CreatedBy":"/bin/sh -c #(nop)\tCMD [\"sh\"] and a very long tail that goes on",
    "Size":4261000,"Comment":"imported"})");
  json row = historyRow(h, true, true, kNow);
  EXPECT_EQ(row["ID"], "<missing>");
  EXPECT_EQ(row["CreatedSince"], "About an hour ago");
  EXPECT_EQ(row["CreatedBy"], "/bin/sh -c #(nop) CMD [\"sh\"] and a very long…");
  EXPECT_EQ(row["Size"], "4.26MB");
  json raw = historyRow(h, false, false, kNow);
  EXPECT_EQ(raw["CreatedSince"], "2023-11-14T21:13:20Z");
  EXPECT_EQ(raw["Size"], "4261000");
}

TEST_F(FormatTest, StatsRowLikeDocker) {
  json sample = json::parse(R"({"id":"ffffffffffff0000","name":"/web","pids_stats":{"current":3},
    "cpu_stats":{"cpu_usage":{"total_usage":2000000},"system_cpu_usage":100000000,"online_cpus":2},
    "precpu_stats":{"cpu_usage":{"total_usage":1000000},"system_cpu_usage":50000000},
    "memory_stats":{"usage":10485760,"limit":2147483648,"stats":{"inactive_file":1048576}},
    "networks":{"eth0":{"rx_bytes":1234,"tx_bytes":5678}},
    "blkio_stats":{"io_service_bytes_recursive":[{"op":"read","value":4096},
                                                 {"op":"write","value":8192}]}})");
  json row = statsRow(sample, "web", true);
  EXPECT_EQ(row["ID"], "ffffffffffff");
  EXPECT_EQ(row["Name"], "web");
  EXPECT_EQ(row["CPUPerc"], "4.00%");
  EXPECT_EQ(row["MemUsage"], "9MiB / 2GiB");
  EXPECT_EQ(row["MemPerc"], "0.44%");
  EXPECT_EQ(row["NetIO"], "1.23kB / 5.68kB");
  EXPECT_EQ(row["BlockIO"], "4.1kB / 8.19kB");
  EXPECT_EQ(row["PIDs"], "3");
  EXPECT_EQ(row["Container"], "web");
  auto table = format::renderRows(
      "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{."
      "BlockIO}}\t{{.PIDs}}",
      {row}, statsHeaders());
  ASSERT_TRUE(table.ok());
  EXPECT_EQ(table->substr(0, table->find('\n')),
            "CONTAINER ID   NAME      CPU %     MEM USAGE / LIMIT   MEM %     NET I/O           "
            "BLOCK I/O        PIDS");
}

TEST_F(FormatTest, PortLines) {
  json c = json::parse(R"({"NetworkSettings":{"Ports":{
    "80/tcp":[{"HostIp":"0.0.0.0","HostPort":"8080"},{"HostIp":"::","HostPort":"8080"}],
    "443/tcp":null,"9/tcp":[{"HostIp":"0.0.0.0","HostPort":"10009"}]}}})");
  auto all = portLines(c, "", "web");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(*all, (std::vector<std::string>{"9/tcp -> 0.0.0.0:10009", "80/tcp -> 0.0.0.0:8080",
                                            "80/tcp -> [::]:8080"}));
  EXPECT_EQ(*portLines(c, "80", "web"),
            (std::vector<std::string>{"0.0.0.0:8080", "[::]:8080"}));
  auto none = portLines(c, "443", "web");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().message(), "Error: No public port '443' published for web");
}

}  // namespace
}  // namespace berth::cli
