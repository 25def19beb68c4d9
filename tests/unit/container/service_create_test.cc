#include <gtest/gtest.h>

#include "fakes.h"

namespace berth::container {
namespace {

using nlohmann::json;
using testing::body;
namespace fs = std::filesystem;

class CreateTest : public testing::ServiceFixture {
 protected:
  // Bad input: the right kind and message, and nothing made anywhere.
  void expectRefused(const CreateRequest& req, ErrorKind kind, const std::string& message = "") {
    size_t records = storedContainers();
    size_t names = storedNames();
    size_t dirs = containerDirs();
    size_t evs = actions().size();
    auto r = svc->create(req);
    ASSERT_FALSE(r.ok()) << req.body.dump();
    EXPECT_EQ(r.error().kind(), kind) << r.error().message();
    if (!message.empty()) {
      EXPECT_EQ(r.error().message(), message);
    }
    EXPECT_EQ(storedContainers(), records);
    EXPECT_EQ(storedNames(), names);
    EXPECT_EQ(containerDirs(), dirs);
    EXPECT_EQ(actions().size(), evs);
    EXPECT_EQ(rootfs.mounts, 0);
    EXPECT_TRUE(sandboxes.live.empty());
    EXPECT_TRUE(shims.starts.empty());
  }
};

TEST_F(CreateTest, CreatesARecordTheNameAndAnEvent) {
  std::string id = create(body({{"Cmd", {"echo", "hi"}}, {"Labels", {{"team", "a"}}}}), "web");
  ASSERT_EQ(id.size(), 64U);
  ContainerRecord rec = record("web");
  EXPECT_EQ(rec.id, id);
  EXPECT_EQ(rec.name, "/web");
  EXPECT_EQ(rec.path, "echo");
  EXPECT_EQ(rec.args, std::vector<std::string>({"hi"}));
  EXPECT_EQ(rec.imageId, testing::busybox().id);
  EXPECT_EQ(rec.state.statusString(), "created");
  EXPECT_EQ(rec.logDriver, "json-file");
  EXPECT_EQ(rec.logPath, tmp.sub("data") + "/containers/" + id + "/" + id + "-json.log");
  EXPECT_EQ(storedNames(), 1U);
  EXPECT_TRUE(fs::is_directory(tmp.sub("data") + "/containers/" + id));
  auto evs = eventsOf("create");
  ASSERT_EQ(evs.size(), 1U);
  EXPECT_EQ(evs[0].type, "container");
  EXPECT_EQ(evs[0].actorId, id);
  EXPECT_EQ(evs[0].attributes.at("name"), "web");
  EXPECT_EQ(evs[0].attributes.at("image"), "busybox");
  EXPECT_EQ(evs[0].attributes.at("team"), "a");
  EXPECT_EQ(evs[0].attributes.at("org.image"), "yes");
  // Lookups: name with and without '/', full id, unique prefix.
  EXPECT_EQ(record("/web").id, id);
  EXPECT_EQ(record(id).id, id);
  EXPECT_EQ(record(id.substr(0, 5)).id, id);
}

TEST_F(CreateTest, GeneratesANameWhenNoneIsGiven) {
  std::string id = create(body());
  EXPECT_TRUE(validateContainerName(record(id).name).ok());
}

TEST_F(CreateTest, DuplicateNameIsAConflictWithDockerdWording) {
  std::string id = create(body(), "web");
  expectRefused(
      CreateRequest{"web", body()}, ErrorKind::kConflict,
      "Conflict. The container name \"/web\" is already in use by container \"" + id +
          "\". You have to remove (or rename) that container to be able to reuse that name.");
  expectRefused(CreateRequest{"/web", body()}, ErrorKind::kConflict);
}

TEST_F(CreateTest, BadInputCreatesNothing) {
  expectRefused(CreateRequest{"", body({{"Image", "nosuch"}})}, ErrorKind::kNotFound,
                "No such image: nosuch:latest");
  expectRefused(CreateRequest{"a", body()}, ErrorKind::kInvalidArgument,
                "Invalid container name (a), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
  expectRefused(
      CreateRequest{"", body({{"HostConfig", {{"RestartPolicy", {{"Name", "sometimes"}}}}}})},
      ErrorKind::kInvalidArgument);
  expectRefused(CreateRequest{"", body({{"HostConfig", {{"Memory", 100}}}})},
                ErrorKind::kInvalidArgument, "Minimum memory limit allowed is 6MB");
  expectRefused(CreateRequest{"", body({{"HostConfig", {{"NanoCpus", int64_t{9} * 1000000000}}}})},
                ErrorKind::kInvalidArgument);
  expectRefused(CreateRequest{"", body({{"WorkingDir", "rel"}})}, ErrorKind::kInvalidArgument,
                "the working directory 'rel' is invalid, it needs to be an absolute path");
  expectRefused(CreateRequest{"", json{{"Image", "scratchy"}}}, ErrorKind::kInvalidArgument,
                "no command specified");
  expectRefused(CreateRequest{"", body({{"HostConfig", {{"NetworkMode", "bridge"}}}})},
                ErrorKind::kNotImplemented, "network mode bridge is not supported yet");
  expectRefused(CreateRequest{"", body({{"HostConfig", {{"CapDrop", {"FLY"}}}}})},
                ErrorKind::kInvalidArgument);
  expectRefused(CreateRequest{"", body({{"StopSignal", "NOPE"}})}, ErrorKind::kInvalidArgument);
  expectRefused(CreateRequest{"", body({{"HostConfig", {{"LogConfig", {{"Type", "nope"}}}}}})},
                ErrorKind::kInvalidArgument);
  expectRefused(CreateRequest{"", json::array()}, ErrorKind::kInvalidArgument);
  expectRefused(CreateRequest{"", json::object()}, ErrorKind::kInvalidArgument);
  // The name stays free after a refused create.
  EXPECT_FALSE(create(body(), "free").empty());
}

TEST_F(CreateTest, RenameMovesTheNameAndEmitsOldName) {
  std::string id = create(body(), "old");
  create(body(), "taken");
  auto taken = svc->rename("old", "taken");
  ASSERT_FALSE(taken.ok());
  EXPECT_EQ(taken.error().kind(), ErrorKind::kConflict);
  auto same = svc->rename("old", "old");
  ASSERT_FALSE(same.ok());
  EXPECT_EQ(same.error().message(), "Renaming a container with the same name as its current name");
  EXPECT_EQ(svc->rename("old", "").error().message(), "Neither old nor new names may be empty");
  ASSERT_TRUE(svc->rename("old", "new").ok());
  EXPECT_EQ(record("new").id, id);
  EXPECT_FALSE(svc->find("old").ok());
  EXPECT_EQ(svc->find("old").error().message(), "No such container: old");
  auto ev = eventsOf("rename");
  ASSERT_EQ(ev.size(), 1U);
  EXPECT_EQ(ev[0].attributes.at("oldName"), "/old");
  EXPECT_EQ(ev[0].attributes.at("name"), "new");
  // The old name can be taken again.
  EXPECT_FALSE(create(body(), "old").empty());
}

TEST_F(CreateTest, RemoveDeletesEverything) {
  std::string id = create(body(), "gone");
  ASSERT_TRUE(svc->remove("gone", {}).ok());
  EXPECT_EQ(storedContainers(), 0U);
  EXPECT_EQ(storedNames(), 0U);
  EXPECT_EQ(containerDirs(), 0U);
  EXPECT_TRUE(rootfs.removed.count(id));
  EXPECT_EQ(actions(id), std::vector<std::string>({"create", "destroy"}));
  auto again = svc->remove("gone", {});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().kind(), ErrorKind::kNotFound);
  EXPECT_EQ(again.error().message(), "No such container: gone");
}

TEST_F(CreateTest, PruneRemovesStoppedMatchingContainers) {
  std::string a = create(body({{"Labels", {{"keep", "no"}}}}), "aa");
  std::string b = create(body({{"Labels", {{"keep", "yes"}}}}), "bb");
  std::string c = create(body(), "cc");
  ASSERT_TRUE(svc->start("cc").ok());
  Filters f;
  f.add("label!", "keep=yes");
  auto report = svc->prune(f);
  ASSERT_TRUE(report.ok()) << report.error().message();
  EXPECT_EQ(report->deleted, std::vector<std::string>({a}));
  EXPECT_TRUE(svc->find("bb").ok());
  EXPECT_TRUE(svc->find("cc").ok());
  auto ev = eventsOf("prune");
  ASSERT_EQ(ev.size(), 1U);
  EXPECT_TRUE(ev[0].attributes.count("reclaimed"));
  Filters bad;
  bad.add("colour", "red");
  EXPECT_EQ(svc->prune(bad).error().kind(), ErrorKind::kInvalidArgument);
  Filters until;
  until.add("until", "1h");  // everything here was created "now"
  ASSERT_TRUE(svc->prune(until).ok());
  EXPECT_TRUE(svc->find("bb").ok());
}

TEST_F(CreateTest, AmbiguousPrefix) {
  // Two ids share a prefix only by chance; make it certain with one hex digit.
  std::string a = create(body());
  std::string b = create(body());
  if (a[0] == b[0]) {
    auto r = svc->find(a.substr(0, 1));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message(), "multiple IDs found with provided prefix: " + a.substr(0, 1));
  }
  EXPECT_EQ(svc->find("zzz").error().kind(), ErrorKind::kNotFound);
}

}  // namespace
}  // namespace berth::container
