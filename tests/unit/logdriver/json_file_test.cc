// json-file: dockerd's line format, rotation, and reading back (tail, since/until,
// streams, partial lines, follow across rotation).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "common/time_format.h"
#include "logdriver/json_log_format.h"
#include "logdriver/log_reader.h"
#include "logdriver/log_writer.h"
#include "../../lib/temp_dir.h"

namespace berth {
namespace {

using testlib::readFile;
using testlib::TempDir;

constexpr int64_t kT = 1795251600LL * 1'000'000'000;  // 2026-11-21T09:00:00Z

std::unique_ptr<LogWriter> openJson(const std::string& path, LogOptions opts = {},
                                    LogContext ctx = {}) {
  LogWriterConfig cfg;
  cfg.driver = "json-file";
  cfg.opts = std::move(opts);
  cfg.path = path;
  cfg.context = std::move(ctx);
  auto w = openLogWriter(cfg);
  EXPECT_TRUE(w.ok()) << w.error().message();
  return std::move(w).value();
}

std::vector<LogEntry> readAll(const std::string& path, LogReadOptions o = {},
                              const std::string& driver = "json-file") {
  std::vector<LogEntry> out;
  LogSource src{driver, path, nullptr, nullptr};
  Status st = readLogs(src, o, [&](const LogEntry& e) {
    out.push_back(e);
    return true;
  });
  EXPECT_TRUE(st.ok()) << st.error().message();
  return out;
}

std::vector<std::string> linesOf(const std::vector<LogEntry>& entries) {
  std::vector<std::string> out;
  out.reserve(entries.size());
  for (const LogEntry& e : entries) {
    out.push_back(e.line);
  }
  return out;
}

TEST(JsonLogFormat, ExactlyDockerdsLine) {
  std::string out;
  appendJsonLogLine(out, LogMessage{LogStream::kStdout, kT + 123456789, "hi\n"}, "");
  EXPECT_EQ(out, "{\"log\":\"hi\\n\",\"stream\":\"stdout\",\"time\":\"2026-11-21T09:00:00.123456789Z\"}\n");
  out.clear();
  appendJsonLogLine(out, LogMessage{LogStream::kStderr, kT, "x"},
                    encodeJsonLogAttrs({{"tag", "web"}, {"a", "<b>"}}));
  EXPECT_EQ(out,
            "{\"log\":\"x\",\"stream\":\"stderr\",\"attrs\":{\"a\":\"\\u003cb\\u003e\",\"tag\":\"web\"},"
            "\"time\":\"2026-11-21T09:00:00Z\"}\n");
}

TEST(JsonLogFormat, EscapesLikeGo) {
  std::string out;
  appendGoJsonString(out, std::string("a\"b\\c\t\r\x01<>&\xe2\x80\xa8\xff\xc3\xa9", 17));
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\t\\r\\u0001\\u003c\\u003e\\u0026\\u2028\\ufffd\xc3\xa9\"");
}

TEST(JsonLogFormat, DecodesItsOwnLines) {
  std::string out;
  appendJsonLogLine(out, LogMessage{LogStream::kStderr, kT + 5, "caf\xc3\xa9 <x>\n"},
                    encodeJsonLogAttrs({{"k", "v"}}));
  auto e = decodeJsonLogLine(std::string_view(out).substr(0, out.size() - 1));
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->line, "caf\xc3\xa9 <x>\n");
  EXPECT_EQ(e->stream, LogStream::kStderr);
  EXPECT_EQ(e->timeNano, kT + 5);
  EXPECT_EQ(e->attrs.at("k"), "v");
  EXPECT_FALSE(decodeJsonLogLine("{not json").ok());
  EXPECT_FALSE(decodeJsonLogLine("{\"log\":\"x\"}").ok());
}

TEST(JsonFileWriter, WritesAndReadsBack) {
  TempDir dir;
  std::string path = dir.file("c-json.log");
  LogContext ctx;
  ctx.containerId = std::string(64, 'a');
  ctx.attrs = {{"app", "web"}};
  auto w = openJson(path, {{"tag", "{{.ID}}"}}, ctx);
  ASSERT_TRUE(w->write({LogStream::kStdout, kT + 1, "hi\n"}).ok());
  ASSERT_TRUE(w->write({LogStream::kStderr, kT + 2, "err\n"}).ok());
  EXPECT_EQ(readFile(path),
            "{\"log\":\"hi\\n\",\"stream\":\"stdout\",\"attrs\":{\"app\":\"web\",\"tag\":\"aaaaaaaaaaaa\"},"
            "\"time\":\"2026-11-21T09:00:00.000000001Z\"}\n"
            "{\"log\":\"err\\n\",\"stream\":\"stderr\",\"attrs\":{\"app\":\"web\",\"tag\":\"aaaaaaaaaaaa\"},"
            "\"time\":\"2026-11-21T09:00:00.000000002Z\"}\n");
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
  auto entries = readAll(path);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[1].line, "err\n");
  EXPECT_EQ(entries[1].stream, LogStream::kStderr);
  EXPECT_EQ(entries[0].attrs.at("tag"), "aaaaaaaaaaaa");
}

TEST(JsonFileWriter, RotatesLikeDockerd) {
  TempDir dir;
  std::string path = dir.file("c-json.log");
  auto w = openJson(path, {{"max-size", "200"}, {"max-file", "3"}});
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(w->write({LogStream::kStdout, kT + i, "line " + std::to_string(i) + "\n"}).ok());
  }
  // Each line is 73-74 bytes: a file takes three before it reaches 200 bytes.
  EXPECT_TRUE(std::filesystem::exists(path + ".1"));
  EXPECT_TRUE(std::filesystem::exists(path + ".2"));
  EXPECT_FALSE(std::filesystem::exists(path + ".3"));
  auto lines = linesOf(readAll(path));
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.back(), "line 19\n");
  // The three files together hold the newest lines, in order.
  std::vector<std::string> expect;
  for (int i = 20 - static_cast<int>(lines.size()); i < 20; ++i) {
    expect.push_back("line " + std::to_string(i) + "\n");
  }
  EXPECT_EQ(lines, expect);
  EXPECT_GE(lines.size(), 7u);
}

TEST(JsonFileWriter, MaxFileOneTruncates) {
  TempDir dir;
  std::string path = dir.file("c-json.log");
  auto w = openJson(path, {{"max-size", "100"}});
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(w->write({LogStream::kStdout, kT, "line " + std::to_string(i) + "\n"}).ok());
  }
  EXPECT_FALSE(std::filesystem::exists(path + ".1"));
  EXPECT_EQ(linesOf(readAll(path)), (std::vector<std::string>{"line 4\n"}));
}

TEST(JsonFileWriter, ContinuesAnExistingFile) {
  TempDir dir;
  std::string path = dir.file("c-json.log");
  EXPECT_TRUE(openJson(path)->write({LogStream::kStdout, kT, "one\n"}).ok());
  EXPECT_TRUE(openJson(path)->write({LogStream::kStdout, kT, "two\n"}).ok());
  EXPECT_EQ(linesOf(readAll(path)), (std::vector<std::string>{"one\n", "two\n"}));
}

TEST(JsonFileWriter, RelativePathIsRefused) {
  LogWriterConfig cfg;
  cfg.path = "relative.log";
  EXPECT_FALSE(openLogWriter(cfg).ok());
}

class JsonReadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.file("c-json.log");
    auto w = openJson(path_);
    for (int i = 0; i < 10; ++i) {
      LogStream s = i % 2 == 0 ? LogStream::kStdout : LogStream::kStderr;
      ASSERT_TRUE(w->write({s, kT + i * 1'000'000'000LL, "l" + std::to_string(i) + "\n"}).ok());
    }
  }
  TempDir dir_;
  std::string path_;
};

TEST_F(JsonReadTest, TailCountsFromTheEnd) {
  LogReadOptions o;
  o.tail = 3;
  EXPECT_EQ(linesOf(readAll(path_, o)), (std::vector<std::string>{"l7\n", "l8\n", "l9\n"}));
  o.tail = 0;
  EXPECT_TRUE(readAll(path_, o).empty());
  o.tail = 100;
  EXPECT_EQ(readAll(path_, o).size(), 10u);
}

TEST_F(JsonReadTest, TailIsTakenBeforeStreamSelectionLikeDockerd) {
  LogReadOptions o;
  o.tail = 3;
  o.showStderr = false;
  EXPECT_EQ(linesOf(readAll(path_, o)), (std::vector<std::string>{"l8\n"}));
}

TEST_F(JsonReadTest, SinceAndUntil) {
  LogReadOptions o;
  o.sinceNano = kT + 3'000'000'000LL;
  o.untilNano = kT + 5'000'000'000LL;
  EXPECT_EQ(linesOf(readAll(path_, o)), (std::vector<std::string>{"l3\n", "l4\n", "l5\n"}));
  o.showStdout = false;
  EXPECT_EQ(linesOf(readAll(path_, o)), (std::vector<std::string>{"l3\n", "l5\n"}));
}

TEST_F(JsonReadTest, CallerCanStop) {
  int n = 0;
  LogSource src{"json-file", path_, nullptr, nullptr};
  ASSERT_TRUE(readLogs(src, {}, [&](const LogEntry&) { return ++n < 4; }).ok());
  EXPECT_EQ(n, 4);
}

TEST_F(JsonReadTest, IgnoresAHalfWrittenLastLine) {
  {
    std::ofstream f(path_, std::ios::app);
    f << "{\"log\":\"half";
  }
  LogReadOptions o;
  o.tail = 1;
  EXPECT_EQ(linesOf(readAll(path_, o)), (std::vector<std::string>{"l9\n"}));
  EXPECT_EQ(readAll(path_).size(), 10u);
}

TEST(JsonFileReader, TailOfABigFileReadsOnlyItsEnd) {
  TempDir dir;
  std::string path = dir.file("big-json.log");
  auto w = openJson(path);
  std::string payload(1000, 'x');
  payload += '\n';
  for (int i = 0; i < 20000; ++i) {  // ~20 MB
    ASSERT_TRUE(w->write({LogStream::kStdout, kT + i, payload}).ok());
  }
  LogReadOptions o;
  o.tail = 2;
  auto start = std::chrono::steady_clock::now();
  auto entries = readAll(path, o);
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[1].timeNano, kT + 19999);
  EXPECT_LT(took, std::chrono::milliseconds(500));  // reads ~64 KiB, not 20 MB
}

TEST(JsonFileReader, PartialLinesComeBackAsWritten) {
  TempDir dir;
  std::string path = dir.file("c-json.log");
  auto w = openJson(path);
  EXPECT_TRUE(w->write({LogStream::kStdout, kT, std::string(16384, 'a')}).ok());
  EXPECT_TRUE(w->write({LogStream::kStdout, kT, "bc\n"}).ok());
  EXPECT_TRUE(w->write({LogStream::kStdout, kT, "no newline"}).ok());
  auto entries = readAll(path);
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].line, std::string(16384, 'a'));
  EXPECT_TRUE(isPartialLine(entries[0].line));
  EXPECT_EQ(entries[1].line, "bc\n");
  EXPECT_EQ(entries[2].line, "no newline");
  EXPECT_EQ(readFile(path).find("\"log\":\"no newline\",\"stream\""), readFile(path).rfind('{') + 1);
}

TEST(JsonFileReader, MissingFileIsEmptyAndOtherDriversCannotBeRead) {
  TempDir dir;
  EXPECT_TRUE(readAll(dir.file("none.log")).empty());
  for (const char* driver : {"none", "syslog", "journald"}) {
    LogSource src{driver, dir.file("x"), nullptr, nullptr};
    Status st = readLogs(src, {}, [](const LogEntry&) { return true; });
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().kind(), ErrorKind::kNotImplemented);
    EXPECT_EQ(st.error().message(), "configured logging driver does not support reading");
  }
}

TEST(JsonFileReader, FollowAcrossRotationWithAWriterThread) {
  TempDir dir;
  std::string path = dir.file("c-json.log");
  auto w = openJson(path, {{"max-size", "500"}, {"max-file", "5"}});
  EXPECT_TRUE(w->write({LogStream::kStdout, kT, "before\n"}).ok());
  std::atomic<bool> writerDone{false};
  constexpr int kLines = 60;  // ~74 bytes each: several rotations
  std::vector<std::string> got;
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    for (int i = 0; i < kLines; ++i) {
      EXPECT_TRUE(w->write({LogStream::kStdout, kT + i, "n" + std::to_string(i) + "\n"}).ok());
      if (i % 10 == 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
    writerDone = true;
  });
  LogSource src{"json-file", path, nullptr, [&] { return writerDone.load(); }};
  LogReadOptions o;
  o.follow = true;
  Status st = readLogs(src, o, [&](const LogEntry& e) {
    got.push_back(e.line);
    return true;
  });
  writer.join();
  ASSERT_TRUE(st.ok()) << st.error().message();
  ASSERT_EQ(got.size(), static_cast<size_t>(kLines + 1));
  EXPECT_EQ(got[0], "before\n");
  for (int i = 0; i < kLines; ++i) {
    EXPECT_EQ(got[i + 1], "n" + std::to_string(i) + "\n");
  }
  EXPECT_TRUE(std::filesystem::exists(path + ".3"));
}

TEST(JsonFileReader, FollowWaitsForTheFileAndStopsWhenAsked) {
  TempDir dir;
  std::string path = dir.file("later-json.log");
  std::atomic<bool> stop{false};
  std::vector<std::string> got;
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    auto w = openJson(path);
    EXPECT_TRUE(w->write({LogStream::kStderr, kT, "late\n"}).ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    stop = true;
  });
  LogSource src{"json-file", path, [&] { return stop.load(); }, nullptr};
  LogReadOptions o;
  o.follow = true;
  o.tail = 0;
  auto start = std::chrono::steady_clock::now();
  Status st = readLogs(src, o, [&](const LogEntry& e) {
    got.push_back(e.line);
    return true;
  });
  writer.join();
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(got, (std::vector<std::string>{"late\n"}));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST(JsonFileReader, FollowWithTailZeroSkipsOldLines) {
  TempDir dir;
  std::string path = dir.file("c-json.log");
  auto w = openJson(path);
  EXPECT_TRUE(w->write({LogStream::kStdout, kT, "old\n"}).ok());
  std::atomic<bool> done{false};
  std::vector<std::string> got;
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_TRUE(w->write({LogStream::kStdout, kT, "new\n"}).ok());
    done = true;
  });
  LogSource src{"json-file", path, nullptr, [&] { return done.load(); }};
  LogReadOptions o;
  o.follow = true;
  o.tail = 0;
  ASSERT_TRUE(readLogs(src, o, [&](const LogEntry& e) {
                got.push_back(e.line);
                return true;
              }).ok());
  writer.join();
  EXPECT_EQ(got, (std::vector<std::string>{"new\n"}));
}

TEST(FormatLogLine, TimestampsAndDetailsLikeDockerLogs) {
  LogEntry e;
  e.timeNano = kT + 5;
  e.line = "hello\n";
  e.attrs = {{"tag", "a b"}, {"app", "x&y"}};
  LogReadOptions o;
  EXPECT_EQ(formatLogLine(e, o), "hello\n");
  o.timestamps = true;
  EXPECT_EQ(formatLogLine(e, o), "2026-11-21T09:00:00.000000005Z hello\n");
  o.details = true;
  EXPECT_EQ(formatLogLine(e, o), "2026-11-21T09:00:00.000000005Z app=x%26y,tag=a+b hello\n");
  o.timestamps = false;
  e.attrs.clear();
  EXPECT_EQ(formatLogLine(e, o), " hello\n");
}

}  // namespace
}  // namespace berth
