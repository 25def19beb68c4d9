#include "container/cgroup_stats.h"

#include <unistd.h>

#include <fstream>
#include <sstream>

#include "common/time_format.h"
#include "container/container_view.h"

namespace berth::container {
namespace {

using nlohmann::json;

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

uint64_t readU64(const std::string& path) {
  std::ifstream in(path);
  uint64_t v = 0;
  in >> v;
  return v;
}

// "key value" lines (memory.stat, cpuacct.stat, cpu.stat).
std::map<std::string, uint64_t> readKeyValues(const std::string& path) {
  std::map<std::string, uint64_t> out;
  std::istringstream in(slurp(path));
  std::string k;
  uint64_t v = 0;
  while (in >> k >> v) {
    out[k] = v;
  }
  return out;
}

uint64_t systemCpuUsage(const std::string& procRoot, int64_t ticks) {
  std::istringstream in(slurp(procRoot + "/stat"));
  std::string line;
  std::getline(in, line);
  std::istringstream ls(line);
  std::string cpu;
  ls >> cpu;
  uint64_t total = 0;
  // dockerd sums user, nice, system, idle, iowait, irq, softirq.
  for (int i = 0; i < 7; ++i) {
    uint64_t v = 0;
    if (!(ls >> v)) {
      break;
    }
    total += v;
  }
  return total * (1000000000ULL / static_cast<uint64_t>(ticks));
}

uint64_t machineMemory(const std::string& procRoot) {
  std::istringstream in(slurp(procRoot + "/meminfo"));
  std::string key;
  uint64_t kb = 0;
  std::string unit;
  while (in >> key >> kb >> unit) {
    if (key == "MemTotal:") {
      return kb * 1024;
    }
  }
  return 0;
}

}  // namespace

json emptyCpuStats() {
  return {{"cpu_usage", {{"total_usage", 0}, {"usage_in_kernelmode", 0}, {"usage_in_usermode", 0}}},
          {"throttling_data", {{"periods", 0}, {"throttled_periods", 0}, {"throttled_time", 0}}}};
}

json sampleCgroupStats(const CgroupLocation& loc, int64_t nowNano) {
  const int64_t ticks = ::sysconf(_SC_CLK_TCK) > 0 ? ::sysconf(_SC_CLK_TCK) : 100;
  const uint64_t tickNanos = 1000000000ULL / static_cast<uint64_t>(ticks);
  std::string cpuacct = loc.root + "/cpuacct" + loc.path;
  std::string cpu = loc.root + "/cpu" + loc.path;
  std::string memory = loc.root + "/memory" + loc.path;
  std::string pids = loc.root + "/pids" + loc.path;

  json percpu = json::array();
  {
    std::istringstream in(slurp(cpuacct + "/cpuacct.usage_percpu"));
    for (uint64_t v = 0; in >> v;) {
      percpu.push_back(v);
    }
  }
  auto cpuStat = readKeyValues(cpuacct + "/cpuacct.stat");
  auto throttle = readKeyValues(cpu + "/cpu.stat");
  json cpuStats = {{"cpu_usage",
                    {{"total_usage", readU64(cpuacct + "/cpuacct.usage")},
                     {"percpu_usage", percpu},
                     {"usage_in_kernelmode", cpuStat["system"] * tickNanos},
                     {"usage_in_usermode", cpuStat["user"] * tickNanos}}},
                   {"system_cpu_usage", systemCpuUsage(loc.procRoot, ticks)},
                   {"online_cpus", loc.onlineCpus},
                   {"throttling_data",
                    {{"periods", throttle["nr_periods"]},
                     {"throttled_periods", throttle["nr_throttled"]},
                     {"throttled_time", throttle["throttled_time"]}}}};

  json memStat = json::object();
  for (const auto& [k, v] : readKeyValues(memory + "/memory.stat")) {
    memStat[k] = v;
  }
  uint64_t limit = readU64(memory + "/memory.limit_in_bytes");
  uint64_t machine = machineMemory(loc.procRoot);
  if (machine > 0 && (limit == 0 || limit > machine)) {
    limit = machine;  // no limit: dockerd shows the host's memory
  }
  json memStats = {{"usage", readU64(memory + "/memory.usage_in_bytes")},
                   {"max_usage", readU64(memory + "/memory.max_usage_in_bytes")},
                   {"stats", memStat},
                   {"limit", limit}};

  json pidsStats = {{"current", readU64(pids + "/pids.current")}};
  std::string pidsMax = slurp(pids + "/pids.max");
  if (!pidsMax.empty() && pidsMax.rfind("max", 0) != 0) {
    pidsStats["limit"] = std::stoull(pidsMax);
  }
  json blkio = {{"io_service_bytes_recursive", nullptr}, {"io_serviced_recursive", nullptr},
                {"io_queue_recursive", nullptr},         {"io_service_time_recursive", nullptr},
                {"io_wait_time_recursive", nullptr},     {"io_merged_recursive", nullptr},
                {"io_time_recursive", nullptr},          {"sectors_recursive", nullptr}};
  return {{"read", formatGoTime(nowNano)},  {"cpu_stats", cpuStats}, {"memory_stats", memStats},
          {"pids_stats", pidsStats},        {"blkio_stats", blkio},  {"num_procs", 0},
          {"storage_stats", json::object()}};
}

json statsReply(const json& cur, const json* prev, const std::string& name, const std::string& id) {
  json out = cur;
  out["preread"] = prev != nullptr ? (*prev)["read"] : json(formatGoTime(0));
  out["precpu_stats"] = prev != nullptr ? (*prev)["cpu_stats"] : emptyCpuStats();
  out["name"] = name;
  out["id"] = id;
  return out;
}

}  // namespace berth::container
