// A real API server on a unix socket in a temporary directory, its io_context
// on a thread, with the system routes registered; tests add their own routes
// to router_ before start().
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <future>
#include <optional>
#include <thread>

#include "api/server.h"
#include "api/system_routes.h"
#include "events/event_bus.h"
#include "system/system_service.h"
#include "test_client.h"

namespace berth::api::apitest {

inline system::DaemonFacts testFacts() {
  system::DaemonFacts facts;
  facts.engineId = "test-engine";
  return facts;
}

class ServerFixture : public ::testing::Test {
 protected:
  ServerFixture() : system_(testFacts(), nlohmann::json::object()) {}

  void SetUp() override {
    char tmpl[] = "/tmp/berth-api-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    sock_ = dir_ + "/api.sock";
    addSystemRoutes(router_, system_, bus_);
  }

  void TearDown() override {
    if (thread_.joinable()) {
      if (server_) {
        onIo([this] { server_->stop(); });
      }
      // Lets the closes that stop() posted run before the loop ends.
      onIo([] {});
      work_.reset();
      io_.stop();
      thread_.join();
    }
    // As in the daemon: the server goes after its io_context stopped running.
    server_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  static ServerOptions testOptions() {
    ServerOptions o;
    o.handlerThreads = 2;
    return o;
  }

  // Builds the server, listens on sock_ and runs the io_context on a thread.
  void start(ServerOptions opts = testOptions()) {
    server_ = std::make_unique<Server>(io_, router_, opts);
    Status st = server_->listenUnix(sock_, 0660, static_cast<gid_t>(-1));
    ASSERT_TRUE(st.ok()) << st.error().message();
    thread_ = std::thread([this] { io_.run(); });
  }

  // Runs `fn` on the io thread and waits for it: the server's own thread, as
  // the daemon's signal handler calls stop().
  void onIo(std::function<void()> fn) {
    std::promise<void> done;
    boost::asio::post(io_, [&] {
      fn();
      done.set_value();
    });
    done.get_future().wait();
  }

  void stopServer() {
    onIo([this] { server_->stop(); });
  }

  std::unique_ptr<TestClient> connect() {
    auto c = TestClient::connect(sock_);
    EXPECT_NE(c, nullptr) << "connect " << sock_;
    return c;
  }

  // Polls `cond` until it holds or `timeout` passes (a generous bound, not a measurement).
  static bool eventually(const std::function<bool()>& cond,
                         std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!cond()) {
      if (std::chrono::steady_clock::now() > deadline) {
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
  }

  template <typename T>
  static bool ready(std::future<T>& f, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    return f.wait_for(timeout) == std::future_status::ready;
  }

  // Declared first so it is destroyed last: sessions and sinks still queued
  // on it reference its services.
  boost::asio::io_context io_{1};
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_{
      io_.get_executor()};
  events::EventBus bus_;
  system::SystemService system_;
  Router router_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
  std::string dir_;
  std::string sock_;
};

}  // namespace berth::api::apitest
