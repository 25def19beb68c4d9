// docker load of docker-save and OCI layout archives built here, and save → load.
#include <gtest/gtest.h>

#include "image/digest.h"
#include "image/image_config.h"
#include "image/image_service.h"
#include "service_fixture.h"

namespace berth::image {
namespace {

using json = nlohmann::json;
using testing::file;
using testing::makeTar;
using testing::readTar;

std::string configFor(const std::vector<std::string>& layerTars, const std::string& cmd) {
  json diffIds = json::array();
  json history = json::array();
  for (const auto& t : layerTars) {
    diffIds.push_back(sha256Digest(t));
    history.push_back({{"created", "2024-01-02T03:04:05Z"}, {"created_by", "ADD layer"}});
  }
  return json{{"architecture", hostPlatform().architecture},
              {"os", "linux"},
              {"created", "2024-01-02T03:04:05.5Z"},
              {"config", {{"Cmd", {cmd}}, {"Env", {"PATH=/bin"}}}},
              {"rootfs", {{"type", "layers"}, {"diff_ids", diffIds}}},
              {"history", history}}
      .dump();
}

std::vector<testing::TarEntry> outerEntries(const std::map<std::string, std::string>& files) {
  std::vector<testing::TarEntry> out;
  out.reserve(files.size());
  for (const auto& [k, v] : files) {
    out.push_back(file(k, v));
  }
  return out;
}

class ArchiveTest : public testing::ServiceFixture {
 protected:
  std::string layer1 =
      makeTar({file("bin/sh", "shell", 0755), file("etc/passwd", "root:x:0:0::/root:/bin/sh\n")});
  std::string layer2 = makeTar({file("etc/.wh.passwd", ""), file("www/index.html", "<h1>hi</h1>")});
};

TEST_F(ArchiveTest, LoadsADockerSaveArchiveWithTwoLayers) {
  std::string config = configFor({layer1, layer2}, "sh");
  std::string id = sha256Digest(config);
  // The old layout: <id>.json, <layer>/layer.tar, one layer stored gzip'd.
  json manifest = json::array({{{"Config", std::string(digestHex(id)) + ".json"},
                                {"RepoTags", {"busybox:latest", "example.com/team/bb:1"}},
                                {"Layers", {"aaa/layer.tar", "bbb/layer.tar"}}}});
  std::string archive = makeTar(outerEntries({{"manifest.json", manifest.dump()},
                                              {"repositories", "{}"},
                                              {std::string(digestHex(id)) + ".json", config},
                                              {"aaa/layer.tar", layer1},
                                              {"bbb/layer.tar", testing::gzip(layer2)}}));
  auto report = service_->load(archive);
  ASSERT_TRUE(report.ok()) << report.error().message();
  EXPECT_EQ(report->imageIds, (std::vector<std::string>{id}));
  EXPECT_EQ(report->messages, (std::vector<std::string>{"Loaded image: busybox:latest",
                                                        "Loaded image: example.com/team/bb:1"}));
  EXPECT_EQ(actions(), (std::vector<std::string>{"load"}));

  auto rec = service_->resolve("busybox");
  ASSERT_TRUE(rec.ok());
  EXPECT_EQ(rec->id, id);
  ASSERT_EQ(rec->layerDirs.size(), 2u);
  EXPECT_TRUE(std::filesystem::exists(rec->layerDirs[0] + "/bin/sh"));
  EXPECT_TRUE(std::filesystem::exists(rec->layerDirs[1] + "/www/index.html"));
  auto inspect = service_->inspect("example.com/team/bb:1");
  EXPECT_EQ((*inspect)["Created"], "2024-01-02T03:04:05.5Z");
  EXPECT_EQ((*inspect)["Config"]["Cmd"], json({"sh"}));
  EXPECT_EQ((*inspect)["GraphDriver"]["Data"]["LowerDir"], rec->layerDirs[0]);
  auto history = service_->history(id);
  EXPECT_EQ(history->size(), 2u);

  // Loading it again adds nothing and unpacks nothing.
  ASSERT_TRUE(service_->load(archive).ok());
  EXPECT_EQ(layerCount(), 2u);
  EXPECT_EQ(service_->list(ListOptions{})->size(), 1u);
}

TEST_F(ArchiveTest, LoadsAnOciLayoutArchive) {
  std::string gz1 = testing::gzip(layer1);
  std::string config = configFor({layer1, layer2}, "httpd");
  json manifest = {{"schemaVersion", 2},
                   {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                   {"config",
                    {{"mediaType", "application/vnd.oci.image.config.v1+json"},
                     {"digest", sha256Digest(config)},
                     {"size", config.size()}}},
                   {"layers",
                    {{{"mediaType", "application/vnd.oci.image.layer.v1.tar+gzip"},
                      {"digest", sha256Digest(gz1)},
                      {"size", gz1.size()}},
                     {{"mediaType", "application/vnd.oci.image.layer.v1.tar"},
                      {"digest", sha256Digest(layer2)},
                      {"size", layer2.size()}}}}};
  std::string mbytes = manifest.dump();
  json index = {{"schemaVersion", 2},
                {"manifests",
                 {{{"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                   {"digest", sha256Digest(mbytes)},
                   {"size", mbytes.size()},
                   {"annotations", {{"org.opencontainers.image.ref.name", "nginx:latest"}}}},
                  {{"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                   {"digest", sha256Digest(mbytes)},
                   {"size", mbytes.size()},
                   {"annotations",
                    {{"io.containerd.image.name", "docker.io/library/web:1"},
                     {"org.opencontainers.image.ref.name", "1"}}}}}}};
  auto blob = [](const std::string& b) { return "blobs/sha256/" + sha256Hex(b); };
  std::string archive = makeTar(outerEntries({{"oci-layout", R"({"imageLayoutVersion":"1.0.0"})"},
                                              {"index.json", index.dump()},
                                              {blob(mbytes), mbytes},
                                              {blob(config), config},
                                              {blob(gz1), gz1},
                                              {blob(layer2), layer2}}));
  auto report = service_->load(archive);
  ASSERT_TRUE(report.ok()) << report.error().message();
  EXPECT_EQ(report->messages,
            (std::vector<std::string>{"Loaded image: nginx:latest", "Loaded image: web:1"}));
  EXPECT_EQ(service_->resolve("nginx")->id, sha256Digest(config));
  EXPECT_EQ(service_->resolve("web:1")->id, sha256Digest(config));

  // A blob that does not match its digest is refused, and nothing stays.
  std::string bad = archive;
  auto pos = bad.find("<h1>hi</h1>");
  ASSERT_NE(pos, std::string::npos);
  bad[pos + 1] = 'H';
  std::unique_ptr<store::Store> freshStore =
      std::move(store::SqliteStore::open(":memory:")).value();
  testing::TempDir other;
  ImageService fresh(*freshStore, other.path() + "/image", nullptr);
  ASSERT_TRUE(fresh.init().ok());
  auto refused = fresh.load(bad);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message().find("invalid diffID"), std::string::npos)
      << refused.error().message();
  EXPECT_TRUE(std::filesystem::is_empty(other.path() + "/image/layers"));
  EXPECT_EQ(freshStore->list("images/")->size(), 0u);
}

TEST_F(ArchiveTest, SaveThenLoadKeepsTheImageId) {
  std::string id = importTar(layer1, "busybox", {"CMD [\"sh\"]"});
  ASSERT_TRUE(service_->tag("busybox", "alpine", "").ok());
  actions();
  std::string saved;
  ASSERT_TRUE(service_
                  ->save({"busybox", "alpine:latest"},
                         [&](std::string_view d) {
                           saved.append(d);
                           return okStatus();
                         })
                  .ok());
  EXPECT_EQ(actions(), (std::vector<std::string>{"save"}));

  auto files = readTar(saved);
  std::string hex(digestHex(id));
  ASSERT_TRUE(files.count("blobs/sha256/" + hex));
  EXPECT_EQ(sha256Digest(files["blobs/sha256/" + hex]), id);
  EXPECT_EQ(files["blobs/sha256/" + sha256Hex(layer1)], layer1);
  EXPECT_EQ(files["oci-layout"], R"({"imageLayoutVersion":"1.0.0"})");
  json manifest = json::parse(files["manifest.json"]);
  ASSERT_EQ(manifest.size(), 1u);
  EXPECT_EQ(manifest[0]["Config"], "blobs/sha256/" + hex);
  EXPECT_EQ(manifest[0]["RepoTags"], json({"busybox:latest", "alpine:latest"}));
  EXPECT_EQ(manifest[0]["Layers"], json({"blobs/sha256/" + sha256Hex(layer1)}));
  json repos = json::parse(files["repositories"]);
  EXPECT_EQ(repos["busybox"]["latest"], sha256Hex(layer1));
  json index = json::parse(files["index.json"]);
  ASSERT_EQ(index["manifests"].size(), 2u);
  EXPECT_EQ(index["manifests"][0]["annotations"]["io.containerd.image.name"],
            "docker.io/library/busybox:latest");

  // Into an empty engine: the same id, tags and content.
  std::unique_ptr<store::Store> freshStore =
      std::move(store::SqliteStore::open(":memory:")).value();
  testing::TempDir other;
  ImageService fresh(*freshStore, other.path() + "/image", nullptr);
  ASSERT_TRUE(fresh.init().ok());
  auto loaded = fresh.load(saved);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message();
  EXPECT_EQ(loaded->imageIds, (std::vector<std::string>{id}));
  EXPECT_EQ(fresh.resolve("alpine")->id, id);
  EXPECT_EQ(fresh.resolve("busybox")->config["config"]["Cmd"], json({"sh"}));

  // The OCI half on its own loads too (as skopeo or containerd would read it).
  files.erase("manifest.json");
  files.erase("repositories");
  std::unique_ptr<store::Store> ociStore = std::move(store::SqliteStore::open(":memory:")).value();
  testing::TempDir third;
  ImageService oci(*ociStore, third.path() + "/image", nullptr);
  ASSERT_TRUE(oci.init().ok());
  auto viaOci = oci.load(makeTar(outerEntries(files)));
  ASSERT_TRUE(viaOci.ok()) << viaOci.error().message();
  EXPECT_EQ(oci.resolve("busybox")->id, id);

  // By id: no names in the archive.
  std::string byId;
  ASSERT_TRUE(service_
                  ->save({id.substr(7, 12)},
                         [&](std::string_view d) {
                           byId.append(d);
                           return okStatus();
                         })
                  .ok());
  auto idFiles = readTar(byId);
  EXPECT_EQ(json::parse(idFiles["manifest.json"])[0]["RepoTags"], nullptr);
  EXPECT_EQ(idFiles.count("repositories"), 0u);
  EXPECT_FALSE(service_->save({"nosuch"}, [](std::string_view) { return okStatus(); }).ok());
}

TEST_F(ArchiveTest, BadArchivesLeaveNothingBehind) {
  std::string config = configFor({layer1, layer2}, "sh");
  std::string cfgName = sha256Hex(config) + ".json";
  auto load = [&](const std::string& archive) {
    auto r = service_->load(archive);
    EXPECT_FALSE(r.ok());
    if (!r.ok()) {
      EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidArgument) << r.error().message();
    }
    expectEmpty();
    return r.ok() ? "" : r.error().message();
  };
  EXPECT_NE(load("not a tar at all, only text that goes on and on").find("image archive"),
            std::string::npos);
  EXPECT_NE(load(makeTar({file("hello.txt", "hi")})).find("neither manifest.json"),
            std::string::npos);
  json twoLayers = json::array(
      {{{"Config", cfgName}, {"RepoTags", {"a:1"}}, {"Layers", {"l1/layer.tar", "l2/layer.tar"}}}});
  // The second layer is missing: refused before the first is unpacked.
  EXPECT_EQ(
      load(makeTar(outerEntries(
          {{"manifest.json", twoLayers.dump()}, {cfgName, config}, {"l1/layer.tar", layer1}}))),
      "invalid image archive: layer l2/layer.tar is missing");
  // The second layer is not what the config says: the first is unpacked, then dropped.
  EXPECT_NE(load(makeTar(outerEntries({{"manifest.json", twoLayers.dump()},
                                       {cfgName, config},
                                       {"l1/layer.tar", layer1},
                                       {"l2/layer.tar", layer1}})))
                .find("invalid diffID"),
            std::string::npos);
  json oneLayer =
      json::array({{{"Config", cfgName}, {"RepoTags", {"a:1"}}, {"Layers", {"l1/layer.tar"}}}});
  EXPECT_EQ(
      load(makeTar(outerEntries(
          {{"manifest.json", oneLayer.dump()}, {cfgName, config}, {"l1/layer.tar", layer1}}))),
      "invalid manifest, layers length mismatch: expected 1, got 2");
  json badTag = json::array({{{"Config", cfgName},
                              {"RepoTags", {"UPPER:x"}},
                              {"Layers", {"l1/layer.tar", "l2/layer.tar"}}}});
  EXPECT_EQ(load(makeTar(outerEntries({{"manifest.json", badTag.dump()},
                                       {cfgName, config},
                                       {"l1/layer.tar", layer1},
                                       {"l2/layer.tar", layer2}}))),
            "invalid reference format: repository name (library/UPPER) must be lowercase");
  EXPECT_EQ(load(makeTar(outerEntries({{"manifest.json", "null"}}))),
            "invalid manifest, manifest cannot be null (but can be [])");
  EXPECT_EQ(load(makeTar(outerEntries({{"manifest.json", twoLayers.dump()}}))),
            "invalid image archive: image config " + cfgName + " is missing");
}

}  // namespace
}  // namespace berth::image
