// run/create flags as CLI11 parses them, turned into the create request body.
#include "cli/commands/container_opts.h"

#include <gtest/gtest.h>

#include <CLI/CLI.hpp>
#include <fstream>

#include "cli/command.h"
#include "test_server.h"

namespace berth::cli {
namespace {

using nlohmann::json;

std::optional<std::string> fakeEnv(const std::string& name) {
  if (name == "HOME") {
    return std::string("/root");
  }
  return std::nullopt;
}

// Parses `args` (flags, IMAGE, COMMAND...) as `berth run` would and builds the body.
Result<CreateRequest> build(std::vector<std::string> args) {
  CLI::App app("test", "run");
  app.allow_extras(true);
  app.prefix_command(true);
  ContainerFlags flags;
  addContainerFlags(app, flags, true);
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  app.parse(reversed);
  std::vector<std::string> positional;
  bool argsOnly = false;
  for (const std::string& a : app.remaining(false)) {
    if (!argsOnly && a == "--") {
      argsOnly = true;
      continue;
    }
    positional.push_back(a);
    argsOnly = true;
  }
  return buildCreateRequest(flags, positional, fakeEnv);
}

json body(std::vector<std::string> args) {
  auto r = build(std::move(args));
  EXPECT_TRUE(r.ok()) << r.error().message();
  return r.ok() ? r->body : json();
}

TEST(RunFlagsTest, ImageAndCommandAfterRepeatedFlags) {
  json b = body({"-e", "A=1", "-e", "HOME", "-e", "UNSET", "busybox", "sh", "-c", "echo $A"});
  EXPECT_EQ(b["Image"], "busybox");
  EXPECT_EQ(b["Cmd"], json({"sh", "-c", "echo $A"}));
  EXPECT_EQ(b["Env"], json({"A=1", "HOME=/root", "UNSET"}));
  EXPECT_EQ(b["AttachStdout"], true);
  EXPECT_EQ(b["HostConfig"]["NetworkMode"], "default");
  EXPECT_EQ(b["HostConfig"]["RestartPolicy"], json({{"Name", "no"}, {"MaximumRetryCount", 0}}));
  EXPECT_TRUE(b["Entrypoint"].is_null());
  EXPECT_FALSE(b["HostConfig"].contains("PidsLimit"));
  EXPECT_FALSE(b["HostConfig"].contains("Init"));
  EXPECT_FALSE(b.contains("StopTimeout"));
}

TEST(RunFlagsTest, EnvAndLabelFiles) {
  testing::TempDir dir;
  std::ofstream(dir.path() + "/env") << "\xEF\xBB\xBF# comment\n  X=1 2\nHOME\nMISSING\n\nY==z\n";
  std::ofstream(dir.path() + "/labels") << "team=core\nbare\n";
  json b = body({"--env-file", dir.path() + "/env", "-e", "X=override", "--label-file",
                 dir.path() + "/labels", "-l", "tier", "busybox"});
  EXPECT_EQ(b["Env"], json({"X=1 2", "HOME=/root", "Y==z", "X=override"}));
  EXPECT_EQ(b["Labels"], json({{"team", "core"}, {"tier", ""}}));
  auto missing = build({"--env-file", dir.path() + "/nope", "busybox"});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message(),
            "open " + dir.path() + "/nope: no such file or directory");
  std::ofstream(dir.path() + "/bad") << "A B=1\n";
  auto bad = build({"--env-file", dir.path() + "/bad", "busybox"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(),
            "poorly formatted environment: variable 'A B' contains whitespaces");
}

TEST(RunFlagsTest, PublishForms) {
  json b = body({"-p", "8080:80", "-p", "127.0.0.1:5000:80/udp", "-p", "8000-8001:8000-8001",
                 "-p", "9000", "-p", "[::1]:53:53/udp", "-p", "7000-7010:7000", "-P", "busybox"});
  json bindings = b["HostConfig"]["PortBindings"];
  EXPECT_EQ(bindings["80/tcp"], json::parse(R"([{"HostIp":"","HostPort":"8080"}])"));
  EXPECT_EQ(bindings["80/udp"], json::parse(R"([{"HostIp":"127.0.0.1","HostPort":"5000"}])"));
  EXPECT_EQ(bindings["8000/tcp"], json::parse(R"([{"HostIp":"","HostPort":"8000"}])"));
  EXPECT_EQ(bindings["8001/tcp"], json::parse(R"([{"HostIp":"","HostPort":"8001"}])"));
  EXPECT_EQ(bindings["9000/tcp"], json::parse(R"([{"HostIp":"","HostPort":""}])"));
  EXPECT_EQ(bindings["53/udp"], json::parse(R"([{"HostIp":"::1","HostPort":"53"}])"));
  EXPECT_EQ(bindings["7000/tcp"], json::parse(R"([{"HostIp":"","HostPort":"7000-7010"}])"));
  EXPECT_EQ(b["ExposedPorts"].size(), 7u);
  EXPECT_EQ(b["HostConfig"]["PublishAllPorts"], true);
}

TEST(RunFlagsTest, PublishErrorsReadLikeDocker) {
  for (const auto& [spec, message] : std::vector<std::pair<std::string, std::string>>{
           {"99999:80", "invalid hostPort: 99999"},
           {"1-3:4-5", "invalid ranges specified for container and host Ports: 4-5 and 1-3"},
           {"80/sctx", "invalid proto: sctx"},
           {"1.2.3:80:80", "invalid IP address: 1.2.3"},
           {"8080:", "no port specified: 8080:<empty>"},
           {"x", "invalid containerPort: x"}}) {
    auto r = build({"-p", spec, "busybox"});
    ASSERT_FALSE(r.ok()) << spec;
    EXPECT_EQ(r.error().message(), message);
  }
}

TEST(RunFlagsTest, ResourcesAndPolicies) {
  json hc = body({"-m", "512m", "--cpus", "1.5", "--pids-limit", "100", "--shm-size", "64m",
                  "--memory-swap", "-1", "--restart", "on-failure:3", "--init", "--stop-timeout",
                  "7", "--stop-signal", "SIGUSR1", "busybox"})["HostConfig"];
  EXPECT_EQ(hc["Memory"], 512LL << 20);
  EXPECT_EQ(hc["NanoCpus"], 1'500'000'000);
  EXPECT_EQ(hc["PidsLimit"], 100);
  EXPECT_EQ(hc["ShmSize"], 64LL << 20);
  EXPECT_EQ(hc["MemorySwap"], -1);
  EXPECT_EQ(hc["RestartPolicy"], json({{"Name", "on-failure"}, {"MaximumRetryCount", 3}}));
  EXPECT_EQ(hc["Init"], true);
  json b = body({"--stop-timeout", "7", "--stop-signal", "SIGUSR1", "--init=false", "busybox"});
  EXPECT_EQ(b["StopTimeout"], 7);
  EXPECT_EQ(b["StopSignal"], "SIGUSR1");
  EXPECT_EQ(b["HostConfig"]["Init"], false);

  auto conflict = build({"--rm", "--restart", "always", "busybox"});
  ASSERT_FALSE(conflict.ok());
  EXPECT_EQ(conflict.error().message(),
            "conflicting options: cannot specify both --restart and --rm");
  EXPECT_EQ(build({"--restart", ":3", "busybox"}).error().message(),
            "invalid restart policy format: no policy provided before colon");
  EXPECT_TRUE(build({"--rm", "--restart", "no", "busybox"}).ok());
}

TEST(RunFlagsTest, BadSizesFailWhileParsingLikePflag) {
  try {
    (void)build({"-m", "12x", "busybox"});
    FAIL() << "no error";
  } catch (const FlagValueError& e) {
    EXPECT_STREQ(e.what(), "invalid argument \"12x\" for \"-m, --memory\" flag: invalid suffix: 'x'");
  }
  try {
    (void)build({"--cpus", "abc", "busybox"});
    FAIL() << "no error";
  } catch (const FlagValueError& e) {
    EXPECT_STREQ(e.what(),
                 "invalid argument \"abc\" for \"--cpus\" flag: failed to parse abc as a rational "
                 "number");
  }
  try {
    (void)build({"--mount", "type=bind", "busybox"});
    FAIL() << "no error";
  } catch (const FlagValueError& e) {
    EXPECT_STREQ(e.what(), "invalid argument \"type=bind\" for \"--mount\" flag: target is required");
  }
}

TEST(RunFlagsTest, CapabilitiesTmpfsAndSecurity) {
  json hc = body({"--cap-add", "net_admin", "--cap-add", "CAP_SYS_TIME", "--cap-drop", "ALL",
                  "--cap-drop", "net_admin", "--tmpfs", "/run", "--tmpfs", "/tmp:rw,size=64m",
                  "--privileged", "--read-only", "--security-opt", "no-new-privileges",
                  "busybox"})["HostConfig"];
  EXPECT_EQ(hc["CapAdd"], json({"CAP_NET_ADMIN", "CAP_SYS_TIME"}));
  EXPECT_EQ(hc["CapDrop"], json({"ALL"}));
  EXPECT_EQ(hc["Tmpfs"], json({{"/run", ""}, {"/tmp", "rw,size=64m"}}));
  EXPECT_EQ(hc["Privileged"], true);
  EXPECT_EQ(hc["ReadonlyRootfs"], true);
  EXPECT_EQ(hc["SecurityOpt"], json({"no-new-privileges"}));
  json allCaps = body({"--cap-add", "ALL", "--cap-add", "chown", "busybox"})["HostConfig"];
  EXPECT_EQ(allCaps["CapAdd"], json({"ALL"}));
}

TEST(RunFlagsTest, VolumesAndMounts) {
  json b = body({"-v", "/host:/ctr:ro", "-v", "named:/data", "-v", "/anon", "--mount",
                 "type=bind,src=/a,dst=/b,readonly", "--mount",
                 "type=volume,source=v1,target=/v1,volume-opt=x=y", "--mount",
                 "type=tmpfs,dst=/tm,tmpfs-size=1m", "busybox"});
  EXPECT_EQ(b["HostConfig"]["Binds"], json({"/host:/ctr:ro", "named:/data"}));
  EXPECT_EQ(b["Volumes"], json::parse(R"({"/anon":{}})"));
  EXPECT_EQ(b["HostConfig"]["Mounts"], json::parse(R"([
    {"Type":"bind","Source":"/a","Target":"/b","ReadOnly":true},
    {"Type":"volume","Source":"v1","Target":"/v1","VolumeOptions":{"DriverConfig":{"Options":{"x":"y"}}}},
    {"Type":"tmpfs","Target":"/tm","TmpfsOptions":{"SizeBytes":1048576}}])"));
  auto relative = parseVolumes({"./data:/x"});
  ASSERT_TRUE(relative.ok());
  EXPECT_EQ(relative->binds[0].substr(0, 1), "/");
  EXPECT_EQ(relative->binds[0].substr(relative->binds[0].size() - 8), "/data:/x");
  EXPECT_EQ(parseVolumes({"a::b"}).error().message(), "invalid spec: a::b: empty section between colons");
}

TEST(RunFlagsTest, VolumesFromIsRepeatableAndPassedAsGiven) {
  json b = body({"--volumes-from", "data", "--volumes-from", "other:ro", "busybox"});
  EXPECT_EQ(b["HostConfig"]["VolumesFrom"], json({"data", "other:ro"}));
  // Absent: null, as docker's CLI sends an unset list.
  EXPECT_TRUE(body({"busybox"})["HostConfig"]["VolumesFrom"].is_null());
}

TEST(RunFlagsTest, NetworkingAndTerminal) {
  json b = body({"-it", "--network", "mynet", "--network-alias", "web", "--ip", "10.0.0.5",
                 "--dns", "1.1.1.1", "--add-host", "h=1.2.3.4", "-h", "box", "busybox"});
  EXPECT_EQ(b["Tty"], true);
  EXPECT_EQ(b["OpenStdin"], true);
  EXPECT_EQ(b["AttachStdin"], true);
  EXPECT_EQ(b["StdinOnce"], true);
  EXPECT_EQ(b["Hostname"], "box");
  EXPECT_EQ(b["HostConfig"]["NetworkMode"], "mynet");
  EXPECT_EQ(b["HostConfig"]["Dns"], json({"1.1.1.1"}));
  EXPECT_EQ(b["HostConfig"]["ExtraHosts"], json({"h:1.2.3.4"}));
  EXPECT_EQ(b["NetworkingConfig"]["EndpointsConfig"]["mynet"],
            json::parse(R"({"Aliases":["web"],"IPAMConfig":{"IPv4Address":"10.0.0.5"}})"));
  EXPECT_EQ(body({"--entrypoint", "", "busybox"})["Entrypoint"], json({""}));
  EXPECT_EQ(body({"--entrypoint", "/bin/sh", "busybox"})["Entrypoint"], json({"/bin/sh"}));
  json attached = body({"-a", "stdout", "busybox"});
  EXPECT_EQ(attached["AttachStdout"], true);
  EXPECT_EQ(attached["AttachStderr"], false);
}

}  // namespace
}  // namespace berth::cli
