// Fakes of every collaborator of ContainerService, and a fixture that wires
// them with a real SQLite store in a temporary directory.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "../../lib/temp_dir.h"
#include "common/time_format.h"
#include "container/container_service.h"
#include "events/event_bus.h"
#include "store/sqlite_store.h"

namespace berth::container::testing {

namespace fs = std::filesystem;

using ::berth::testlib::readFile;
using ::berth::testlib::TempDir;

inline void writeFile(const std::string& path, const std::string& content) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path) << content;
}

class FakeImages : public image::ImageStore {
 public:
  Result<image::ImageRecord> resolve(std::string_view nameOrId) override {
    std::string n(nameOrId);
    if (n.find(':') == std::string::npos && n.rfind("sha256", 0) != 0) {
      n += ":latest";
    }
    for (const auto& img : images) {
      if (img.id == nameOrId || img.id == n ||
          std::find(img.repoTags.begin(), img.repoTags.end(), n) != img.repoTags.end()) {
        return img;
      }
    }
    return notFound("No such image: " + n);
  }
  std::vector<image::ImageRecord> images;
};

class FakeRootfs : public RootfsManager {
 public:
  explicit FakeRootfs(std::string root) : root_(std::move(root)) {}
  Result<std::string> mount(const std::string& id, const std::vector<std::string>&) override {
    std::lock_guard<std::mutex> lock(mu);
    if (!mountError.empty()) {
      return internal(mountError);
    }
    std::string dir = root_ + "/" + id;
    fs::create_directories(dir + "/etc");
    mounted.insert(id);
    ++mounts;
    return dir;
  }
  Status unmount(const std::string& id) override {
    std::lock_guard<std::mutex> lock(mu);
    mounted.erase(id);
    return okStatus();
  }
  Status remove(const std::string& id) override {
    std::lock_guard<std::mutex> lock(mu);
    mounted.erase(id);
    removed.insert(id);
    std::error_code ec;
    fs::remove_all(root_ + "/" + id, ec);
    return okStatus();
  }
  std::mutex mu;
  std::set<std::string> mounted;
  std::set<std::string> removed;
  int mounts = 0;
  std::string mountError;

 private:
  std::string root_;
};

class FakeWatcher : public ProcessWatcher {
 public:
  class Handle : public ProcessWatch {
   public:
    Handle(FakeWatcher* w, uint64_t key) : w_(w), key_(key) {}
    ~Handle() override {
      std::lock_guard<std::mutex> lock(w_->mu);
      w_->watches.erase(key_);
    }

   private:
    FakeWatcher* w_;
    uint64_t key_;
  };

  Result<std::unique_ptr<ProcessWatch>> watch(int pid, std::function<void()> onExit) override {
    std::lock_guard<std::mutex> lock(mu);
    uint64_t key = next++;
    watches[key] = {pid, std::move(onExit)};
    return std::unique_ptr<ProcessWatch>(std::make_unique<Handle>(this, key));
  }
  bool isShimAlive(int pid, const std::string&) override {
    std::lock_guard<std::mutex> lock(mu);
    return alive.count(pid) > 0;
  }
  // Plays the exit of `pid`: runs its callbacks on the calling thread.
  void fire(int pid) {
    std::vector<std::function<void()>> cbs;
    {
      std::lock_guard<std::mutex> lock(mu);
      for (auto& [k, w] : watches) {
        if (w.first == pid) {
          cbs.push_back(w.second);
        }
      }
    }
    for (auto& cb : cbs) {
      cb();
    }
  }
  bool watching(int pid) {
    std::lock_guard<std::mutex> lock(mu);
    for (auto& [k, w] : watches) {
      if (w.first == pid) {
        return true;
      }
    }
    return false;
  }
  std::mutex mu;
  std::map<uint64_t, std::pair<int, std::function<void()>>> watches;
  std::set<int> alive;
  uint64_t next = 1;
};

// Starts "shims" by writing their pid files; exits are played through the watcher.
class FakeShims : public ShimLauncher {
 public:
  Result<ShimProcess> start(const ShimStart& s) override {
    std::lock_guard<std::mutex> lock(mu);
    starts.push_back(s);
    if (!failWith.empty()) {
      return invalidArgument(failWith);
    }
    ShimProcess p{nextPid, nextPid + 1};
    nextPid += 10;
    std::string suffix = s.execId.empty() ? "" : "-" + s.execId;
    writeFile(s.stateDir + "/shim" + suffix + ".pid", std::to_string(p.shimPid) + "\n");
    writeFile(s.stateDir + (s.execId.empty() ? "/container.pid" : "/exec-" + s.execId + ".pid"),
              std::to_string(p.processPid) + "\n");
    shimOf[s.execId.empty() ? s.id : s.execId] = p.shimPid;
    return p;
  }
  std::mutex mu;
  std::vector<ShimStart> starts;
  std::map<std::string, int> shimOf;  // container id (or exec id) -> shim pid
  std::string failWith;
  int nextPid = 1000;
};

class FakeRuntime : public OciRuntime {
 public:
  // Called by kill() when the signal ends the process: writes exit.json and plays the exit.
  std::function<void(const std::string& id, int signal)> onFatalSignal;
  std::set<int> ignoredSignals;  // signals the fake container survives

  Status kill(const std::string& id, int signal, bool) override {
    {
      std::lock_guard<std::mutex> lock(mu);
      kills.emplace_back(id, signal);
    }
    if (ignoredSignals.count(signal) == 0 && onFatalSignal) {
      onFatalSignal(id, signal);
    }
    return okStatus();
  }
  Status remove(const std::string& id, bool) override {
    std::lock_guard<std::mutex> lock(mu);
    deletes.push_back(id);
    return notFound("container does not exist");
  }
  Status pause(const std::string& id) override {
    std::lock_guard<std::mutex> lock(mu);
    paused.insert(id);
    return okStatus();
  }
  Status resume(const std::string& id) override {
    std::lock_guard<std::mutex> lock(mu);
    paused.erase(id);
    return okStatus();
  }
  Result<std::vector<int>> pids(const std::string&) override { return std::vector<int>{}; }
  Result<nlohmann::json> stats(const std::string&) override { return nlohmann::json::object(); }
  Result<nlohmann::json> state(const std::string&) override { return nlohmann::json::object(); }

  std::mutex mu;
  std::vector<std::pair<std::string, int>> kills;
  std::vector<std::string> deletes;
  std::set<std::string> paused;
};

class FakeSandboxes : public SandboxProvider {
 public:
  std::string defaultNetworkMode() const override { return "none"; }
  Status checkNetworkMode(std::string_view mode) const override {
    if (mode == "none" || mode == "host") {
      return okStatus();
    }
    return notImplemented("network mode " + std::string(mode) + " is not supported yet");
  }
  Result<Sandbox> create(const SandboxRequest& req) override {
    std::lock_guard<std::mutex> lock(mu);
    Sandbox sb;
    sb.id = "sb-" + req.containerId.substr(0, 6);
    sb.hostNetwork = req.networkMode == "host";
    sb.netnsPath = sb.hostNetwork ? "" : "/run/test/netns/" + req.containerId;
    sb.networks[req.networkMode] = {{"NetworkID", ""}, {"EndpointID", "ep"}};
    live.insert(req.containerId);
    return sb;
  }
  Status destroy(const std::string& id, const std::string&) override {
    std::lock_guard<std::mutex> lock(mu);
    live.erase(id);
    ++destroys;
    return okStatus();
  }
  Status renameEndpoints(const std::string& id, const std::string& newName) override {
    std::lock_guard<std::mutex> lock(mu);
    if (failRename) {
      return unavailable("fake: cannot rename endpoints");
    }
    renames.emplace_back(id, newName);
    return okStatus();
  }
  mutable std::mutex mu;
  std::set<std::string> live;
  int destroys = 0;
  std::vector<std::pair<std::string, std::string>> renames;  // container id, new name
  bool failRename = false;
};

// Records tasks; the test runs them (delays are only recorded).
class FakeScheduler : public Scheduler {
 public:
  void postAfter(std::chrono::nanoseconds delay, std::function<void()> fn) override {
    std::lock_guard<std::mutex> lock(mu);
    tasks.emplace_back(delay, std::move(fn));
    delays.push_back(delay);
  }
  // Runs what is queued now (and what those tasks queue), in order.
  void runAll() {
    while (true) {
      std::function<void()> fn;
      {
        std::lock_guard<std::mutex> lock(mu);
        if (tasks.empty()) {
          return;
        }
        fn = std::move(tasks.front().second);
        tasks.erase(tasks.begin());
      }
      fn();
    }
  }
  size_t pending() {
    std::lock_guard<std::mutex> lock(mu);
    return tasks.size();
  }
  std::mutex mu;
  std::vector<std::pair<std::chrono::nanoseconds, std::function<void()>>> tasks;
  std::vector<std::chrono::nanoseconds> delays;
};

inline image::ImageRecord busybox() {
  image::ImageRecord img;
  img.id = "sha256:" + std::string(64, 'b');
  img.repoTags = {"busybox:latest"};
  img.config = {{"architecture", "amd64"},
                {"os", "linux"},
                {"config",
                 {{"Env", {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}},
                  {"Cmd", {"sh"}},
                  {"Labels", {{"org.image", "yes"}}}}}};
  img.layerDirs = {"/layers/a/diff"};
  return img;
}

inline image::ImageRecord noCmdImage() {
  image::ImageRecord img;
  img.id = "sha256:" + std::string(64, 'c');
  img.repoTags = {"scratchy:latest"};
  img.config = {{"os", "linux"}, {"config", nlohmann::json::object()}};
  return img;
}

class ServiceFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    auto st = store::SqliteStore::open(tmp.sub("berth.db"));
    ASSERT_TRUE(st.ok()) << st.error().message();
    db = std::move(st).value();
    images.images = {busybox(), noCmdImage()};
    writeFile(tmp.sub("resolv.conf"),
              "nameserver 10.0.0.2\nnameserver 127.0.0.53\nsearch example.com\n");
    writeFile(tmp.sub("hosts"), "127.0.0.1 localhost myhost\n");
    bus.subscribe(
        Filters{}, 0, 0,
        [this](const events::Event& e) {
          std::lock_guard<std::mutex> lock(evMu);
          events.push_back(e);
        },
        &sub);
    runtime.onFatalSignal = [this](const std::string& id, int signal) {
      exitContainer(id, 128 + signal);
    };
    makeService();
  }

  void makeService() {
    svc.reset();
    ServiceOptions o;
    o.dataRoot = tmp.sub("data");
    o.execRoot = tmp.sub("exec");
    o.hostResolvConf = tmp.sub("resolv.conf");
    o.hostHosts = tmp.sub("hosts");
    o.host.cpus = 2;
    o.host.hostname = "testhost";
    o.clock = [this] { return clockNano.load(); };
    o.killGrace = std::chrono::milliseconds(500);
    svc = std::make_unique<ContainerService>(
        ServiceDeps{*db, bus, images, rootfs, runtime, shims, sandboxes, watcher, scheduler}, o);
  }

  // Plays the container's process ending with `code`, as its shim reports it.
  void exitContainer(const std::string& id, int code) {
    std::string dir = tmp.sub("exec") + "/containers/" + id;
    writeFile(
        dir + "/exit.json",
        nlohmann::json{{"exitCode", code}, {"finishedAt", formatRfc3339Nano(clockNano.load())}}
            .dump());
    int pid = 0;
    {
      std::lock_guard<std::mutex> lock(shims.mu);
      pid = shims.shimOf[id];
    }
    watcher.fire(pid);
  }

  std::string create(const nlohmann::json& body, const std::string& name = "") {
    auto r = svc->create(CreateRequest{name, body});
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message());
    return r.ok() ? r->id : "";
  }

  ContainerRecord record(const std::string& id) {
    auto r = svc->find(id);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message());
    return r.ok() ? *r : ContainerRecord{};
  }

  std::vector<std::string> actions(const std::string& id = "") {
    std::lock_guard<std::mutex> lock(evMu);
    std::vector<std::string> out;
    for (const auto& e : events) {
      if (id.empty() || e.actorId == id) {
        out.push_back(e.action);
      }
    }
    return out;
  }
  std::vector<events::Event> eventsOf(const std::string& action) {
    std::lock_guard<std::mutex> lock(evMu);
    std::vector<events::Event> out;
    for (const auto& e : events) {
      if (e.action == action) {
        out.push_back(e);
      }
    }
    return out;
  }
  void clearEvents() {
    std::lock_guard<std::mutex> lock(evMu);
    events.clear();
  }

  size_t storedContainers() {
    auto kvs = db->list("containers/");
    return kvs.ok() ? kvs->size() : 999;
  }
  size_t storedNames() {
    auto kvs = db->list("container-names/");
    return kvs.ok() ? kvs->size() : 999;
  }
  size_t containerDirs() {
    std::error_code ec;
    size_t n = 0;
    for (auto it = fs::directory_iterator(tmp.sub("data") + "/containers", ec);
         !ec && it != fs::directory_iterator(); ++it) {
      ++n;
    }
    return n;
  }

  TempDir tmp;
  std::unique_ptr<store::Store> db;
  events::EventBus bus;
  std::unique_ptr<events::EventBus::Subscription> sub;
  std::mutex evMu;
  std::vector<events::Event> events;
  FakeImages images;
  FakeRootfs rootfs{tmp.sub("rootfs")};
  FakeRuntime runtime;
  FakeShims shims;
  FakeSandboxes sandboxes;
  FakeWatcher watcher;
  FakeScheduler scheduler;
  std::atomic<int64_t> clockNano{int64_t{1893456000} * 1000000000};  // 2030-01-01
  std::unique_ptr<ContainerService> svc;
};

inline nlohmann::json body(const nlohmann::json& extra = nlohmann::json::object()) {
  nlohmann::json b = {{"Image", "busybox"}};
  b.update(extra);
  return b;
}

}  // namespace berth::container::testing
