// The local driver: its record format, rotation (20m x 5 by default) and reading back.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "logdriver/local_log_format.h"
#include "logdriver/log_reader.h"
#include "logdriver/log_writer.h"
#include "../../lib/temp_dir.h"

namespace berth {
namespace {

using testlib::TempDir;

constexpr int64_t kT = 1795251600LL * 1'000'000'000;

std::unique_ptr<LogWriter> openLocal(const std::string& path, LogOptions opts = {}) {
  LogWriterConfig cfg;
  cfg.driver = "local";
  cfg.opts = std::move(opts);
  cfg.path = path;
  auto w = openLogWriter(cfg);
  EXPECT_TRUE(w.ok()) << w.error().message();
  return std::move(w).value();
}

std::vector<std::string> readLines(const std::string& path, LogReadOptions o = {}) {
  std::vector<std::string> out;
  Status st = readLogs(LogSource{"local", path, nullptr, nullptr}, o, [&](const LogEntry& e) {
    out.push_back(std::string(e.stream == LogStream::kStderr ? "E:" : "O:") + e.line);
    return true;
  });
  EXPECT_TRUE(st.ok()) << st.error().message();
  return out;
}

TEST(LocalFormat, RecordLayout) {
  std::string out;
  appendLocalRecord(out, LogMessage{LogStream::kStderr, 0x0102030405060708, "hi\n"});
  const std::string expect("\x00\x00\x00\x0c\x02\x01\x02\x03\x04\x05\x06\x07\x08hi\n\x00\x00\x00\x0c", 20);
  EXPECT_EQ(out, expect);
  LogEntry e;
  size_t used = 0;
  ASSERT_EQ(decodeLocalRecord(out, &e, &used), LocalDecode::kOk);
  EXPECT_EQ(used, out.size());
  EXPECT_EQ(e.line, "hi\n");
  EXPECT_EQ(e.stream, LogStream::kStderr);
  EXPECT_EQ(e.timeNano, 0x0102030405060708);
  EXPECT_EQ(decodeLocalRecord(std::string_view(out).substr(0, 10), &e, &used), LocalDecode::kNeedMore);
  out[4] = 9;
  EXPECT_EQ(decodeLocalRecord(out, &e, &used), LocalDecode::kCorrupt);
}

TEST(LocalDriver, WritesReadsTailsAndFilters) {
  TempDir dir;
  std::string path = dir.file("container.log");
  auto w = openLocal(path);
  for (int i = 0; i < 6; ++i) {
    EXPECT_TRUE(w->write({i % 2 == 0 ? LogStream::kStdout : LogStream::kStderr, kT + i, "l" + std::to_string(i) + "\n"}).ok());
  }
  EXPECT_TRUE(w->write({LogStream::kStdout, kT + 6, "partial"}).ok());
  EXPECT_EQ(readLines(path), (std::vector<std::string>{"O:l0\n", "E:l1\n", "O:l2\n", "E:l3\n",
                                                       "O:l4\n", "E:l5\n", "O:partial"}));
  LogReadOptions o;
  o.tail = 2;
  EXPECT_EQ(readLines(path, o), (std::vector<std::string>{"E:l5\n", "O:partial"}));
  o.tail = -1;
  o.sinceNano = kT + 2;
  o.untilNano = kT + 4;
  o.showStderr = false;
  EXPECT_EQ(readLines(path, o), (std::vector<std::string>{"O:l2\n", "O:l4\n"}));
}

TEST(LocalDriver, RotatesAndTailsAcrossFiles) {
  TempDir dir;
  std::string path = dir.file("container.log");
  auto w = openLocal(path, {{"max-size", "100"}, {"max-file", "3"}});
  for (int i = 0; i < 30; ++i) {
    EXPECT_TRUE(w->write({LogStream::kStdout, kT + i, "line " + std::to_string(i) + "\n"}).ok());  // 25 B
  }
  EXPECT_TRUE(std::filesystem::exists(path + ".2"));
  EXPECT_FALSE(std::filesystem::exists(path + ".3"));
  auto all = readLines(path);
  // Records are 24-25 bytes: a file takes four or five before reaching 100.
  ASSERT_GE(all.size(), 9u);
  ASSERT_LE(all.size(), 15u);
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i], "O:line " + std::to_string(30 - all.size() + i) + "\n");
  }
  LogReadOptions o;
  o.tail = 7;  // spans all three files
  auto tail = readLines(path, o);
  ASSERT_EQ(tail.size(), 7u);
  EXPECT_EQ(tail.front(), "O:line 23\n");
}

TEST(LocalDriver, DefaultsAndOptions) {
  EXPECT_FALSE(validateLogConfig("local", {{"compress", "true"}}).ok());
  EXPECT_TRUE(validateLogConfig("local", {{"compress", "false"}}).ok());
  auto o = parseLocalOptions({});
  EXPECT_EQ(o->maxSize, 20 * 1024 * 1024);
  EXPECT_EQ(o->maxFile, 5);
}

TEST(LocalDriver, TailSkipsARecordBeingWritten) {
  TempDir dir;
  std::string path = dir.file("container.log");
  EXPECT_TRUE(openLocal(path)->write({LogStream::kStdout, kT, "whole\n"}).ok());
  {
    std::ofstream f(path, std::ios::app | std::ios::binary);
    f << std::string("\x00\x00\x00\x20\x01", 5);  // a header with no body yet
  }
  LogReadOptions o;
  o.tail = 1;
  EXPECT_EQ(readLines(path, o), (std::vector<std::string>{"O:whole\n"}));
  EXPECT_EQ(readLines(path), (std::vector<std::string>{"O:whole\n"}));
}

TEST(LocalDriver, Follows) {
  TempDir dir;
  std::string path = dir.file("container.log");
  auto w = openLocal(path, {{"max-size", "60"}, {"max-file", "4"}});
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int i = 0; i < 20; ++i) {
      EXPECT_TRUE(w->write({LogStream::kStdout, kT + i, "n" + std::to_string(i) + "\n"}).ok());
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    done = true;
  });
  std::vector<std::string> got;
  LogReadOptions o;
  o.follow = true;
  Status st = readLogs(LogSource{"local", path, nullptr, [&] { return done.load(); }}, o,
                       [&](const LogEntry& e) {
                         got.push_back(e.line);
                         return true;
                       });
  writer.join();
  ASSERT_TRUE(st.ok());
  ASSERT_EQ(got.size(), 20u);
  EXPECT_EQ(got.back(), "n19\n");
}

}  // namespace
}  // namespace berth
