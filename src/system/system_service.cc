#include "system/system_service.h"

#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <chrono>
#include <string_view>
#include <fstream>

#include "common/strings.h"

namespace berth::system {

namespace {

constexpr const char* kApiVersion = "1.44";
constexpr const char* kMinApiVersion = "1.24";

std::string kernelRelease() {
  struct utsname u {};
  if (::uname(&u) != 0) {
    return "unknown";
  }
  return u.release;
}

std::string hostName() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof(buf) - 1) != 0) {
    return "localhost";
  }
  return buf;
}

std::string architecture() {
  struct utsname u {};
  if (::uname(&u) != 0) {
    return "unknown";
  }
  return u.machine;
}

// Go's GOARCH names, which clients expect in /version.
std::string goArch() {
  std::string m = architecture();
  if (m == "x86_64") {
    return "amd64";
  }
  if (m == "aarch64") {
    return "arm64";
  }
  return m;
}

// RFC 3339, as dockerd reports it (clients reformat it), from the compiler's
// __DATE__ ("Nov 21 2026") and __TIME__ ("09:23:29").
std::string buildTime() {
  static constexpr std::string_view kMonths = "JanFebMarAprMayJunJulAugSepOctNovDec";
  std::string_view date = __DATE__;
  size_t month = kMonths.find(date.substr(0, 3)) / 3 + 1;
  std::string day(date.substr(4, 2));
  if (day[0] == ' ') {
    day[0] = '0';
  }
  std::string m = std::to_string(month);
  return std::string(date.substr(7, 4)) + "-" + (m.size() == 1 ? "0" : "") + m + "-" + day +
         "T" + __TIME__ + ".000000000+00:00";
}

}  // namespace

std::string operatingSystemName(const std::string& osReleasePath) {
  std::ifstream in(osReleasePath);
  std::string line;
  while (std::getline(in, line)) {
    if (startsWith(line, "PRETTY_NAME=")) {
      std::string v = line.substr(12);
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') {
        v = v.substr(1, v.size() - 2);
      }
      return v;
    }
  }
  return "Linux";
}

SystemService::SystemService(DaemonFacts facts, nlohmann::json kernelFeatures)
    : facts_(std::move(facts)), kernel_(std::move(kernelFeatures)) {}

void SystemService::addInfoContributor(std::function<void(nlohmann::json&)> fn) {
  contributors_.push_back(std::move(fn));
}

nlohmann::json SystemService::version() const {
  nlohmann::json details = {{"ApiVersion", kApiVersion},
                            {"Arch", goArch()},
                            {"BuildTime", buildTime()},
                            {"Experimental", "false"},
                            {"GitCommit", "berth"},
                            {"GoVersion", "C++20"},
                            {"KernelVersion", kernelRelease()},
                            {"MinAPIVersion", kMinApiVersion},
                            {"Os", "linux"}};
  return {
      {"Platform", {{"Name", "berth Engine"}}},
      {"Components",
       nlohmann::json::array({{{"Name", "Engine"}, {"Version", BERTH_VERSION}, {"Details", details}}})},
      {"Version", BERTH_VERSION},
      {"ApiVersion", kApiVersion},
      {"MinAPIVersion", kMinApiVersion},
      {"GitCommit", "berth"},
      {"GoVersion", "C++20"},
      {"Os", "linux"},
      {"Arch", goArch()},
      {"KernelVersion", kernelRelease()},
      {"BuildTime", buildTime()},
  };
}

nlohmann::json SystemService::info() const {
  struct sysinfo si {};
  int64_t memTotal = 0;
  if (::sysinfo(&si) == 0) {
    memTotal = static_cast<int64_t>(si.totalram) * si.mem_unit;
  }
  std::string cgroupVersion = kernel_.value("cgroupLayout", "v1") == "v2" ? "2" : "1";
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::system_clock::to_time_t(now);
  char timeBuf[64] = {};
  struct tm utc {};
  ::gmtime_r(&secs, &utc);
  if (std::strftime(timeBuf, sizeof(timeBuf), "%Y-%m-%dT%H:%M:%SZ", &utc) == 0) {
    timeBuf[0] = '\0';
  }
  nlohmann::json info = {
      {"ID", facts_.engineId},
      {"Containers", 0},
      {"ContainersRunning", 0},
      {"ContainersPaused", 0},
      {"ContainersStopped", 0},
      {"Images", 0},
      {"Driver", "overlayfs"},
      {"DriverStatus", nlohmann::json::array()},
      {"Plugins",
       {{"Volume", nlohmann::json::array({"local"})},
        {"Network", nlohmann::json::array({"bridge", "host", "null"})},
        {"Authorization", nullptr},
        {"Log", nlohmann::json::array({"json-file", "local", "none"})}}},
      {"MemoryLimit", true},
      {"SwapLimit", false},
      {"CpuCfsPeriod", true},
      {"CpuCfsQuota", true},
      {"CPUShares", true},
      {"CPUSet", true},
      {"PidsLimit", true},
      {"IPv4Forwarding", true},
      {"BridgeNfIptables", false},
      {"BridgeNfIp6tables", false},
      {"Debug", facts_.debug},
      {"NFd", 0},
      {"OomKillDisable", false},
      {"NGoroutines", 0},
      {"SystemTime", timeBuf},
      {"LoggingDriver", facts_.loggingDriver},
      {"CgroupDriver", facts_.cgroupDriver},
      {"CgroupVersion", cgroupVersion},
      {"NEventsListener", 0},
      {"KernelVersion", kernelRelease()},
      {"OperatingSystem", operatingSystemName()},
      {"OSVersion", ""},
      {"OSType", "linux"},
      {"Architecture", architecture()},
      {"IndexServerAddress", ""},
      {"RegistryConfig",
       {{"IndexConfigs", nlohmann::json::object()},
        {"InsecureRegistryCIDRs", nlohmann::json::array()},
        {"Mirrors", nlohmann::json::array()}}},
      {"NCPU", ::sysconf(_SC_NPROCESSORS_ONLN)},
      {"MemTotal", memTotal},
      {"GenericResources", nullptr},
      {"DockerRootDir", facts_.dataRoot},
      {"HttpProxy", ""},
      {"HttpsProxy", ""},
      {"NoProxy", ""},
      {"Name", hostName()},
      {"Labels", nlohmann::json::array()},
      {"ExperimentalBuild", false},
      {"ServerVersion", BERTH_VERSION},
      {"Runtimes", {{facts_.defaultRuntime, {{"path", facts_.defaultRuntime}}}}},
      {"DefaultRuntime", facts_.defaultRuntime},
      {"Swarm",
       {{"NodeID", ""},
        {"NodeAddr", ""},
        {"LocalNodeState", "inactive"},
        {"ControlAvailable", false},
        {"Error", ""},
        {"RemoteManagers", nullptr}}},
      {"LiveRestoreEnabled", true},
      {"Isolation", ""},
      {"InitBinary", ""},
      {"ContainerdCommit", {{"ID", ""}}},
      {"RuncCommit", {{"ID", ""}}},
      {"InitCommit", {{"ID", ""}}},
      {"SecurityOptions", nlohmann::json::array({"name=seccomp,profile=builtin"})},
      {"CDISpecDirs", nlohmann::json::array()},
      {"Warnings", facts_.warnings},
      {"BerthKernelFeatures", kernel_},
      {"BerthExecRoot", facts_.execRoot},
  };
  for (const auto& fn : contributors_) {
    fn(info);
  }
  return info;
}

}  // namespace berth::system
