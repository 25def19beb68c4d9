#include <gtest/gtest.h>

#include "cli/commands/system.h"
#include "cli/flag_values.h"

namespace berth::cli {
namespace {

const auto kNow = std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000));

int utc(int64_t) { return 0; }

TEST(EventLineTest, DockerDefaultShape) {
  auto event = nlohmann::json::parse(R"({
    "status": "start", "id": "abc123", "from": "alpine",
    "Type": "container", "Action": "start",
    "Actor": {"ID": "abc123", "Attributes": {"name": "web", "image": "alpine", "exitCode": "0"}},
    "scope": "local", "time": 1700000000, "timeNano": 1700000000000000001})");
  EXPECT_EQ(formatEventLine(event, utc),
            "2023-11-14T22:13:20.000000001Z container start abc123 "
            "(exitCode=0, image=alpine, name=web)");
  EXPECT_EQ(formatEventLine(event, [](int64_t) { return 3600; }),
            "2023-11-14T23:13:20.000000001+01:00 container start abc123 "
            "(exitCode=0, image=alpine, name=web)");
}

TEST(EventLineTest, WithoutAttributesOrNanos) {
  auto event = nlohmann::json::parse(
      R"({"Type":"network","Action":"create","Actor":{"ID":"n1","Attributes":{}},"time":1700000000})");
  EXPECT_EQ(formatEventLine(event, utc), "2023-11-14T22:13:20.000000000Z network create n1");
  auto timeless =
      nlohmann::json::parse(R"({"Type":"daemon","Action":"reload","Actor":{"ID":"d"}})");
  EXPECT_EQ(formatEventLine(timeless, utc), "daemon reload d");
}

TEST(FilterFlagTest, EncodesAsMapOfBools) {
  auto filters = parseFilterFlags({"type=container", " Type = network ", "event=start"});
  ASSERT_TRUE(filters.ok());
  EXPECT_EQ(filters->toJson(),
            R"({"event":{"start":true},"type":{"container":true,"network":true}})");
  auto label = parseFilterFlags({"label=com.example=1"});
  ASSERT_TRUE(label.ok());
  EXPECT_EQ(label->toJson(), R"({"label":{"com.example=1":true}})");
}

TEST(FilterFlagTest, BadFilterReadsLikePflag) {
  auto bad = parseFilterFlags({"foo"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(),
            "invalid argument \"foo\" for \"-f, --filter\" flag: bad format of filter (expected "
            "name=value)");
}

TEST(EventsQueryTest, FiltersSinceUntil) {
  auto filters = parseFilterFlags({"type=container"});
  ASSERT_TRUE(filters.ok());
  auto q = eventsQuery(*filters, "10m", "2023-11-14T22:13:20Z", kNow, 0);
  ASSERT_TRUE(q.ok());
  Query want = {{"filters", R"({"type":{"container":true}})"},
                {"since", "1699999400"},
                {"until", "1700000000.000000000"}};
  EXPECT_EQ(*q, want);
  auto none = eventsQuery(Filters{}, "", "", kNow, 0);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  auto bad = eventsQuery(Filters{}, "yesterday", "", kNow, 0);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(), "failed to parse value as time or duration: \"yesterday\"");
}

TEST(InfoTest, BytesSizeLikeGoUnits) {
  EXPECT_EQ(bytesSize(0), "0B");
  EXPECT_EQ(bytesSize(1536), "1.5KiB");
  EXPECT_EQ(bytesSize(2097152000), "1.953GiB");
  EXPECT_EQ(bytesSize(16.0 * 1024 * 1024 * 1024), "16GiB");
}

TEST(InfoTest, ServerSectionWithKernelFeatures) {
  auto info = nlohmann::json::parse(R"json({
    "Containers": 3, "ContainersRunning": 1, "ContainersPaused": 0, "ContainersStopped": 2,
    "Images": 4, "ServerVersion": "0.1.0", "Driver": "overlay2",
    "DriverStatus": [["Backing Filesystem", "extfs"]],
    "LoggingDriver": "json-file", "CgroupDriver": "cgroupfs", "CgroupVersion": "1",
    "Plugins": {"Volume": ["local"], "Network": ["bridge", "host", "null"], "Log": ["json-file"]},
    "Swarm": {"LocalNodeState": "inactive"},
    "Runtimes": {"runc": {"path": "runc"}, "crun": {"path": "crun"}}, "DefaultRuntime": "runc",
    "OSType": "linux", "InitBinary": "", "ContainerdCommit": {"ID": ""},
    "RuncCommit": {"ID": "v1.1.5"}, "InitCommit": {"ID": ""},
    "SecurityOptions": ["name=seccomp,profile=builtin", "name=cgroupns"],
    "KernelVersion": "6.1.0", "OperatingSystem": "Debian GNU/Linux 12 (bookworm)",
    "Architecture": "x86_64", "NCPU": 2, "MemTotal": 2097152000, "Name": "host1",
    "ID": "abcd", "DockerRootDir": "/var/lib/berth", "Debug": false,
    "ExperimentalBuild": false,
    "RegistryConfig": {"InsecureRegistryCIDRs": ["127.0.0.0/8"], "IndexConfigs": {}},
    "LiveRestoreEnabled": true,
    "BerthKernelFeatures": {"bridge": true, "veth": true, "vxlan": true, "macvlan": true,
      "ipvlan": false, "vlan8021q": false, "nftables": true, "ipvs": false, "overlayfs": true,
      "cgroupLayout": "hybrid", "kernelRelease": "6.1.0-18-amd64"},
    "Warnings": ["WARNING: bridge-nf-call-iptables is disabled"]
  })json");
  ServerInfoText text = renderServerInfo(info, false);
  EXPECT_EQ(text.out,
            " Containers: 3\n"
            "  Running: 1\n"
            "  Paused: 0\n"
            "  Stopped: 2\n"
            " Images: 4\n"
            " Server Version: 0.1.0\n"
            " Storage Driver: overlay2\n"
            "  Backing Filesystem: extfs\n"
            " Logging Driver: json-file\n"
            " Cgroup Driver: cgroupfs\n"
            " Cgroup Version: 1\n"
            " Plugins:\n"
            "  Volume: local\n"
            "  Network: bridge host null\n"
            "  Log: json-file\n"
            " Swarm: inactive\n"
            " Runtimes: crun runc\n"
            " Default Runtime: runc\n"
            " Init Binary: \n"
            " containerd version: \n"
            " runc version: v1.1.5\n"
            " init version: \n"
            " Security Options:\n"
            "  seccomp\n"
            "   Profile: builtin\n"
            "  cgroupns\n"
            " Kernel Version: 6.1.0\n"
            " Operating System: Debian GNU/Linux 12 (bookworm)\n"
            " OSType: linux\n"
            " Architecture: x86_64\n"
            " CPUs: 2\n"
            " Total Memory: 1.953GiB\n"
            " Name: host1\n"
            " ID: abcd\n"
            " Berth Root Dir: /var/lib/berth\n"
            " Debug Mode: false\n"
            " Experimental: false\n"
            " Insecure Registries:\n"
            "  127.0.0.0/8\n"
            " Live Restore Enabled: true\n"
            " Kernel Networking:\n"
            "  bridge: yes\n"
            "  veth: yes\n"
            "  vxlan: yes\n"
            "  macvlan: yes\n"
            "  ipvlan: no (missing)\n"
            "  vlan8021q: no (missing)\n"
            "  nftables: yes\n"
            "  ipvs: no (missing)\n"
            "  overlayfs: yes\n"
            "  cgroupLayout: hybrid\n"
            "  kernelRelease: 6.1.0-18-amd64\n"
            "\n");
  ASSERT_EQ(text.warnings.size(), 1u);
  EXPECT_EQ(text.warnings[0], "WARNING: bridge-nf-call-iptables is disabled");
}

TEST(VersionTest, SynthesisesTheEngineComponent) {
  auto server = normalizeServerVersion(nlohmann::json::parse(R"({
    "Version": "0.1.0", "ApiVersion": "1.44", "MinAPIVersion": "1.24", "GitCommit": "abc",
    "GoVersion": "C++20", "Os": "linux", "Arch": "amd64", "Experimental": false,
    "BuildTime": "2023-11-14T22:13:20.000000000+00:00"})"));
  ASSERT_EQ(server["Components"].size(), 1u);
  EXPECT_EQ(server["Components"][0]["Name"], "Engine");
  EXPECT_EQ(server["Components"][0]["Details"]["BuildTime"], "Tue Nov 14 22:13:20 2023");
  EXPECT_EQ(server["Components"][0]["Details"]["Experimental"], "false");

  nlohmann::json data;
  data["Client"] = {
      {"Version", "0.1.0"},    {"ApiVersion", "1.43"}, {"DefaultAPIVersion", "1.44"},
      {"CppVersion", "C++20"}, {"GitCommit", "abc"},   {"BuildTime", "Tue Nov 14 22:13:20 2023"},
      {"Os", "linux"},         {"Arch", "amd64"},      {"Context", "default"}};
  data["Server"] = server;
  data["Server"]["Components"].push_back(
      {{"Name", "runc"}, {"Version", "1.1.5"}, {"Details", {{"GitCommit", "v1.1.5-0"}}}});
  EXPECT_EQ(renderVersionText(data),
            "Client:\n"
            " Version:           0.1.0\n"
            " API version:       1.43 (downgraded from 1.44)\n"
            " C++ version:       C++20\n"
            " Git commit:        abc\n"
            " Built:             Tue Nov 14 22:13:20 2023\n"
            " OS/Arch:           linux/amd64\n"
            " Context:           default\n"
            "\n"
            "Server:\n"
            " Engine:\n"
            "  Version:          0.1.0\n"
            "  API version:      1.44 (minimum version 1.24)\n"
            "  Go version:       C++20\n"
            "  Git commit:       abc\n"
            "  Built:            Tue Nov 14 22:13:20 2023\n"
            "  OS/Arch:          linux/amd64\n"
            "  Experimental:     false\n"
            " runc:\n"
            "  Version:          1.1.5\n"
            "  GitCommit:        v1.1.5-0\n");
}

}  // namespace
}  // namespace berth::cli
