#include "container/proc_top.h"

#include <pwd.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <sstream>

#include "common/strings.h"

namespace berth::container {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string userName(uint32_t uid) {
  struct passwd pw {};
  struct passwd* found = nullptr;
  std::vector<char> buf(16384);
  if (::getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) == 0 && found != nullptr) {
    return found->pw_name;
  }
  return std::to_string(uid);
}

int64_t bootTimeSeconds(const std::string& procRoot) {
  std::istringstream in(slurp(procRoot + "/stat"));
  for (std::string line; std::getline(in, line);) {
    if (startsWith(line, "btime ")) {
      return std::stoll(line.substr(6));
    }
  }
  return 0;
}

std::string ttyName(int64_t ttyNr) {
  if (ttyNr == 0) {
    return "?";
  }
  int64_t major = (ttyNr >> 8) & 0xfff;
  int64_t minor = (ttyNr & 0xff) | ((ttyNr >> 12) & 0xfff00);
  if (major >= 136 && major <= 143) {
    return "pts/" + std::to_string((major - 136) * 256 + minor);
  }
  if (major == 4) {
    return "tty" + std::to_string(minor);
  }
  return "?";
}

std::string cpuTime(int64_t seconds) {
  char buf[64];
  int64_t days = seconds / 86400;
  seconds %= 86400;
  if (days > 0) {
    std::snprintf(buf, sizeof(buf), "%lld-%02lld:%02lld:%02lld", static_cast<long long>(days),
                  static_cast<long long>(seconds / 3600), static_cast<long long>(seconds / 60 % 60),
                  static_cast<long long>(seconds % 60));
  } else {
    std::snprintf(buf, sizeof(buf), "%02lld:%02lld:%02lld", static_cast<long long>(seconds / 3600),
                  static_cast<long long>(seconds / 60 % 60), static_cast<long long>(seconds % 60));
  }
  return buf;
}

// ps's STIME: the time of day when started today, else the month and day.
std::string startTime(int64_t startSec, int64_t nowSec) {
  time_t s = static_cast<time_t>(startSec);
  time_t n = static_cast<time_t>(nowSec);
  struct tm st {};
  struct tm nt {};
  ::localtime_r(&s, &st);
  ::localtime_r(&n, &nt);
  char buf[32];
  if (st.tm_yday == nt.tm_yday && st.tm_year == nt.tm_year) {
    std::strftime(buf, sizeof(buf), "%H:%M", &st);
  } else {
    std::strftime(buf, sizeof(buf), "%b%d", &st);
  }
  return buf;
}

}  // namespace

Result<nlohmann::json> procTop(const std::string& procRoot, const std::vector<int>& pids,
                               int64_t nowNano) {
  const int64_t ticks = ::sysconf(_SC_CLK_TCK) > 0 ? ::sysconf(_SC_CLK_TCK) : 100;
  const int64_t boot = bootTimeSeconds(procRoot);
  const int64_t nowSec = nowNano / 1000000000;
  nlohmann::json procs = nlohmann::json::array();
  std::vector<int> sorted = pids;
  std::sort(sorted.begin(), sorted.end());
  for (int pid : sorted) {
    std::string dir = procRoot + "/" + std::to_string(pid);
    std::string stat = slurp(dir + "/stat");
    size_t close = stat.rfind(')');
    if (stat.empty() || close == std::string::npos) {
      continue;  // gone since the runtime listed it
    }
    std::string comm = stat.substr(stat.find('(') + 1, close - stat.find('(') - 1);
    std::istringstream rest(stat.substr(close + 2));
    std::vector<std::string> f((std::istream_iterator<std::string>(rest)),
                               std::istream_iterator<std::string>());
    if (f.size() < 20) {
      continue;
    }
    // f[0] is field 3 (state) of proc(5).
    int64_t ppid = std::stoll(f[1]);
    int64_t ttyNr = std::stoll(f[4]);
    int64_t cpuTicks = std::stoll(f[11]) + std::stoll(f[12]);
    int64_t startTicks = std::stoll(f[19]);
    int64_t started = boot + startTicks / ticks;
    int64_t elapsed = std::max<int64_t>(1, nowSec - started);
    int64_t c = cpuTicks / ticks * 100 / elapsed;

    uint32_t uid = 0;
    std::istringstream status(slurp(dir + "/status"));
    for (std::string line; std::getline(status, line);) {
      if (startsWith(line, "Uid:")) {
        std::istringstream u(line.substr(4));
        uint32_t real = 0;
        u >> real >> uid;
        break;
      }
    }
    std::string cmdline = slurp(dir + "/cmdline");
    while (!cmdline.empty() && cmdline.back() == '\0') {
      cmdline.pop_back();
    }
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    if (cmdline.empty()) {
      cmdline = "[" + comm + "]";
    }
    procs.push_back({userName(uid), std::to_string(pid), std::to_string(ppid), std::to_string(c),
                     startTime(started, nowSec), ttyName(ttyNr), cpuTime(cpuTicks / ticks),
                     cmdline});
  }
  return nlohmann::json{{"Titles", {"UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"}},
                        {"Processes", procs}};
}

Result<nlohmann::json> parsePsOutput(const std::string& psOutput, const std::vector<int>& pids) {
  std::istringstream in(psOutput);
  std::string header;
  std::getline(in, header);
  std::istringstream hs(header);
  std::vector<std::string> titles((std::istream_iterator<std::string>(hs)),
                                  std::istream_iterator<std::string>());
  auto pidCol = std::find(titles.begin(), titles.end(), "PID");
  if (pidCol == titles.end()) {
    return internal("Couldn't find PID field in ps output");
  }
  size_t pidIndex = static_cast<size_t>(pidCol - titles.begin());
  nlohmann::json procs = nlohmann::json::array();
  for (std::string line; std::getline(in, line);) {
    std::istringstream ls(line);
    std::vector<std::string> f((std::istream_iterator<std::string>(ls)),
                               std::istream_iterator<std::string>());
    if (f.size() <= pidIndex) {
      continue;
    }
    int pid = 0;
    try {
      pid = std::stoi(f[pidIndex]);
    } catch (const std::exception&) {
      return internal("Unexpected pid '" + f[pidIndex] + "'");
    }
    if (std::find(pids.begin(), pids.end(), pid) == pids.end()) {
      continue;
    }
    std::vector<std::string> row(f.begin(), f.begin() + std::min(f.size(), titles.size() - 1));
    std::vector<std::string> tail(f.begin() + static_cast<long>(row.size()), f.end());
    row.push_back(join(tail, " "));
    procs.push_back(row);
  }
  return nlohmann::json{{"Titles", titles}, {"Processes", procs}};
}

}  // namespace berth::container
