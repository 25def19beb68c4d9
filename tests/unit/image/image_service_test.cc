// import → inspect → tag → list → remove, refcounted layers, conflicts, bad input.
#include "image/image_service.h"

#include <gtest/gtest.h>

#include <thread>

#include "image/digest.h"
#include "service_fixture.h"

namespace berth::image {
namespace {

using json = nlohmann::json;
using testing::file;
using testing::makeTar;

class ImageServiceTest : public testing::ServiceFixture {};

std::vector<std::string> tagsOf(const json& list) {
  std::vector<std::string> out;
  for (const auto& img : list) {
    for (const auto& t : img["RepoTags"]) {
      out.push_back(t.get<std::string>());
    }
  }
  return out;
}

TEST_F(ImageServiceTest, ImportInspectTagListRemove) {
  std::string tar = makeTar({file("bin/sh", "#!", 0755), file("etc/hostname", "x")});
  std::string id = importTar(
      tar, "busybox", {"ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin", "CMD [\"sh\"]", "LABEL a=b"});
  ASSERT_TRUE(isImageDigest(id));
  EXPECT_EQ(actions(), (std::vector<std::string>{"tag", "import"}));

  auto doc = service_->inspect("busybox");
  ASSERT_TRUE(doc.ok()) << doc.error().message();
  EXPECT_EQ((*doc)["Id"], id);
  EXPECT_EQ((*doc)["RepoTags"], json({"busybox:latest"}));
  EXPECT_EQ((*doc)["RepoDigests"], json::array());
  EXPECT_EQ((*doc)["Config"]["Cmd"], json({"sh"}));
  EXPECT_EQ((*doc)["Config"]["Env"], json({"PATH=/usr/sbin:/usr/bin:/sbin:/bin"}));
  EXPECT_EQ((*doc)["Config"]["Labels"], json({{"a", "b"}}));
  EXPECT_EQ((*doc)["Config"]["Hostname"], "");  // the full container.Config shape
  EXPECT_EQ((*doc)["Comment"], "Imported from -");
  EXPECT_EQ((*doc)["Os"], "linux");
  EXPECT_EQ((*doc)["Size"], 3);
  EXPECT_EQ((*doc)["RootFS"]["Layers"], json({sha256Digest(tar)}));
  EXPECT_EQ((*doc)["GraphDriver"]["Name"], "overlayfs");
  EXPECT_FALSE((*doc).contains("VirtualSize"));
  EXPECT_TRUE(service_->inspect("busybox", "1.43")->contains("VirtualSize"));
  EXPECT_NE((*doc)["Metadata"]["LastTagTime"], "0001-01-01T00:00:00Z");

  // The same image under every spelling, and by id prefix.
  for (const char* name :
       {"busybox:latest", "docker.io/library/busybox:latest", "library/busybox"}) {
    auto r = service_->resolve(name);
    ASSERT_TRUE(r.ok()) << name;
    EXPECT_EQ(r->id, id);
  }
  EXPECT_EQ(service_->resolve(id.substr(7, 12))->id, id);
  EXPECT_EQ(service_->resolve(id)->id, id);
  auto rec = service_->resolve("busybox");
  ASSERT_EQ(rec->layerDirs.size(), 1u);
  EXPECT_TRUE(std::filesystem::exists(rec->layerDirs[0] + "/bin/sh"));
  EXPECT_EQ(rec->config["config"]["Cmd"], json({"sh"}));

  ASSERT_TRUE(service_->tag("busybox", "alpine", "").ok());
  ASSERT_TRUE(service_->tag(id, "localhost:5000/team/app", "v1").ok());
  EXPECT_EQ(actions(), (std::vector<std::string>{"tag", "tag"}));
  EXPECT_EQ(service_->resolve("alpine:latest")->id, id);

  ListOptions opts;
  auto list = service_->list(opts);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ(tagsOf(*list), (std::vector<std::string>{"busybox:latest", "alpine:latest",
                                                     "localhost:5000/team/app:v1"}));
  EXPECT_EQ((*list)[0]["Labels"], json({{"a", "b"}}));
  EXPECT_EQ((*list)[0]["Containers"], -1);

  opts.filters.add("reference", "alp*");
  EXPECT_EQ(tagsOf(*service_->list(opts)), (std::vector<std::string>{"alpine:latest"}));
  opts.filters = Filters();
  opts.filters.add("reference", "localhost:5000/team/*");
  EXPECT_EQ(tagsOf(*service_->list(opts)),
            (std::vector<std::string>{"localhost:5000/team/app:v1"}));
  opts.filters = Filters();
  opts.filters.add("label", "a=b");
  EXPECT_EQ(service_->list(opts)->size(), 1u);
  opts.filters = Filters();
  opts.filters.add("label", "a=c");
  EXPECT_EQ(service_->list(opts)->size(), 0u);
  opts.filters = Filters();
  opts.filters.add("dangling", "true");
  EXPECT_EQ(service_->list(opts)->size(), 0u);
  opts.filters = Filters();
  opts.filters.add("bogus", "1");
  EXPECT_FALSE(service_->list(opts).ok());

  // Untagging one of several tags leaves the image.
  auto items = service_->remove("alpine", false, false);
  ASSERT_TRUE(items.ok());
  EXPECT_EQ(deleteItemsJson(*items), json::parse(R"([{"Untagged":"alpine:latest"}])"));
  EXPECT_EQ(actions(), (std::vector<std::string>{"untag"}));
  // By id with two tags left: dockerd wants force.
  auto refused = service_->remove(id, false, false);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind(), ErrorKind::kConflict);
  EXPECT_EQ(refused.error().message(),
            "conflict: unable to delete " + id.substr(7, 12) +
                " (must be forced) - image is referenced in multiple repositories");
  auto forced = service_->remove(id, true, false);
  ASSERT_TRUE(forced.ok()) << forced.error().message();
  EXPECT_EQ(
      deleteItemsJson(*forced),
      json::parse(R"([{"Untagged":"busybox:latest"},{"Untagged":"localhost:5000/team/app:v1"},)"
                  R"({"Deleted":")" +
                  id + R"("},{"Deleted":")" + sha256Digest(tar) + R"("}])"));
  EXPECT_EQ(actions(), (std::vector<std::string>{"untag", "untag", "delete"}));
  expectEmpty();

  auto gone = service_->inspect("busybox");
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().kind(), ErrorKind::kNotFound);
  EXPECT_EQ(gone.error().message(), "No such image: busybox:latest");
}

TEST_F(ImageServiceTest, TagMovesAndLeavesADanglingImage) {
  std::string a = importTar(makeTar({file("a", "1")}), "app:1");
  std::string b = importTar(makeTar({file("b", "2")}), "other");
  ASSERT_TRUE(service_->tag(b, "app", "1").ok());
  EXPECT_EQ(service_->resolve("app:1")->id, b);
  ListOptions opts;
  opts.filters.add("dangling", "true");
  auto dangling = service_->list(opts);
  ASSERT_EQ(dangling->size(), 1u);
  EXPECT_EQ((*dangling)[0]["Id"], a);
  EXPECT_EQ((*dangling)[0]["RepoTags"], json({"<none>:<none>"}));

  auto pruned = service_->prune(Filters());
  ASSERT_TRUE(pruned.ok());
  EXPECT_EQ(pruned->deleted.size(), 2u);  // the image and its layer
  EXPECT_EQ(pruned->deleted[0].deleted, a);
  EXPECT_EQ(pruned->spaceReclaimed, 1);
  EXPECT_EQ(service_->list(ListOptions{})->size(), 1u);
  EXPECT_EQ(layerCount(), 1u);

  Filters all;
  all.add("dangling", "false");
  pruned = service_->prune(all);
  ASSERT_TRUE(pruned.ok());
  expectEmpty();
}

TEST_F(ImageServiceTest, SharedLayersAreRemovedWithTheirLastImage) {
  std::string tar = makeTar({file("shared", "same bytes")});
  std::string a = importTar(tar, "one", {"CMD [\"a\"]"});
  std::string b = importTar(tar, "two", {"CMD [\"b\"]"});
  ASSERT_NE(a, b);
  EXPECT_EQ(layerCount(), 1u);
  ListOptions opts;
  opts.sharedSize = true;
  auto list = service_->list(opts);
  EXPECT_EQ((*list)[0]["SharedSize"], 10);

  auto first = service_->remove("one", false, false);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->size(), 2u);  // untagged + deleted, the layer stays
  EXPECT_EQ(layerCount(), 1u);
  EXPECT_TRUE(std::filesystem::exists(service_->resolve("two")->layerDirs[0] + "/shared"));
  auto second = service_->remove("two", false, false);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->size(), 3u);
  expectEmpty();
}

TEST_F(ImageServiceTest, AnImageInUseIsNotRemoved) {
  std::string id = importTar(makeTar({file("x", "1")}), "busybox");
  std::string ctr(64, 'c');
  usage_.set(id, {{ctr, false}});
  auto r = service_->remove("busybox", false, false);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind(), ErrorKind::kConflict);
  EXPECT_EQ(r.error().message(),
            "conflict: unable to remove repository reference \"busybox\" (must "
            "force) - container cccccccccccc is using its referenced image " +
                id.substr(7, 12));
  auto byId = service_->remove(id, false, false);
  ASSERT_FALSE(byId.ok());
  EXPECT_EQ(byId.error().message(),
            "conflict: unable to delete " + id.substr(7, 12) +
                " (must be forced) - image is being used by stopped container cccccccccccc");
  // Prune skips images in use.
  Filters all;
  all.add("dangling", "false");
  EXPECT_TRUE(service_->prune(all)->deleted.empty());

  usage_.set(id, {{ctr, true}});
  auto running = service_->remove(id, true, false);
  ASSERT_FALSE(running.ok());
  EXPECT_EQ(running.error().message(),
            "conflict: unable to delete " + id.substr(7, 12) +
                " (cannot be forced) - image is being used by running container cccccccccccc");
  EXPECT_EQ(service_->resolve("busybox")->id, id);

  // Forcing the tag away leaves the image (still used) without a name.
  auto untag = service_->remove("busybox", true, false);
  ASSERT_TRUE(untag.ok());
  EXPECT_EQ(deleteItemsJson(*untag), json::parse(R"([{"Untagged":"busybox:latest"}])"));
  EXPECT_TRUE(service_->resolve(id).ok());
  EXPECT_EQ(layerCount(), 1u);
}

TEST_F(ImageServiceTest, BadInputChangesNothing) {
  std::string tar = makeTar({file("a", "1")});
  ImportRequest req;
  req.repo = "UPPER:case";
  auto r = service_->importImage(tar, req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidArgument);
  EXPECT_EQ(r.error().message(),
            "invalid reference format: repository name (library/UPPER) must be lowercase");
  req.repo = "ok";
  req.changes = {"RUN rm -rf /"};
  r = service_->importImage(tar, req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "run is not a valid change command");
  req.changes = {};
  req.platform = "windows/amd64";
  EXPECT_FALSE(service_->importImage(tar, req).ok());
  req.platform = "";
  r = service_->importImage("definitely not a tar archive at all, just words", req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidArgument);
  // A tar that breaks half way (a traversal after good entries) leaves no layer.
  r = service_->importImage(makeTar({file("good", "1"), file("../bad", "2")}), req);
  ASSERT_FALSE(r.ok());
  expectEmpty();

  for (const char* name : {"nosuch", "nosuch:tag",
                           "sha256:"
                           "0000000000000000000000000000000000000000000000000000000000000000"}) {
    auto i = service_->inspect(name);
    ASSERT_FALSE(i.ok());
    EXPECT_EQ(i.error().kind(), ErrorKind::kNotFound) << name;
    EXPECT_EQ(service_->remove(name, true, false).error().kind(), ErrorKind::kNotFound);
    EXPECT_EQ(service_->tag(name, "x", "").error().kind(), ErrorKind::kNotFound);
  }
  EXPECT_EQ(service_->inspect("nosuch").error().message(), "No such image: nosuch:latest");
  EXPECT_EQ(service_->inspect("UPPER").error().kind(), ErrorKind::kInvalidArgument);
  importTar(tar, "x");
  EXPECT_EQ(service_->tag("x", "bad name", "").error().kind(), ErrorKind::kInvalidArgument);
  EXPECT_EQ(service_->tag("x", "y", "bad:tag").error().kind(), ErrorKind::kInvalidArgument);
}

TEST_F(ImageServiceTest, ConcurrentImportsOfTheSameContentAgree) {
  std::string tar = makeTar({file("a", std::string(100000, 'a')), file("b", "b")});
  std::vector<std::string> ids(4);
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      ImportRequest req;
      req.repo = "same";
      auto r = service_->importImage(tar, req);
      ids[i] = r.ok() ? *r : r.error().message();
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  for (const auto& id : ids) {
    EXPECT_TRUE(isImageDigest(id)) << id;
  }
  EXPECT_EQ(layerCount(), 1u);
  auto rec = service_->resolve("same");
  ASSERT_TRUE(rec.ok());
  EXPECT_TRUE(std::filesystem::exists(rec->layerDirs[0] + "/a"));
  // Only "same" carries the tag; the other three imports are dangling.
  Filters all;
  all.add("dangling", "false");
  usage_.set(rec->id, {});
  ASSERT_TRUE(service_->prune(all).ok());
  expectEmpty();
}

TEST_F(ImageServiceTest, RestartCollectsLayersWithoutImages) {
  std::string tar = makeTar({file("a", "1")});
  importTar(tar, "keep");
  // A layer whose image record never got written (a crash in between).
  {
    LayerPins pins(const_cast<LayerStore&>(service_->layers()));
    std::string orphan = makeTar({file("orphan", "1")});
    MemorySource src(orphan);
    ASSERT_TRUE(const_cast<LayerStore&>(service_->layers()).add(src, "", pins).ok());
  }
  EXPECT_EQ(layerCount(), 2u);
  makeService();
  EXPECT_EQ(layerCount(), 1u);
  EXPECT_TRUE(service_->resolve("keep").ok());
}

TEST_F(ImageServiceTest, PruneFilters) {
  std::string keep = importTar(makeTar({file("a", "1")}), "", {"LABEL keep=yes"});
  std::string drop = importTar(makeTar({file("b", "2")}), "", {"LABEL team=x"});
  Filters bad;
  bad.add("bogus", "1");
  EXPECT_EQ(service_->prune(bad).error().kind(), ErrorKind::kInvalidArgument);
  Filters maybe;
  maybe.add("dangling", "maybe");
  EXPECT_EQ(service_->prune(maybe).error().message(), "invalid filter 'dangling=maybe'");
  Filters old;
  old.add("until", "1600000000");  // before both images were made
  EXPECT_TRUE(service_->prune(old)->deleted.empty());
  Filters notKept;
  notKept.add("label!", "keep=yes");
  auto r = service_->prune(notKept);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->deleted.size(), 2u);
  EXPECT_EQ(r->deleted[0].deleted, drop);
  Filters labelled;
  labelled.add("label", "keep");
  r = service_->prune(labelled);
  ASSERT_EQ(r->deleted.size(), 2u);
  EXPECT_EQ(r->deleted[0].deleted, keep);
  expectEmpty();
}

TEST_F(ImageServiceTest, HistoryFollowsTheConfig) {
  std::string id = importTar(makeTar({file("a", "12345")}), "h", {});
  auto h = service_->history("h");
  ASSERT_TRUE(h.ok());
  ASSERT_EQ(h->size(), 1u);
  EXPECT_EQ((*h)[0]["Id"], id);
  EXPECT_EQ((*h)[0]["Tags"], json({"h:latest"}));
  EXPECT_EQ((*h)[0]["Size"], 5);
  EXPECT_EQ((*h)[0]["Comment"], "Imported from -");
  EXPECT_GT((*h)[0]["Created"].get<int64_t>(), 1700000000);
}

}  // namespace
}  // namespace berth::image
