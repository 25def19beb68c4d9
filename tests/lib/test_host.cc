#include "tests/lib/test_host.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <random>
#include <sstream>
#include <thread>

#ifndef BERTH_TH_BERTHD
#define BERTH_TH_BERTHD "berthd"
#endif
#ifndef BERTH_TH_CLI
#define BERTH_TH_CLI "berth"
#endif
#ifndef BERTH_TH_DOCKER
#define BERTH_TH_DOCKER "/usr/local/bin/docker"
#endif

namespace berth::testing {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

std::string tmpBase() { return envOr("BERTH_TH_TMP", "/tmp"); }

std::string randomHex() {
  std::random_device rd;
  std::ostringstream os;
  os << std::hex << std::setw(8) << std::setfill('0') << static_cast<uint32_t>(rd());
  return os.str();
}

Error errnoError(const std::string& what) { return systemError(what, errno); }

// Async-signal-safe report from a forked child, then exit: "test host: <what>: <errno name>".
[[noreturn]] void childDie(const char* what) {
  const char* name = strerrorname_np(errno);
  const char* parts[] = {"test host: ", what, ": ", name != nullptr ? name : "error", "\n"};
  for (const char* p : parts) {
    [[maybe_unused]] ssize_t n = write(2, p, std::strlen(p));
  }
  _exit(126);
}

std::string readFile(const std::string& path) {
  std::ifstream f(path);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

std::string tail(const std::string& s, size_t lines) {
  size_t pos = s.size();
  for (size_t n = 0; n <= lines && pos > 0; ++n) {
    pos = s.rfind('\n', pos - 1);
    if (pos == std::string::npos) {
      return s;
    }
  }
  return s.substr(pos + 1);
}

// Mount points of this mount namespace, unescaped, from /proc/self/mountinfo.
std::vector<std::string> mountPoints() {
  std::vector<std::string> out;
  std::istringstream is(readFile("/proc/self/mountinfo"));
  std::string line;
  while (std::getline(is, line)) {
    std::istringstream ls(line);
    std::string id, parent, dev, root, mp;
    ls >> id >> parent >> dev >> root >> mp;
    std::string plain;
    for (size_t i = 0; i < mp.size(); ++i) {
      if (mp[i] == '\\' && i + 3 < mp.size()) {
        plain += static_cast<char>(std::stoi(mp.substr(i + 1, 3), nullptr, 8));
        i += 3;
      } else {
        plain += mp[i];
      }
    }
    out.push_back(plain);
  }
  return out;
}

std::vector<std::string> mountsUnder(const std::string& dir, bool includeSelf) {
  std::vector<std::string> out;
  for (auto& mp : mountPoints()) {
    if (mp.rfind(dir + "/", 0) == 0 || (includeSelf && mp == dir)) {
      out.push_back(mp);
    }
  }
  // Deepest first, so children go before their parents.
  std::sort(out.rbegin(), out.rend());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// rm -rf that never crosses into another filesystem (a mount we failed to
// see): removing a mounted tree's contents would be a disaster.
Status removeTree(const std::string& path, dev_t dev) {
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0) {
    return errno == ENOENT ? okStatus() : Status(errnoError("lstat " + path));
  }
  if (st.st_dev != dev) {
    return internal("not removing " + path + ": on another filesystem");
  }
  if (S_ISDIR(st.st_mode)) {
    std::error_code ec;
    std::vector<std::string> children;
    for (const auto& e : std::filesystem::directory_iterator(path, ec)) {
      children.push_back(e.path().string());
    }
    for (const auto& c : children) {
      BERTH_TRY(removeTree(c, dev));
    }
  }
  if (::remove(path.c_str()) != 0 && errno != ENOENT) {
    return errnoError("remove " + path);
  }
  return okStatus();
}

void writeFile(const std::string& path, const std::string& content) {
  std::ofstream(path) << content;
}

}  // namespace

std::string berthdPath() { return envOr("BERTHD", BERTH_TH_BERTHD); }
std::string berthCliPath() { return envOr("BERTH_CLI", BERTH_TH_CLI); }
std::string dockerCliPath() { return envOr("DOCKER_CLI", BERTH_TH_DOCKER); }

TestHost::TestHost(std::string name, TestHostOptions options)
    : name_(std::move(name)), options_(std::move(options)) {
  if (options_.berthdPath.empty()) {
    options_.berthdPath = berthdPath();
  }
}

Result<std::unique_ptr<TestHost>> TestHost::createBare(std::string name) {
  TestHostOptions options;
  options.startDaemon = false;
  return create(std::move(name), std::move(options));
}

Result<std::unique_ptr<TestHost>> TestHost::create(std::string name, TestHostOptions options) {
  bool wantDaemon = options.startDaemon;
  std::unique_ptr<TestHost> host(new TestHost(std::move(name), std::move(options)));
  if (wantDaemon && access(host->options_.berthdPath.c_str(), X_OK) != 0) {
    return unavailable("berthd binary not found at " + host->options_.berthdPath);
  }
  host->id_ = "berth-th-" + randomHex();
  host->dir_ = tmpBase() + "/" + host->id_;
  if (mkdir(host->dir_.c_str(), 0711) != 0) {
    host->destroyed_ = true;  // nothing of ours to remove
    return errnoError("mkdir " + host->dir_);
  }
  // The owner lets tests/integration/leak_check.sh tell a live host from a leak.
  writeFile(host->dir_ + "/owner",
            std::to_string(getpid()) + " " + processStartTime(getpid()) + "\n");
  writeFile(host->dir_ + "/name", host->name_ + "\n");
  BERTH_TRY(host->makeNetns());
  if (wantDaemon) {
    BERTH_TRY(host->startDaemon());
  }
  return host;
}

// A new netns bind-mounted at /run/netns/<id>, with lo up. Done in a child:
// unshare(CLONE_NEWNET) would move the calling thread. Not `ip netns add`,
// which also turns /run/netns into a shared mount that stays for good.
Status TestHost::makeNetns() {
  mkdir("/run/netns", 0755);
  std::string path = netnsPath();
  int fd = open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
  if (fd < 0) {
    return errnoError("create " + path);
  }
  close(fd);
  netnsMade_ = true;
  pid_t pid = fork();
  if (pid < 0) {
    return errnoError("fork");
  }
  if (pid == 0) {
    if (unshare(CLONE_NEWNET) != 0) {
      childDie("unshare(CLONE_NEWNET)");
    }
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
    if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) != 0) {
      childDie("get lo flags");
    }
    ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
    if (ioctl(s, SIOCSIFFLAGS, &ifr) != 0) {
      childDie("set lo up");
    }
    if (mount("/proc/self/ns/net", path.c_str(), nullptr, MS_BIND, nullptr) != 0) {
      childDie("bind-mount netns");
    }
    _exit(0);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return internal("creating netns " + id_ + " failed (see stderr)");
  }
  return okStatus();
}

Status TestHost::startDaemon() {
  if (daemonPid_ > 0) {
    return conflict("berthd already running in test host " + name_);
  }
  mkdir(dataRoot().c_str(), 0711);
  mkdir(execRoot().c_str(), 0711);
  // Never the machine's /etc/berth/daemon.json: a test writes its own settings here.
  std::string configFile = dir_ + "/daemon.json";
  if (access(configFile.c_str(), F_OK) != 0) {
    FILE* f = fopen(configFile.c_str(), "w");
    if (f == nullptr) {
      return errnoError("create " + configFile);
    }
    fputs("{}\n", f);
    fclose(f);
  }
  std::vector<std::string> args = {options_.berthdPath,  "--data-root",   dataRoot(),   "--exec-root",
                                   execRoot(),           "-H",            dockerHost(), "--pidfile",
                                   dir_ + "/berthd.pid", "--config-file", configFile,   "--log-level",
                                   "debug", "--cgroup-parent", "/" + id_};
  args.insert(args.end(), options_.extraDaemonArgs.begin(), options_.extraDaemonArgs.end());
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (auto& a : args) {
    argv.push_back(a.data());
  }
  argv.push_back(nullptr);

  // Everything the child needs is prepared here: after fork only syscalls.
  // The child drops its copies of /run/netns mounts (held there they would keep
  // other hosts' netns alive after deletion) and mounts a sysfs of its own netns
  // with the machine's cgroup mounts moved back on top (`ip netns exec` hides them).
  std::vector<std::string> netnsMounts;
  for (auto& mp : mountsUnder("/run/netns", true)) {
    netnsMounts.push_back(mp);
  }
  std::string cgTmp = dir_ + "/.cgroup.XXXXXX";
  if (mkdtemp(cgTmp.data()) == nullptr) {
    return errnoError("mkdtemp " + cgTmp);
  }
  int logFd = open((dir_ + "/berthd.log").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  int nsFd = open(netnsPath().c_str(), O_RDONLY | O_CLOEXEC);
  int nullFd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (logFd < 0 || nsFd < 0 || nullFd < 0) {
    Error e = errnoError("open log/netns/null for berthd");
    for (int fd : {logFd, nsFd, nullFd}) {
      if (fd >= 0) {
        close(fd);
      }
    }
    return e;
  }
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid == 0) {
    // If the test dies without tearing down, berthd must not outlive it.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) {
      _exit(1);
    }
    setsid();
    dup2(nullFd, 0);
    dup2(logFd, 1);
    dup2(logFd, 2);
    if (setns(nsFd, CLONE_NEWNET) != 0) {
      childDie("setns");
    }
    if (unshare(CLONE_NEWNS) != 0) {
      childDie("unshare(CLONE_NEWNS)");
    }
    if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
      childDie("make / private");
    }
    for (const auto& mp : netnsMounts) {
      umount2(mp.c_str(), MNT_DETACH);
    }
    if (mount("/sys/fs/cgroup", cgTmp.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0) {
      childDie("rbind /sys/fs/cgroup");
    }
    if (umount2("/sys", MNT_DETACH) != 0) {
      childDie("umount /sys");
    }
    if (mount("sysfs", "/sys", "sysfs", 0, nullptr) != 0) {
      childDie("mount sysfs");
    }
    if (mount(cgTmp.c_str(), "/sys/fs/cgroup", nullptr, MS_MOVE, nullptr) != 0) {
      childDie("move cgroup mounts");
    }
    rmdir(cgTmp.c_str());
    execv(argv[0], argv.data());
    childDie(argv[0]);
  }
  close(logFd);
  close(nsFd);
  close(nullFd);
  if (pid < 0) {
    return errnoError("fork");
  }
  daemonPid_ = pid;
  Status ready = waitReady(options_.readyTimeout);
  rmdir(cgTmp.c_str());  // normally gone already; not if the child failed early
  if (!ready.ok()) {
    (void)stopDaemon();
    const Error& e = ready.error();
    return Error(e.kind(), e.message() + "\n----- berthd log of test host " + name_ + " -----\n" +
                               tail(log(), 300) + "----- end of log -----");
  }
  return okStatus();
}

Status TestHost::waitReady(milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::string last;
  while (Clock::now() < deadline) {
    int status = 0;
    if (waitpid(daemonPid_, &status, WNOHANG) == daemonPid_) {
      daemonPid_ = -1;
      std::string how = WIFEXITED(status)
                            ? "exited with status " + std::to_string(WEXITSTATUS(status))
                            : "was killed by signal " + std::to_string(WTERMSIG(status));
      return internal("berthd " + how + " before it was ready");
    }
    auto reply = http("GET", "/_ping");
    if (reply.ok() && reply->status == 200 && reply->body == "OK") {
      daemonMntNs_ = readLinkOrEmpty("/proc/" + std::to_string(daemonPid_) + "/ns/mnt");
      return okStatus();
    }
    last = reply.ok() ? "HTTP " + std::to_string(reply->status) + " " + reply->body
                      : reply.error().message();
    std::this_thread::sleep_for(milliseconds(100));
  }
  return unavailable("berthd did not answer /_ping with OK within " +
                     std::to_string(timeout.count()) + " ms (last: " + last + ")");
}

Status TestHost::stopDaemon() {
  if (daemonPid_ <= 0) {
    return okStatus();
  }
  pid_t pid = daemonPid_;
  daemonPid_ = -1;
  kill(pid, SIGTERM);
  const auto deadline = Clock::now() + options_.stopTimeout;
  int status = 0;
  bool reaped = false;
  while (Clock::now() < deadline) {
    if (waitpid(pid, &status, WNOHANG) == pid) {
      reaped = true;
      break;
    }
    std::this_thread::sleep_for(milliseconds(50));
  }
  if (!reaped) {
    kill(pid, SIGKILL);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return internal("berthd ignored SIGTERM for " + std::to_string(options_.stopTimeout.count()) +
                    " ms; killed");
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return internal("berthd did not exit cleanly on SIGTERM (status " + std::to_string(status) +
                    ")");
  }
  return okStatus();
}

Status TestHost::destroy() {
  if (destroyed_) {
    return okStatus();
  }
  destroyed_ = true;
  std::vector<std::string> errors;
  if (auto s = stopDaemon(); !s.ok()) {
    errors.push_back(s.error().message());
  }
  // Whatever still lives in the host: shims, containers, processes a test started.
  std::string netLink;
  struct stat st {};
  if (netnsMade_ && stat(netnsPath().c_str(), &st) == 0) {
    netLink = "net:[" + std::to_string(st.st_ino) + "]";
  }
  if (netLink == readLinkOrEmpty("/proc/self/ns/net")) {
    netLink.clear();  // never the machine's own namespace
  }
  std::string mntLink = daemonMntNs_ == readLinkOrEmpty("/proc/self/ns/mnt") ? "" : daemonMntNs_;
  std::vector<pid_t> left;
  for (int round = 0; round < 10; ++round) {
    left = namespacePids(netLink, mntLink);
    if (left.empty()) {
      break;
    }
    for (pid_t p : left) {
      kill(p, SIGKILL);
    }
    std::this_thread::sleep_for(milliseconds(100));
  }
  if (!left.empty()) {
    errors.push_back(std::to_string(left.size()) + " process(es) survive SIGKILL");
  }
  // Container cgroups live under /<host id> in every hierarchy (--cgroup-parent).
  if (!id_.empty()) {
    (void)runCommand({"sh", "-c",
                      "for cg in $(find /sys/fs/cgroup -mindepth 1 -maxdepth 2 -type d -name '" +
                          id_ + "'); do find \"$cg\" -depth -type d -exec rmdir {} +; done 2>/dev/null"});
  }
  if (netnsMade_) {
    // The kernel dismantles a dead netns asynchronously; deleting its links
    // first makes them (and their veth peers elsewhere) go now.
    auto links = runCommand({"ip", "-n", id_, "-o", "link", "show"});
    std::istringstream ls(links.out);
    std::string num;
    std::string link;
    std::string rest;
    while (ls >> num >> link && std::getline(ls, rest)) {
      link = link.substr(0, link.find_first_of("@:"));
      if (link != "lo") {
        (void)runCommand({"ip", "-n", id_, "link", "delete", link});
      }
    }
    umount2(netnsPath().c_str(), MNT_DETACH);
    if (unlink(netnsPath().c_str()) != 0 && errno != ENOENT) {
      errors.push_back(errnoError("unlink " + netnsPath()).message());
    }
  }
  if (!dir_.empty()) {
    for (const auto& mp : mountsUnder(dir_, true)) {
      umount2(mp.c_str(), MNT_DETACH);
    }
    if (auto still = mountsUnder(dir_, true); !still.empty()) {
      errors.push_back("mounts remain under " + dir_ + " (first: " + still.front() +
                       "); not removing it");
    } else if (struct stat top{}; lstat(dir_.c_str(), &top) == 0) {
      if (auto removed = removeTree(dir_, top.st_dev); !removed.ok()) {
        errors.push_back(removed.error().message());
      }
    }
  }
  if (errors.empty()) {
    return okStatus();
  }
  std::string msg = "tearing down test host " + name_ + ":";
  for (const auto& e : errors) {
    msg += "\n  " + e;
  }
  return internal(msg);
}

TestHost::~TestHost() {
  if (!destroyed_ && ::testing::Test::HasFailure() && !log().empty()) {
    (void)std::fprintf(stderr,
                       "----- berthd log of test host %s (last 300 lines) -----\n%s"
                       "----- end of log -----\n",
                       name_.c_str(), tail(log(), 300).c_str());
  }
  if (auto s = destroy(); !s.ok()) {
    (void)std::fprintf(stderr, "%s\n", s.error().message().c_str());
  }
}

std::vector<std::string> TestHost::clientEnv() const {
  return {"DOCKER_HOST=" + dockerHost(), "BERTH_HOST=" + dockerHost(),
          "DOCKER_CONFIG=" + dir_ + "/docker-config"};
}

std::string TestHost::log() const { return readFile(dir_ + "/berthd.log"); }

ExecResult TestHost::exec(const std::vector<std::string>& argv, bool inNetns) const {
  RunOptions options;
  if (inNetns) {
    options.netnsPath = netnsPath();
  }
  return runCommand(argv, options);
}

ExecResult TestHost::runCli(const std::vector<std::string>& argv) const {
  RunOptions options;
  options.env = clientEnv();
  return runCommand(argv, options);
}

ExecResult TestHost::berth(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {berthCliPath()};
  argv.insert(argv.end(), args.begin(), args.end());
  return runCli(argv);
}

ExecResult TestHost::docker(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {dockerCliPath()};
  argv.insert(argv.end(), args.begin(), args.end());
  return runCli(argv);
}

std::string TestHost::address(const std::string& iface) const {
  auto it = addrs_.find(iface);
  return it == addrs_.end() ? "" : it->second.substr(0, it->second.find('/'));
}

std::string TestHost::address6(const std::string& iface) const {
  auto it = addrs6_.find(iface);
  return it == addrs6_.end() ? "" : it->second.substr(0, it->second.find('/'));
}

namespace {

// Decodes a "Transfer-Encoding: chunked" body; returns what it could on bad input.
std::string dechunk(const std::string& raw) {
  std::string out;
  size_t pos = 0;
  while (pos < raw.size()) {
    size_t eol = raw.find("\r\n", pos);
    if (eol == std::string::npos) {
      break;
    }
    size_t len = std::strtoul(raw.substr(pos, eol - pos).c_str(), nullptr, 16);
    if (len == 0) {
      break;
    }
    out += raw.substr(eol + 2, len);
    pos = eol + 2 + len + 2;
  }
  return out;
}

}  // namespace

Result<HttpResponse> TestHost::http(const std::string& method, const std::string& target,
                                    const std::string& body) const {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return errnoError("socket");
  }
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::string path = socketPath();
  if (path.size() >= sizeof(addr.sun_path)) {
    close(fd);
    return invalidArgument("socket path too long: " + path);
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  timeval tv{30, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    Error e = errnoError("connect " + path);
    close(fd);
    return e;
  }
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: berth\r\nConnection: close\r\n";
  if (!body.empty()) {
    req +=
        "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  }
  req += "\r\n" + body;
  for (size_t off = 0; off < req.size();) {
    ssize_t n = send(fd, req.data() + off, req.size() - off, MSG_NOSIGNAL);
    if (n < 0) {
      Error e = errnoError("send to " + path);
      close(fd);
      return e;
    }
    off += static_cast<size_t>(n);
  }
  std::string raw;
  char buf[8192];
  for (;;) {
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      Error e = errnoError("recv from " + path);
      close(fd);
      return e;
    }
    if (n == 0) {
      break;
    }
    raw.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  size_t eol = raw.find("\r\n");
  size_t hdrEnd = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/1.", 0) != 0 || eol == std::string::npos || hdrEnd == std::string::npos) {
    return internal("malformed HTTP response: " + raw.substr(0, 200));
  }
  HttpResponse resp;
  resp.status = std::atoi(raw.c_str() + raw.find(' ') + 1);
  resp.headers = raw.substr(eol + 2, hdrEnd - eol - 2);
  resp.body = raw.substr(hdrEnd + 4);
  std::string lower = resp.headers;
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  if (lower.find("transfer-encoding: chunked") != std::string::npos) {
    resp.body = dechunk(resp.body);
  }
  return resp;
}

std::string TestHost::nextInterface() { return "eth" + std::to_string(interfaces_++); }

}  // namespace berth::testing
