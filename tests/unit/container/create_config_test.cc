#include "container/create_config.h"

#include <gtest/gtest.h>

#include "fakes.h"

namespace berth::container {
namespace {

using nlohmann::json;
using testing::busybox;

const std::string kId(64, 'a');

CreateDefaults defaults() {
  CreateDefaults d;
  d.host.cpus = 2;
  d.host.hostname = "testhost";
  return d;
}

Result<CreatePlan> plan(const json& body, const image::ImageRecord& img = busybox()) {
  return planCreate(body, img, kId, defaults());
}

struct BadCase {
  const char* what;
  json body;
  ErrorKind kind;
  std::string message;
};

TEST(CreateConfigTest, RejectsBadInputWithDockerdWording) {
  std::vector<BadCase> cases = {
      {"restart policy",
       {{"HostConfig", {{"RestartPolicy", {{"Name", "sometimes"}}}}}},
       ErrorKind::kInvalidArgument,
       ""},
      {"negative retries",
       {{"HostConfig", {{"RestartPolicy", {{"Name", "on-failure"}, {"MaximumRetryCount", -1}}}}}},
       ErrorKind::kInvalidArgument,
       ""},
      {"retries without on-failure",
       {{"HostConfig", {{"RestartPolicy", {{"Name", "always"}, {"MaximumRetryCount", 3}}}}}},
       ErrorKind::kInvalidArgument,
       ""},
      {"rm with restart",
       {{"HostConfig", {{"AutoRemove", true}, {"RestartPolicy", {{"Name", "always"}}}}}},
       ErrorKind::kInvalidArgument,
       "can't create 'AutoRemove' container with restart policy"},
      {"tiny memory",
       {{"HostConfig", {{"Memory", 1024}}}},
       ErrorKind::kInvalidArgument,
       "Minimum memory limit allowed is 6MB"},
      {"swap below memory",
       {{"HostConfig", {{"Memory", 64 << 20}, {"MemorySwap", 32 << 20}}}},
       ErrorKind::kInvalidArgument,
       "Minimum memoryswap limit should be larger than memory limit, see usage"},
      {"too many cpus",
       {{"HostConfig", {{"NanoCpus", int64_t{8000000000}}}}},
       ErrorKind::kInvalidArgument,
       ""},
      {"negative cpus", {{"HostConfig", {{"NanoCpus", -1}}}}, ErrorKind::kInvalidArgument, ""},
      {"memory as string",
       {{"HostConfig", {{"Memory", "512m"}}}},
       ErrorKind::kInvalidArgument,
       "invalid HostConfig.Memory: expected an integer"},
      {"unknown capability",
       {{"HostConfig", {{"CapAdd", {"NET_FLY"}}}}},
       ErrorKind::kInvalidArgument,
       ""},
      {"bad stop signal", {{"StopSignal", "SIGNOPE"}}, ErrorKind::kInvalidArgument, ""},
      {"relative workdir",
       {{"WorkingDir", "app"}},
       ErrorKind::kInvalidArgument,
       "the working directory 'app' is invalid, it needs to be an absolute path"},
      {"unknown log driver",
       {{"HostConfig", {{"LogConfig", {{"Type", "carrier-pigeon"}}}}}},
       ErrorKind::kInvalidArgument,
       ""},
      {"unknown log opt",
       {{"HostConfig", {{"LogConfig", {{"Type", "json-file"}, {"Config", {{"colour", "red"}}}}}}}},
       ErrorKind::kInvalidArgument,
       ""},
      {"bad add-host",
       {{"HostConfig", {{"ExtraHosts", {"db:not-an-ip"}}}}},
       ErrorKind::kInvalidArgument,
       "invalid IP address in add-host: \"not-an-ip\""},
      {"bad dns",
       {{"HostConfig", {{"Dns", {"dns.example"}}}}},
       ErrorKind::kInvalidArgument,
       "dns.example is not an ip address"},
      {"negative shm",
       {{"HostConfig", {{"ShmSize", -1}}}},
       ErrorKind::kInvalidArgument,
       "SHM size can not be less than 0"},
      {"oom score",
       {{"HostConfig", {{"OomScoreAdj", 2000}}}},
       ErrorKind::kInvalidArgument,
       "Invalid value 2000, range for oom score adj is [-1000, 1000]"},
      {"bad hostname",
       {{"Hostname", "-bad-"}},
       ErrorKind::kInvalidArgument,
       "invalid hostname format: -bad-"},
      {"bad env",
       {{"Env", {"=x"}}},
       ErrorKind::kInvalidArgument,
       "invalid environment variable: =x"},
      {"unknown runtime",
       {{"HostConfig", {{"Runtime", "kata"}}}},
       ErrorKind::kInvalidArgument,
       "Unknown runtime specified kata"},
      {"devices",
       {{"HostConfig", {{"Devices", {{{"PathOnHost", "/dev/null"}}}}}}},
       ErrorKind::kNotImplemented,
       "HostConfig.Devices is not supported yet"},
      {"relative mount target",
       {{"HostConfig", {{"Binds", {"/a:b"}}}}},
       ErrorKind::kInvalidArgument,
       "invalid mount config for type \"bind\": invalid mount path: 'b' mount path must be "
       "absolute"},
      {"duplicate mount point",
       {{"HostConfig", {{"Binds", {"v1:/data", "/tmp:/data"}}}}},
       ErrorKind::kInvalidArgument,
       "Duplicate mount point: /data"},
      {"cmd not a list",
       {{"Cmd", 5}},
       ErrorKind::kInvalidArgument,
       "invalid Config.Cmd: expected a list of strings"},
      {"bad tmpfs",
       {{"HostConfig", {{"Tmpfs", {{"/run", "size=lots"}}}}}},
       ErrorKind::kInvalidArgument,
       ""},
      {"bad user", {{"User", "a:b:c"}}, ErrorKind::kInvalidArgument, ""},
      {"bad security opt",
       {{"HostConfig", {{"SecurityOpt", {"apparmor=strict"}}}}},
       ErrorKind::kInvalidArgument,
       ""},
  };
  for (const auto& c : cases) {
    json b = c.body;
    b["Image"] = "busybox";
    auto r = plan(b);
    ASSERT_FALSE(r.ok()) << c.what;
    EXPECT_EQ(r.error().kind(), c.kind) << c.what << ": " << r.error().message();
    if (!c.message.empty()) {
      EXPECT_EQ(r.error().message(), c.message) << c.what;
    }
  }
}

TEST(CreateConfigTest, NoCommandAnywhereIsRefused) {
  auto r = plan({{"Image", "scratchy"}}, testing::noCmdImage());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidArgument);
  EXPECT_EQ(r.error().message(), "no command specified");
  // `--entrypoint ""` clears the image's entrypoint and keeps its Cmd out too.
  auto cleared = plan({{"Image", "scratchy"}, {"Entrypoint", {""}}}, testing::noCmdImage());
  ASSERT_FALSE(cleared.ok());
  EXPECT_TRUE(plan({{"Image", "scratchy"}, {"Cmd", {"true"}}}, testing::noCmdImage()).ok());
}

TEST(CreateConfigTest, MergesTheImageConfigLikeDockerd) {
  image::ImageRecord img = busybox();
  img.config["config"]["Env"] = {"PATH=/bin", "A=image", "B=image"};
  img.config["config"]["Entrypoint"] = {"/entry"};
  img.config["config"]["Cmd"] = {"default"};
  img.config["config"]["WorkingDir"] = "/srv";
  img.config["config"]["StopSignal"] = "SIGQUIT";
  auto r = plan({{"Image", "busybox"}, {"Env", {"A=user"}}, {"Labels", {{"mine", "1"}}}}, img);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->config["Env"], json({"A=user", "PATH=/bin", "B=image"}));
  EXPECT_EQ(r->config["Labels"], json({{"mine", "1"}, {"org.image", "yes"}}));
  EXPECT_EQ(r->config["Entrypoint"], json({"/entry"}));
  EXPECT_EQ(r->config["Cmd"], json({"default"}));
  EXPECT_EQ(r->config["WorkingDir"], "/srv");
  EXPECT_EQ(r->config["StopSignal"], "SIGQUIT");
  EXPECT_EQ(r->config["Hostname"], kId.substr(0, 12));
  EXPECT_EQ(r->path, "/entry");
  EXPECT_EQ(r->args, std::vector<std::string>({"default"}));
  EXPECT_EQ(r->run.stopSignal, SIGQUIT);

  // A Cmd given with the image's entrypoint replaces only the Cmd; an entrypoint drops the image's
  // Cmd.
  auto cmd = plan({{"Image", "busybox"}, {"Cmd", {"mine"}}}, img);
  ASSERT_TRUE(cmd.ok());
  EXPECT_EQ(cmd->run.command, std::vector<std::string>({"/entry", "mine"}));
  auto ep = plan({{"Image", "busybox"}, {"Entrypoint", "/other"}}, img);
  ASSERT_TRUE(ep.ok());
  EXPECT_EQ(ep->run.command, std::vector<std::string>({"/other"}));
}

TEST(CreateConfigTest, FillsDockerdHostConfigDefaults) {
  auto r = plan(
      {{"Image", "busybox"}, {"HostConfig", {{"Memory", 64 << 20}, {"NetworkMode", "default"}}}});
  ASSERT_TRUE(r.ok()) << r.error().message();
  const json& hc = r->hostConfig;
  EXPECT_EQ(hc["NetworkMode"], "none");
  EXPECT_EQ(hc["ShmSize"], 64 << 20);
  EXPECT_EQ(hc["MemorySwap"], 128 << 20);
  EXPECT_EQ(hc["RestartPolicy"], json({{"Name", "no"}, {"MaximumRetryCount", 0}}));
  EXPECT_EQ(hc["LogConfig"]["Type"], "json-file");
  EXPECT_EQ(hc["Runtime"], "runc");
  for (const char* key :
       {"Binds", "CapAdd", "CapDrop", "Dns", "ExtraHosts", "IpcMode", "PidsLimit", "MaskedPaths",
        "ReadonlyPaths", "ConsoleSize", "CgroupnsMode", "Privileged", "AutoRemove"}) {
    EXPECT_TRUE(hc.contains(key)) << key;
  }
  for (const char* key :
       {"Hostname", "Domainname", "User", "AttachStdin", "Tty", "OpenStdin", "StdinOnce", "Env",
        "Cmd", "Image", "Volumes", "WorkingDir", "Entrypoint", "OnBuild", "Labels"}) {
    EXPECT_TRUE(r->config.contains(key)) << key;
  }
}

TEST(CreateConfigTest, TypedSettings) {
  auto r = plan({{"Image", "busybox"},
                 {"Tty", true},
                 {"StopTimeout", 3},
                 {"HostConfig",
                  {{"CapAdd", {"net_admin"}},
                   {"CapDrop", {"CAP_CHOWN"}},
                   {"NanoCpus", 1500000000},
                   {"PidsLimit", 50},
                   {"Tmpfs", {{"/run", "size=64m"}}},
                   {"ExtraHosts", {"db:10.0.0.5", "v6:::1"}},
                   {"RestartPolicy", {{"Name", "on-failure"}, {"MaximumRetryCount", 3}}},
                   {"NetworkMode", "host"}}}});
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_TRUE(r->run.tty);
  EXPECT_EQ(r->run.stopTimeout, 3);
  EXPECT_EQ(r->run.capAdd, std::vector<std::string>({"CAP_NET_ADMIN"}));
  EXPECT_EQ(r->run.capDrop, std::vector<std::string>({"CAP_CHOWN"}));
  EXPECT_EQ(r->run.resources.nanoCpus, 1500000000);
  EXPECT_EQ(r->run.resources.pidsLimit, 50);
  ASSERT_EQ(r->run.tmpfs.size(), 1U);
  EXPECT_EQ(r->run.tmpfs[0].destination, "/run");
  ASSERT_EQ(r->run.extraHosts.size(), 2U);
  EXPECT_EQ(r->run.extraHosts[1], std::make_pair(std::string("v6"), std::string("::1")));
  EXPECT_EQ(r->run.restart.mode, RestartMode::kOnFailure);
  EXPECT_EQ(r->run.restart.maximumRetryCount, 3);
  EXPECT_EQ(r->config["Hostname"], "testhost");  // --network host takes the host's name
}

TEST(CreateConfigTest, ContainerNames) {
  EXPECT_EQ(*validateContainerName("web"), "/web");
  EXPECT_EQ(*validateContainerName("/web.1_a-b"), "/web.1_a-b");
  for (const char* bad : {"a", "-x", "has space", "x/y", "", "_lead"}) {
    auto r = validateContainerName(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().message(), "Invalid container name (" + std::string(bad) +
                                       "), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
  }
  EXPECT_TRUE(validateContainerName(randomContainerName(0)).ok());
}

}  // namespace
}  // namespace berth::container
