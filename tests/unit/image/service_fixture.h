// An ImageService over an in-memory store and a temporary data root, with a
// fake clock, recorded events and a settable set of containers using images.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <mutex>

#include "image/image_service.h"
#include "store/sqlite_store.h"
#include "test_tar.h"

namespace berth::image::testing {

class FakeUsage : public ImageUsage {
 public:
  std::vector<ImageUser> containersUsing(std::string_view imageId) const override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = users_.find(std::string(imageId));
    return it == users_.end() ? std::vector<ImageUser>{} : it->second;
  }
  void set(const std::string& imageId, std::vector<ImageUser> users) {
    std::lock_guard<std::mutex> lock(mu_);
    users_[imageId] = std::move(users);
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::vector<ImageUser>> users_;
};

class ServiceFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) {
      GTEST_SKIP() << "needs root (layers keep owners, devices and xattrs)";
    }
    auto s = store::SqliteStore::open(":memory:");
    ASSERT_TRUE(s.ok());
    store_ = std::move(s).value();
    makeService();
  }

  void makeService() {
    service_ = std::make_unique<ImageService>(
        *store_, tmp_.path() + "/image",
        [this](events::Event ev) {
          std::lock_guard<std::mutex> lock(evMu_);
          events_.push_back(std::move(ev));
        },
        [this] { return clock_ += 1000000000; });
    service_->setUsage(&usage_);
    ASSERT_TRUE(service_->init().ok());
  }

  std::string importTar(const std::string& tar, const std::string& repo,
                        std::vector<std::string> changes = {}) {
    ImportRequest req;
    req.repo = repo;
    req.changes = std::move(changes);
    auto id = service_->importImage(tar, req);
    EXPECT_TRUE(id.ok()) << (id.ok() ? "" : id.error().message());
    return id.ok() ? *id : "";
  }

  std::vector<std::string> actions() {
    std::lock_guard<std::mutex> lock(evMu_);
    std::vector<std::string> out;
    for (const auto& e : events_) {
      out.push_back(e.action);
    }
    events_.clear();
    return out;
  }

  size_t layerCount() {
    auto l = service_->layers().list();
    return l.ok() ? l->size() : 0;
  }

  size_t storeKeys(const std::string& prefix) {
    auto kvs = store_->list(prefix);
    return kvs.ok() ? kvs->size() : 0;
  }

  // No layer files, no temp dirs and no records: what a failed operation must leave.
  void expectEmpty() {
    EXPECT_EQ(layerCount(), 0u);
    EXPECT_EQ(storeKeys("images/"), 0u);
    EXPECT_EQ(storeKeys("image-tags/"), 0u);
    EXPECT_TRUE(std::filesystem::is_empty(tmp_.path() + "/image/layers"));
  }

  TempDir tmp_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<ImageService> service_;
  FakeUsage usage_;
  std::atomic<int64_t> clock_{1700000000LL * 1000000000LL};
  std::mutex evMu_;
  std::vector<events::Event> events_;
};

}  // namespace berth::image::testing
