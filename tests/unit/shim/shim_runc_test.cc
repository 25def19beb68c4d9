// berth-shim end to end with the real runc and a busybox bundle. Runs in a
// private mount namespace; containers get their own pid/ipc/uts/mount/network
// namespaces and cgroups under /berth-test/<id>, all removed at the end.
// Skips (77) without root, runc or busybox-static.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "logdriver/log_reader.h"

namespace berth {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::string runcPath() {
  for (const char* p : {"/usr/sbin/runc", "/usr/bin/runc"}) {
    if (::access(p, X_OK) == 0) {
      return p;
    }
  }
  return "";
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct CommandResult {
  int exitCode = -1;
  std::string err;
  double millis = 0;
};

// Runs `argv` to completion, capturing stderr.
CommandResult runCommand(const std::vector<std::string>& argv) {
  int errPipe[2];
  EXPECT_EQ(::pipe2(errPipe, O_CLOEXEC), 0);
  auto start = Clock::now();
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(errPipe[1], 2);
    int null = ::open("/dev/null", O_RDWR);
    ::dup2(null, 0);
    ::dup2(null, 1);
    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (const std::string& a : argv) {
      args.push_back(const_cast<char*>(a.c_str()));
    }
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(errPipe[1]);
  CommandResult r;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(errPipe[0], buf, sizeof(buf))) > 0) {
    r.err.append(buf, static_cast<size_t>(n));
  }
  ::close(errPipe[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  r.millis = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  r.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

bool waitFor(const std::function<bool()>& cond, int millis = 10000) {
  auto end = Clock::now() + std::chrono::milliseconds(millis);
  while (Clock::now() < end) {
    if (cond()) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return cond();
}

bool processAlive(pid_t pid) {
  std::string stat = slurp("/proc/" + std::to_string(pid) + "/stat");
  if (stat.empty()) {
    return false;
  }
  size_t close = stat.rfind(')');
  return close != std::string::npos && stat.size() > close + 2 && stat[close + 2] != 'Z';
}

int connectUnix(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un addr {};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Reads from `fd` until `done(buffer)` or EOF or the timeout; returns what came.
std::string readUntil(int fd, const std::function<bool(const std::string&)>& done, int millis = 5000) {
  std::string got;
  auto end = Clock::now() + std::chrono::milliseconds(millis);
  while (!done(got) && Clock::now() < end) {
    struct pollfd p {fd, POLLIN, 0};
    if (::poll(&p, 1, 100) != 1) {
      continue;
    }
    char buf[4096];
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n <= 0) {
      break;
    }
    got.append(buf, static_cast<size_t>(n));
  }
  return got;
}

class ShimRuncTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (::geteuid() != 0 || runcPath().empty() || ::access("/usr/bin/busybox", X_OK) != 0 ||
        ::access(BERTH_SHIM_PATH, X_OK) != 0) {
      skipReason_ = "needs root, runc, busybox-static and the berth-shim binary";
      return;
    }
    // Shims detach from their launcher; as a subreaper this test inherits
    // them and reaps them, so none is left behind even as a zombie.
    ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    // Everything below happens in a mount namespace of our own.
    if (::unshare(CLONE_NEWNS) != 0 || ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
      skipReason_ = "cannot make a private mount namespace: errno " + std::to_string(errno);
      return;
    }
    std::string tmpl = (fs::temp_directory_path() / "berth-shim-test-XXXXXX").string();
    root_ = ::mkdtemp(tmpl.data());
    std::string rootfs = root_ + "/rootfs";
    for (const char* d : {"bin", "proc", "dev", "sys", "tmp", "etc"}) {
      fs::create_directories(rootfs + "/" + d);
    }
    fs::copy_file("/usr/bin/busybox", rootfs + "/bin/busybox");
    for (const char* applet : {"sh", "echo", "cat", "sleep", "tty", "stty", "true"}) {
      fs::create_symlink("busybox", rootfs + "/bin/" + applet);
    }
  }

  static void TearDownTestSuite() {
    if (!root_.empty()) {
      std::error_code ec;
      fs::remove_all(root_, ec);
    }
    for (const auto& ctl : fs::directory_iterator("/sys/fs/cgroup")) {
      ::rmdir((ctl.path() / "berth-test").c_str());  // only if no other test still uses it
    }
  }

  void SetUp() override {
    if (!skipReason_.empty()) {
      GTEST_SKIP() << skipReason_;
    }
    static int counter = 0;
    id_ = "berth-shim-test-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
    dir_ = root_ + "/" + id_;
    state_ = dir_ + "/state";
    fs::create_directories(state_);
    fs::create_directories(dir_ + "/runc");
  }

  void TearDown() override {
    if (!skipReason_.empty()) {
      return;
    }
    runCommand({runcPath(), "--root", dir_ + "/runc", "kill", id_, "KILL"});
    waitFor([&] { return runcState() != "running"; }, 3000);
    runCommand({runcPath(), "--root", dir_ + "/runc", "delete", "-f", id_});
    for (const std::string& pidFile : shimPidFiles()) {
      pid_t pid = std::atoi(slurp(pidFile).c_str());
      if (pid > 0 && processAlive(pid)) {
        waitFor([&] { return !processAlive(pid); }, 3000);
        if (processAlive(pid)) {
          ::kill(pid, SIGKILL);
          ADD_FAILURE() << "a shim was still running at the end: " << pidFile;
        }
      }
    }
    while (::waitpid(-1, nullptr, WNOHANG) > 0) {
    }
    for (const auto& ctl : fs::directory_iterator("/sys/fs/cgroup")) {
      fs::path cg = ctl.path() / "berth-test" / id_;
      if (fs::exists(cg)) {
        EXPECT_EQ(::rmdir(cg.c_str()), 0) << cg << " left behind by runc";
      }
    }
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::vector<std::string> shimPidFiles() const {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(state_, ec)) {
      std::string name = e.path().filename();
      if (name.rfind("shim", 0) == 0 && e.path().extension() == ".pid") {
        out.push_back(e.path());
      }
    }
    return out;
  }

  void writeBundle(const std::vector<std::string>& args, bool terminal = false) {
    nlohmann::json caps = {"CAP_CHOWN", "CAP_KILL", "CAP_SETUID", "CAP_SETGID"};
    nlohmann::json cfg = {
        {"ociVersion", "1.0.2"},
        {"process",
         {{"terminal", terminal},
          {"user", {{"uid", 0}, {"gid", 0}}},
          {"args", args},
          {"env", {"PATH=/bin", "TERM=xterm"}},
          {"cwd", "/"},
          {"capabilities", {{"bounding", caps}, {"effective", caps}, {"permitted", caps}}},
          {"noNewPrivileges", true}}},
        {"root", {{"path", root_ + "/rootfs"}, {"readonly", true}}},
        {"hostname", "shimtest"},
        {"mounts",
         {{{"destination", "/proc"}, {"type", "proc"}, {"source", "proc"}},
          {{"destination", "/dev"}, {"type", "tmpfs"}, {"source", "tmpfs"},
           {"options", {"nosuid", "strictatime", "mode=755", "size=65536k"}}},
          {{"destination", "/dev/pts"}, {"type", "devpts"}, {"source", "devpts"},
           {"options", {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"}}},
          {{"destination", "/tmp"}, {"type", "tmpfs"}, {"source", "tmpfs"}, {"options", {"nosuid", "nodev"}}}}},
        {"linux",
         {{"cgroupsPath", "/berth-test/" + id_},
          {"namespaces",
           {{{"type", "pid"}}, {{"type", "ipc"}}, {{"type", "uts"}}, {{"type", "mount"}}, {{"type", "network"}}}},
          {"maskedPaths", {"/proc/kcore"}},
          {"readonlyPaths", {"/proc/sys"}}}}};
    std::ofstream(dir_ + "/config.json") << cfg.dump();
  }

  std::vector<std::string> shimArgs(const std::vector<std::string>& extra = {}) const {
    std::vector<std::string> a = {BERTH_SHIM_PATH, "--id", id_, "--bundle", dir_, "--state-dir",
                                  state_, "--runtime", runcPath(), "--runtime-root", dir_ + "/runc",
                                  "--log-path", state_ + "/" + id_ + "-json.log"};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }

  std::string runcState() const {
    std::string out = slurp("/dev/null");
    int p[2];
    (void)::pipe(p);
    pid_t pid = ::fork();
    if (pid == 0) {
      ::dup2(p[1], 1);
      int null = ::open("/dev/null", O_WRONLY);
      ::dup2(null, 2);
      ::execl(runcPath().c_str(), "runc", "--root", (dir_ + "/runc").c_str(), "state", id_.c_str(), nullptr);
      ::_exit(127);
    }
    ::close(p[1]);
    char buf[4096];
    ssize_t n;
    while ((n = ::read(p[0], buf, sizeof(buf))) > 0) {
      out.append(buf, static_cast<size_t>(n));
    }
    ::close(p[0]);
    ::waitpid(pid, nullptr, 0);
    auto j = nlohmann::json::parse(out, nullptr, false);
    return j.is_object() ? j.value("status", "") : "";
  }

  nlohmann::json waitExit(const std::string& name = "exit.json") {
    std::string path = state_ + "/" + name;
    EXPECT_TRUE(waitFor([&] { return fs::exists(path); })) << "no " << name;
    return nlohmann::json::parse(slurp(path), nullptr, false);
  }

  std::vector<LogEntry> logEntries() {
    std::vector<LogEntry> out;
    Status st = readLogs(LogSource{"json-file", state_ + "/" + id_ + "-json.log", nullptr, nullptr},
                         {}, [&](const LogEntry& e) {
                           out.push_back(e);
                           return true;
                         });
    EXPECT_TRUE(st.ok());
    return out;
  }

  std::string processStatusField(pid_t pid, const std::string& field) {
    std::istringstream in(slurp("/proc/" + std::to_string(pid) + "/status"));
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind(field + ":", 0) == 0) {
        return line;
      }
    }
    return "";
  }

  static inline std::string skipReason_;
  static inline std::string root_;
  std::string id_;
  std::string dir_;
  std::string state_;
};

TEST_F(ShimRuncTest, LogsBothStreamsAndRecordsTheExitCode) {
  writeBundle({"sh", "-c", "echo hi; echo err >&2; exit 3"});
  // Leftovers of an earlier run in the same state dir (a restart) are not read as this one's.
  std::ofstream(state_ + "/exit.json") << R"({"exitCode": 99})";
  std::ofstream(state_ + "/container.pid") << "1";
  CommandResult r = runCommand(shimArgs());
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;
  auto exit = waitExit();
  EXPECT_EQ(exit["exitCode"], 3);
  EXPECT_EQ(exit["oomKilled"], false);
  EXPECT_TRUE(exit["finishedAt"].is_string());
  auto entries = logEntries();
  ASSERT_EQ(entries.size(), 2u);
  const LogEntry& out = entries[0].stream == LogStream::kStdout ? entries[0] : entries[1];
  const LogEntry& err = entries[0].stream == LogStream::kStdout ? entries[1] : entries[0];
  EXPECT_EQ(out.line, "hi\n");
  EXPECT_EQ(out.stream, LogStream::kStdout);
  EXPECT_EQ(err.line, "err\n");
  EXPECT_EQ(err.stream, LogStream::kStderr);
  EXPECT_FALSE(fs::exists(state_ + "/attach.sock"));
  std::cout << "[ shim start latency (parent invoked -> parent exit): " << r.millis << " ms ]\n";
}

TEST_F(ShimRuncTest, KilledContainerExits137AndShimStaysSmall) {
  writeBundle({"sleep", "1000"});
  CommandResult r = runCommand(shimArgs());
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(runcState(), "running");
  pid_t shim = std::atoi(slurp(state_ + "/shim.pid").c_str());
  pid_t container = std::atoi(slurp(state_ + "/container.pid").c_str());
  ASSERT_GT(shim, 0);
  ASSERT_GT(container, 0);
  EXPECT_TRUE(processAlive(container));
  std::string rss = processStatusField(shim, "VmRSS");
  std::cout << "[ shim " << rss << " ; start " << r.millis << " ms ]\n";
  long kb = std::atol(rss.substr(rss.find_first_of("0123456789")).c_str());
  if (BERTH_SHIM_STATIC) {  // a sanitizer build is dynamic and several times bigger
    EXPECT_LT(kb, 2048) << "berth-shim should stay under 2 MiB RSS";
  }
  ASSERT_EQ(runCommand({runcPath(), "--root", dir_ + "/runc", "kill", id_, "KILL"}).exitCode, 0);
  EXPECT_EQ(waitExit()["exitCode"], 137);
  EXPECT_TRUE(waitFor([&] { return !processAlive(shim); }));
}

TEST_F(ShimRuncTest, AttachRoundTripsStdin) {
  writeBundle({"cat"});
  CommandResult r = runCommand(shimArgs({"--stdin", "--stdin-once"}));
  ASSERT_EQ(r.exitCode, 0) << r.err;
  int fd = connectUnix(state_ + "/attach.sock");
  ASSERT_GE(fd, 0);
  std::string hello = "{\"stdin\":true,\"stdout\":true,\"stderr\":true}\nping\n";
  ASSERT_EQ(::write(fd, hello.data(), hello.size()), static_cast<ssize_t>(hello.size()));
  std::string frame = readUntil(fd, [](const std::string& s) { return s.size() >= 13; });
  EXPECT_EQ(frame, std::string("\x01\0\0\0\0\0\0\x05ping\n", 13));
  ::shutdown(fd, SHUT_WR);  // --stdin-once: this ends cat's input
  std::string rest = readUntil(fd, [](const std::string&) { return false; });
  EXPECT_TRUE(rest.empty());  // then EOF: the shim closed us after the exit
  ::close(fd);
  EXPECT_EQ(waitExit()["exitCode"], 0);
  auto entries = logEntries();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].line, "ping\n");
}

TEST_F(ShimRuncTest, ControlCloseStdinEndsInput) {
  writeBundle({"sh", "-c", "cat; echo done"});
  ASSERT_EQ(runCommand(shimArgs({"--stdin"})).exitCode, 0);
  int fd = connectUnix(state_ + "/control.sock");
  ASSERT_GE(fd, 0);
  std::string cmd = "{\"closeStdin\":true}\n";
  ASSERT_EQ(::write(fd, cmd.data(), cmd.size()), static_cast<ssize_t>(cmd.size()));
  EXPECT_EQ(waitExit()["exitCode"], 0);
  ::close(fd);
  auto entries = logEntries();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].line, "done\n");
}

TEST_F(ShimRuncTest, TerminalGivesThePtyAndTakesResizes) {
  writeBundle({"sh", "-c", "tty; sleep 0.5; stty size"}, /*terminal=*/true);
  ASSERT_EQ(runCommand(shimArgs({"--terminal"})).exitCode, 0) ;
  int ctl = connectUnix(state_ + "/control.sock");
  ASSERT_GE(ctl, 0);
  std::string cmd = "{\"resize\":{\"height\":33,\"width\":101}}\n";
  ASSERT_EQ(::write(ctl, cmd.data(), cmd.size()), static_cast<ssize_t>(cmd.size()));
  EXPECT_EQ(waitExit()["exitCode"], 0);
  ::close(ctl);
  std::string all;
  for (const LogEntry& e : logEntries()) {
    EXPECT_EQ(e.stream, LogStream::kStdout);
    all += e.line;
  }
  EXPECT_EQ(all, "/dev/pts/0\r\n33 101\r\n");
  EXPECT_FALSE(fs::exists(state_ + "/console.sock"));
}

TEST_F(ShimRuncTest, KillingTheLauncherLeavesTheContainerRunning) {
  writeBundle({"sleep", "1000"});
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  pid_t launcher = ::fork();
  if (launcher == 0) {
    // Stands in for berthd: its own process group, runs the shim, then idles.
    ::setpgid(0, 0);
    CommandResult r = runCommand(shimArgs());
    char c = r.exitCode == 0 ? 'y' : 'n';
    (void)::write(ready[1], &c, 1);
    ::pause();
    ::_exit(0);
  }
  ::close(ready[1]);
  char c = 0;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  ::close(ready[0]);
  ASSERT_EQ(c, 'y');
  ::kill(-launcher, SIGKILL);  // the whole group, as a terminal's ^C or a killed daemon would
  ::waitpid(launcher, nullptr, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  pid_t container = std::atoi(slurp(state_ + "/container.pid").c_str());
  pid_t shim = std::atoi(slurp(state_ + "/shim.pid").c_str());
  EXPECT_TRUE(processAlive(container));
  EXPECT_TRUE(processAlive(shim));
  EXPECT_EQ(runcState(), "running");
  EXPECT_FALSE(fs::exists(state_ + "/exit.json"));
  // (KILL: as pid 1 of its namespace, sleep would ignore TERM.)
  ASSERT_EQ(runCommand({runcPath(), "--root", dir_ + "/runc", "kill", id_, "KILL"}).exitCode, 0);
  EXPECT_EQ(waitExit()["exitCode"], 137);
}

TEST_F(ShimRuncTest, ExecWaitsForItsAttachAndReportsFailures) {
  writeBundle({"sleep", "1000"});
  ASSERT_EQ(runCommand(shimArgs()).exitCode, 0);
  nlohmann::json process = {{"terminal", false},
                            {"user", {{"uid", 0}, {"gid", 0}}},
                            {"args", {"sh", "-c", "echo from-exec; exit 5"}},
                            {"env", {"PATH=/bin"}},
                            {"cwd", "/"}};
  std::ofstream(dir_ + "/e1.json") << process.dump();
  std::vector<std::string> exec = {BERTH_SHIM_PATH, "--id", id_, "--state-dir", state_, "--runtime",
                                   runcPath(), "--runtime-root", dir_ + "/runc", "--exec", "e1",
                                   "--process-json", dir_ + "/e1.json", "--wait-attach"};
  CommandResult r = runCommand(exec);
  ASSERT_EQ(r.exitCode, 0) << r.err;
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_FALSE(fs::exists(state_ + "/exec-e1.pid"));  // not started before the attach
  int fd = connectUnix(state_ + "/attach-e1.sock");
  ASSERT_GE(fd, 0);
  std::string hello = "{\"stdout\":true,\"stderr\":true}\n";
  ASSERT_EQ(::write(fd, hello.data(), hello.size()), static_cast<ssize_t>(hello.size()));
  std::string got = readUntil(fd, [](const std::string&) { return false; });
  EXPECT_EQ(got, std::string("\x01\0\0\0\0\0\0\x0a" "from-exec\n", 18));
  ::close(fd);
  EXPECT_EQ(waitExit("exit-e1.json")["exitCode"], 5);
  EXPECT_TRUE(logEntries().empty());  // exec output is not logged

  process["args"] = {"/bin/nope"};
  std::ofstream(dir_ + "/e2.json") << process.dump();
  exec[10] = "e2";
  exec[12] = dir_ + "/e2.json";
  ASSERT_EQ(runCommand(exec).exitCode, 0);
  fd = connectUnix(state_ + "/attach-e2.sock");
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, hello.data(), hello.size()), static_cast<ssize_t>(hello.size()));
  got = readUntil(fd, [](const std::string&) { return false; });
  ::close(fd);
  ASSERT_GT(got.size(), 8u);
  EXPECT_EQ(got[0], 2);  // on stderr
  EXPECT_NE(got.find("nope"), std::string::npos) << got;
  auto exit = waitExit("exit-e2.json");
  EXPECT_EQ(exit["exitCode"], 127);
  EXPECT_NE(exit.value("error", "").find("nope"), std::string::npos);
  EXPECT_EQ(runcState(), "running");  // the container itself is unaffected
}

TEST_F(ShimRuncTest, StartFailureIsOneLineAndLeavesNothing) {
  writeBundle({"/bin/does-not-exist"});
  CommandResult r = runCommand(shimArgs());
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.err.find("does-not-exist"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  for (const char* f : {"shim.pid", "attach.sock", "control.sock", "exit.json"}) {
    EXPECT_FALSE(fs::exists(state_ + "/" + f)) << f;
  }
  EXPECT_EQ(runcState(), "");
}

TEST_F(ShimRuncTest, BadInvocationsFailBeforeStarting) {
  writeBundle({"true"});
  CommandResult r = runCommand(shimArgs({"--log-driver", "journald"}));
  if (::access("/run/systemd/journal/socket", F_OK) != 0) {
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_EQ(r.err, "journald is not available on this host (no /run/systemd/journal/socket)\n");
  }
  r = runCommand(shimArgs({"--log-opt", "max-size=huge"}));
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.err, "invalid size: 'huge'\n");
  r = runCommand({BERTH_SHIM_PATH, "--id", id_});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.err.find("--state-dir"), std::string::npos);
  EXPECT_FALSE(fs::exists(state_ + "/shim.pid"));
  EXPECT_EQ(runcState(), "");
}

}  // namespace
}  // namespace berth
