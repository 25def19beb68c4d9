// VolumeService over a real SQLite store in a temporary directory, with the
// local driver's mount(2) faked and a fake plugin driver.
#include "volume/volume_service.h"

#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "../../lib/temp_dir.h"
#include "store/sqlite_store.h"
#include "volume/copy_up.h"
#include "volume/local_driver.h"

namespace berth::volume {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

using testlib::TempDir;

class FakePlugin : public VolumeDriver {
 public:
  std::string name() const override { return "fakeplug"; }
  Result<std::string> scope() override { return std::string("global"); }
  Status validate(const std::string&, const DriverOptions&) override { return okStatus(); }
  Status create(const std::string& v, const DriverOptions&) override {
    if (failCreate) {
      return internal("VolumeDriver.Create: boom");
    }
    created.push_back(v);
    return okStatus();
  }
  Status remove(const std::string& v) override {
    removed.push_back(v);
    return okStatus();
  }
  Result<std::string> mount(const std::string& v, const std::string&) override {
    return "/plugin/" + v;
  }
  Status unmount(const std::string& v, const std::string& id) override {
    unmounted.push_back(v + " " + id);
    return okStatus();
  }
  Result<std::string> path(const std::string&) override { return std::string(); }
  Result<json> status(const std::string&) override { return json{{"hello", "world"}}; }
  bool failCreate = false;
  std::vector<std::string> created;
  std::vector<std::string> removed;
  std::vector<std::string> unmounted;
};

class VolumeServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto st = store::SqliteStore::open(tmp.sub("berth.db"));
    ASSERT_TRUE(st.ok()) << st.error().message();
    db = std::move(st).value();
    bus.subscribe(Filters{}, 0, 0, [this](const events::Event& e) { seen.push_back(e); }, &sub);
    svc = newService();
    plugin = std::make_shared<FakePlugin>();
    svc->addDriver(plugin);
  }

  // A service over the same store and data root, as a restarted berthd makes
  // it, with mount(2) faked into `mounts`/`unmounts`.
  std::unique_ptr<VolumeService> newService() {
    auto local = std::make_shared<LocalDriver>(
        tmp.sub("volumes"),
        [this](const LocalMountSpec& s, const std::string& target) {
          mounts.push_back(s.type + " " + s.device + " " + s.data + " -> " + target);
          return okStatus();
        },
        [this](const std::string& target) {
          unmounts.push_back(target);
          return okStatus();
        });
    VolumeServiceOptions o;
    o.dataRoot = tmp.path();
    o.pluginDirs.socketDirs = {tmp.sub("plugins")};
    o.pluginDirs.specDirs = {tmp.sub("specs")};
    return std::make_unique<VolumeService>(*db, bus, o, local);
  }

  std::vector<std::string> actions(const std::string& name) {
    std::vector<std::string> out;
    for (const auto& e : seen) {
      if (e.type == "volume" && e.actorId == name) {
        out.push_back(e.action);
      }
    }
    return out;
  }

  TempDir tmp;
  std::unique_ptr<store::Store> db;
  events::EventBus bus;
  std::unique_ptr<events::EventBus::Subscription> sub;
  std::vector<events::Event> seen;
  std::vector<std::string> mounts;
  std::vector<std::string> unmounts;
  std::unique_ptr<VolumeService> svc;
  std::shared_ptr<FakePlugin> plugin;
};

CreateVolumeRequest named(const std::string& name) {
  CreateVolumeRequest r;
  r.name = name;
  return r;
}

TEST_F(VolumeServiceTest, CreateInspectListRemove) {
  auto v = svc->create(named("myvol"));
  ASSERT_TRUE(v.ok()) << v.error().message();
  EXPECT_EQ((*v)["Name"], "myvol");
  EXPECT_EQ((*v)["Driver"], "local");
  EXPECT_EQ((*v)["Scope"], "local");
  EXPECT_EQ((*v)["Mountpoint"], tmp.sub("volumes/myvol/_data"));
  EXPECT_TRUE((*v)["Labels"].is_null());
  EXPECT_TRUE(fs::is_directory(tmp.sub("volumes/myvol/_data")));
  auto again = svc->create(named("myvol"));  // dockerd returns the existing one
  ASSERT_TRUE(again.ok());
  auto list = svc->list(Filters{});
  ASSERT_TRUE(list.ok());
  EXPECT_EQ((*list)["Volumes"].size(), 1U);
  EXPECT_TRUE((*list)["Warnings"].is_null());
  ASSERT_TRUE(svc->remove("myvol", false).ok());
  EXPECT_FALSE(fs::exists(tmp.sub("volumes/myvol")));
  auto gone = svc->inspect("myvol");
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().kind(), ErrorKind::kNotFound);
  EXPECT_EQ(gone.error().message(), "get myvol: no such volume");
  EXPECT_TRUE(svc->remove("myvol", true).ok());
  EXPECT_EQ(actions("myvol"), (std::vector<std::string>{"create", "destroy"}));
}

TEST_F(VolumeServiceTest, BadInputCreatesNothing) {
  auto shortName = svc->create(named("a"));
  ASSERT_FALSE(shortName.ok());
  EXPECT_EQ(shortName.error().message(),
            "create a: volume name is too short, names should be at least two alphanumeric "
            "characters");
  auto bad = svc->create(named("foo bar"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind(), ErrorKind::kInvalidArgument);
  CreateVolumeRequest opt = named("withopt");
  opt.options = {{"nope", "1"}};
  auto badOpt = svc->create(opt);
  ASSERT_FALSE(badOpt.ok());
  EXPECT_EQ(badOpt.error().message(), "create withopt: invalid option: \"nope\"");
  opt.options = {{"type", "tmpfs"}};
  auto missing = svc->create(opt);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message(), "create withopt: missing required option: \"device\"");
  CreateVolumeRequest unknown = named("x1");
  unknown.driver = "nosuchdriver";
  auto u = svc->create(unknown);
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.error().kind(), ErrorKind::kNotFound);
  EXPECT_EQ(u.error().message(),
            "create x1: error looking up volume plugin nosuchdriver: plugin \"nosuchdriver\" not "
            "found");
  auto list = svc->list(Filters{});
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE((*list)["Volumes"].empty());
  EXPECT_FALSE(fs::exists(tmp.sub("volumes/withopt")));
}

TEST_F(VolumeServiceTest, InUseIsRefusedAndSurvivesANewService) {
  ASSERT_TRUE(svc->acquire("c1", {{"bizvol", "", {}, {}}}).ok());
  Status rm = svc->remove("bizvol", false);
  ASSERT_FALSE(rm.ok());
  EXPECT_EQ(rm.error().kind(), ErrorKind::kConflict);
  EXPECT_EQ(rm.error().message(), "remove bizvol: volume is in use - [c1]");
  // A restarted berthd reads the use from the store.
  VolumeServiceOptions o;
  o.dataRoot = tmp.path();
  VolumeService second(*db, bus, o);
  EXPECT_FALSE(second.remove("bizvol", true).ok());
  Filters all;
  all.add("all", "true");
  auto pruned = second.prune(all);
  ASSERT_TRUE(pruned.ok());
  EXPECT_TRUE((*pruned)["VolumesDeleted"].is_null());
  ASSERT_TRUE(svc->release("c1", {"bizvol"}, {}, true).ok());
  EXPECT_TRUE(svc->remove("bizvol", false).ok());
}

TEST_F(VolumeServiceTest, PruneTakesAnonymousOnlyUnlessAll) {
  ASSERT_TRUE(svc->create(named("named1")).ok());
  CreateVolumeRequest anon = named("0123456789abcdef");
  anon.labels = {{"com.docker.volume.anonymous", ""}};
  ASSERT_TRUE(svc->create(anon).ok());
  std::ofstream(tmp.sub("volumes/0123456789abcdef/_data/f")) << "12345";
  auto first = svc->prune(Filters{});
  ASSERT_TRUE(first.ok());
  EXPECT_EQ((*first)["VolumesDeleted"], json({"0123456789abcdef"}));
  EXPECT_EQ((*first)["SpaceReclaimed"], 5);
  Filters all;
  all.add("all", "1");
  auto second = svc->prune(all);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ((*second)["VolumesDeleted"], json({"named1"}));
  Filters bad;
  bad.add("all", "maybe");
  EXPECT_FALSE(svc->prune(bad).ok());
}

TEST_F(VolumeServiceTest, ListFilters) {
  CreateVolumeRequest a = named("alpha");
  a.labels = {{"tier", "db"}};
  a.labelsNull = false;
  ASSERT_TRUE(svc->create(a).ok());
  ASSERT_TRUE(svc->create(named("beta")).ok());
  ASSERT_TRUE(svc->acquire("c1", {{"beta", "", {}, {}}}).ok());
  auto count = [this](const std::string& key, const std::string& value) {
    Filters f;
    f.add(key, value);
    auto l = svc->list(f);
    EXPECT_TRUE(l.ok());
    return l.ok() ? (*l)["Volumes"].size() : 99;
  };
  EXPECT_EQ(count("dangling", "true"), 1U);
  EXPECT_EQ(count("dangling", "false"), 1U);
  EXPECT_EQ(count("label", "tier=db"), 1U);
  EXPECT_EQ(count("name", "alp"), 1U);
  EXPECT_EQ(count("driver", "local"), 2U);
  Filters bad;
  bad.add("dangling", "perhaps");
  EXPECT_FALSE(svc->list(bad).ok());
  Filters unknown;
  unknown.add("colour", "red");
  EXPECT_FALSE(svc->list(unknown).ok());
}

TEST_F(VolumeServiceTest, AcquireIsAllOrNothing) {
  Status st = svc->acquire("c1", {{"good1", "", {}, {}}, {"b@d", "", {}, {}}});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().kind(), ErrorKind::kInvalidArgument);
  EXPECT_FALSE(svc->inspect("good1").ok());
  plugin->failCreate = true;
  st = svc->acquire("c1", {{"good2", "", {}, {}}, {"plugvol", "fakeplug", {}, {}}});
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message().find("VolumeDriver.Create: boom"), std::string::npos);
  EXPECT_FALSE(svc->inspect("good2").ok());
}

TEST_F(VolumeServiceTest, MountEventsAndOptionedLocalVolume) {
  CreateVolumeRequest t = named("tmpvol");
  t.options = {{"type", "tmpfs"}, {"device", "tmpfs"}, {"o", "size=1m,noexec"}};
  ASSERT_TRUE(svc->acquire("c1", {{"tmpvol", "", t.options, {}}}).ok());
  ASSERT_TRUE(svc->acquire("c2", {{"tmpvol", "", {}, {}}}).ok());
  container::VolumeMountInfo info{"/data", false, "", ""};
  auto p1 = svc->mount("tmpvol", "c1", info);
  ASSERT_TRUE(p1.ok()) << p1.error().message();
  ASSERT_TRUE(svc->mount("tmpvol", "c2", info).ok());
  ASSERT_EQ(mounts.size(), 1U);  // one mount for both users
  EXPECT_EQ(mounts[0], "tmpfs tmpfs size=1m -> " + *p1);
  ASSERT_TRUE(svc->unmountAll("c1").ok());
  EXPECT_TRUE(unmounts.empty());
  ASSERT_TRUE(svc->unmountAll("c2").ok());
  EXPECT_EQ(unmounts.size(), 1U);
  EXPECT_EQ(actions("tmpvol"),
            (std::vector<std::string>{"create", "mount", "mount", "unmount", "unmount"}));
  for (const auto& e : seen) {
    if (e.action == "mount") {
      EXPECT_EQ(e.attributes.at("destination"), "/data");
      EXPECT_EQ(e.attributes.at("read/write"), "true");
    }
  }
}

TEST_F(VolumeServiceTest, ReleaseRemovesAnonymousOnlyWhenAsked) {
  std::map<std::string, std::string> anonLabel = {{"com.docker.volume.anonymous", ""}};
  ASSERT_TRUE(svc->acquire("c1", {{"anon1anon1", "", {}, anonLabel}, {"keepme", "", {}, {}}}).ok());
  ASSERT_TRUE(svc->release("c1", {"anon1anon1", "keepme"}, {"anon1anon1"}, true).ok());
  EXPECT_FALSE(svc->inspect("anon1anon1").ok());
  EXPECT_TRUE(svc->inspect("keepme").ok());
  ASSERT_TRUE(svc->acquire("c2", {{"anon2anon2", "", {}, anonLabel}}).ok());
  ASSERT_TRUE(svc->release("c2", {"anon2anon2"}, {"anon2anon2"}, false).ok());
  EXPECT_TRUE(svc->inspect("anon2anon2").ok());
}

TEST_F(VolumeServiceTest, PluginVolumeInspectShowsStatus) {
  CreateVolumeRequest p = named("plugvol");
  p.driver = "fakeplug";
  auto v = svc->create(p);
  ASSERT_TRUE(v.ok()) << v.error().message();
  EXPECT_EQ((*v)["Scope"], "global");
  auto i = svc->inspect("plugvol");
  ASSERT_TRUE(i.ok());
  EXPECT_EQ((*i)["Status"]["hello"], "world");
  auto path = svc->mount("plugvol", "c9", {"/x", true, "", ""});
  ASSERT_TRUE(path.ok());
  EXPECT_EQ(*path, "/plugin/plugvol");
  ASSERT_TRUE(svc->remove("plugvol", false).ok());
  EXPECT_EQ(plugin->removed, std::vector<std::string>{"plugvol"});
}

TEST_F(VolumeServiceTest, MountCountsSurviveARestart) {
  DriverOptions tmpfs = {{"type", "tmpfs"}, {"device", "tmpfs"}, {"o", "size=1m"}};
  ASSERT_TRUE(svc->acquire("c1", {{"tmpvol", "", tmpfs, {}}}).ok());
  ASSERT_TRUE(svc->acquire("c2", {{"tmpvol", "", {}, {}}}).ok());
  ASSERT_TRUE(svc->acquire("c1", {{"idle", "", tmpfs, {}}}).ok());
  container::VolumeMountInfo info{"/data", false, "", ""};
  ASSERT_TRUE(svc->mount("tmpvol", "c1", info).ok());
  ASSERT_EQ(mounts.size(), 1U);
  ASSERT_TRUE(unmounts.empty());
  // berthd dies (kill -9) with c1 running; a new one starts on the same store.
  svc.reset();
  svc = newService();
  // "idle" is mounted by nobody: whatever a crash left on its _data is undone.
  EXPECT_EQ(unmounts, std::vector<std::string>{tmp.sub("volumes/idle/_data")});
  unmounts.clear();
  Status rm = svc->remove("tmpvol", false);
  ASSERT_FALSE(rm.ok());
  EXPECT_EQ(rm.error().kind(), ErrorKind::kConflict);
  // c2 shares c1's tmpfs instead of stacking a fresh one over it ...
  ASSERT_TRUE(svc->mount("tmpvol", "c2", info).ok());
  EXPECT_EQ(mounts.size(), 1U);
  // ... and its stop leaves it mounted for c1.
  ASSERT_TRUE(svc->unmountAll("c2").ok());
  EXPECT_TRUE(unmounts.empty());
  // The last user's stop (what rm -f does first) unmounts it.
  ASSERT_TRUE(svc->unmountAll("c1").ok());
  EXPECT_EQ(unmounts, std::vector<std::string>{tmp.sub("volumes/tmpvol/_data")});
  ASSERT_TRUE(svc->release("c1", {"tmpvol"}, {}, false).ok());
  ASSERT_TRUE(svc->release("c2", {"tmpvol"}, {}, false).ok());
  EXPECT_TRUE(svc->remove("tmpvol", false).ok());
}

TEST_F(VolumeServiceTest, PluginIsToldOfTheUnmountAfterARestart) {
  ASSERT_TRUE(svc->acquire("c1", {{"plugvol", "fakeplug", {}, {}}}).ok());
  ASSERT_TRUE(svc->mount("plugvol", "c1", {"/x", false, "", ""}).ok());
  svc.reset();
  svc = newService();
  svc->addDriver(plugin);
  EXPECT_FALSE(svc->remove("plugvol", false).ok());
  ASSERT_TRUE(svc->unmountAll("c1").ok());
  EXPECT_EQ(plugin->unmounted, std::vector<std::string>{"plugvol c1"});
  ASSERT_TRUE(svc->unmountAll("c1").ok());  // once only
  EXPECT_EQ(plugin->unmounted.size(), 1U);
}

TEST_F(VolumeServiceTest, CopyUpOncePerContainerAtItsFirstStart) {
  fs::create_directories(tmp.sub("rootfs/data"));
  std::ofstream(tmp.sub("rootfs/data/seed")) << "x";
  container::VolumeMountInfo info{"/data", false, "", tmp.sub("rootfs")};
  const std::string data = tmp.sub("volumes/cpvol/_data");
  ASSERT_TRUE(svc->acquire("c1", {{"cpvol", "", {}, {}}}).ok());
  ASSERT_TRUE(svc->mount("cpvol", "c1", info).ok());
  EXPECT_TRUE(fs::exists(data + "/seed"));
  ASSERT_TRUE(svc->unmountAll("c1").ok());
  // Emptied, then the same container starts again (also after a restart): not refilled.
  fs::remove(data + "/seed");
  svc.reset();
  svc = newService();
  ASSERT_TRUE(svc->mount("cpvol", "c1", info).ok());
  EXPECT_TRUE(fs::is_empty(data));
  ASSERT_TRUE(svc->unmountAll("c1").ok());
  // A new container over the empty volume fills it, as dockerd's create does.
  ASSERT_TRUE(svc->acquire("c2", {{"cpvol", "", {}, {}}}).ok());
  ASSERT_TRUE(svc->mount("cpvol", "c2", {"/data", false, "", ""}).ok());  // nocopy
  EXPECT_TRUE(fs::is_empty(data));
  ASSERT_TRUE(svc->unmountAll("c2").ok());
  ASSERT_TRUE(svc->acquire("c3", {{"cpvol", "", {}, {}}}).ok());
  ASSERT_TRUE(svc->mount("cpvol", "c3", info).ok());
  EXPECT_TRUE(fs::exists(data + "/seed"));
}

TEST(CopyUp, FillsAnEmptyVolumeOnceAndStaysInTheRootfs) {
  TempDir t;
  fs::create_directories(t.sub("rootfs/data/sub"));
  std::ofstream(t.sub("rootfs/data/sub/file")) << "hello";
  fs::create_symlink("/etc", t.sub("rootfs/escape"));
  fs::create_directories(t.sub("vol"));
  auto copied = copyUp(t.sub("rootfs"), "/data", t.sub("vol"));
  ASSERT_TRUE(copied.ok()) << copied.error().message();
  EXPECT_TRUE(*copied);
  std::ifstream in(t.sub("vol/sub/file"));
  std::string text;
  in >> text;
  EXPECT_EQ(text, "hello");
  auto again = copyUp(t.sub("rootfs"), "/data", t.sub("vol"));  // not empty any more
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);
  // /escape -> /etc resolves inside the rootfs, where there is no /etc.
  fs::create_directories(t.sub("vol2"));
  auto escaped = copyUp(t.sub("rootfs"), "/escape", t.sub("vol2"));
  ASSERT_TRUE(escaped.ok());
  EXPECT_FALSE(*escaped);
  EXPECT_TRUE(fs::is_empty(t.sub("vol2")));
}

TEST(PluginLookup, SocketsAndSpecFiles) {
  TempDir t;
  PluginDirs dirs;
  dirs.socketDirs = {t.sub("run")};
  dirs.specDirs = {t.sub("etc")};
  fs::create_directories(t.sub("run"));
  fs::create_directories(t.sub("etc"));
  std::ofstream(t.sub("run/sockplug.sock")) << "";
  std::ofstream(t.sub("etc/specplug.spec")) << "tcp://127.0.0.1:9999\n";
  std::ofstream(t.sub("etc/jsonplug.json")) << R"({"Name":"jsonplug","Addr":"unix:///x/y.sock"})";
  auto s = findPlugin(dirs, "sockplug");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->unixPath, t.sub("run/sockplug.sock"));
  auto sp = findPlugin(dirs, "specplug");
  ASSERT_TRUE(sp.ok());
  EXPECT_EQ(sp->host, "127.0.0.1");
  EXPECT_EQ(sp->port, 9999);
  auto js = findPlugin(dirs, "jsonplug");
  ASSERT_TRUE(js.ok());
  EXPECT_EQ(js->unixPath, "/x/y.sock");
  auto none = findPlugin(dirs, "nothere");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().kind(), ErrorKind::kNotFound);
  // A socket nobody listens on is an unavailable error, not a hang.
  PluginClient client(*s, std::chrono::milliseconds(500));
  auto r = client.call("Plugin.Activate", nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind(), ErrorKind::kUnavailable);
}

TEST(LocalMountOptions, FlagsAndData) {
  LocalMountSpec s = parseLocalMountOptions({{"type", "none"}, {"device", "/srv"}, {"o", "bind,ro"}});
  EXPECT_EQ(s.type, "none");
  EXPECT_NE(s.flags & MS_BIND, 0UL);
  EXPECT_NE(s.flags & MS_RDONLY, 0UL);
  EXPECT_EQ(s.data, "");
  s = parseLocalMountOptions({{"type", "tmpfs"}, {"device", "tmpfs"}, {"o", "size=10m,uid=1000"}});
  EXPECT_EQ(s.data, "size=10m,uid=1000");
  EXPECT_EQ(s.flags, 0UL);
}

}  // namespace
}  // namespace berth::volume
