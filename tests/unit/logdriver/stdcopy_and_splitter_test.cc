#include <gtest/gtest.h>

#include "logdriver/line_splitter.h"
#include "logdriver/log_writer.h"
#include "logdriver/stdcopy.h"

namespace berth {
namespace {

TEST(Stdcopy, FrameHeader) {
  EXPECT_EQ(encodeStdcopyFrame(StdStream::kStdout, "hi\n"), std::string("\x01\0\0\0\0\0\0\x03hi\n", 11));
  EXPECT_EQ(encodeStdcopyFrame(StdStream::kStderr, ""), std::string("\x02\0\0\0\0\0\0\0", 8));
  std::string big(0x010203, 'x');
  std::string f = encodeStdcopyFrame(StdStream::kStderr, big);
  EXPECT_EQ(f.substr(0, 8), std::string("\x02\0\0\0\0\x01\x02\x03", 8));
  EXPECT_EQ(f.size(), 8 + big.size());
  std::string out = "pre";
  appendStdcopyFrame(out, StdStream::kSystemErr, "e");
  EXPECT_EQ(out, std::string("pre\x03\0\0\0\0\0\0\x01" "e", 12));
}

std::vector<std::string> split(const std::vector<std::string>& chunks, bool finish = true) {
  LineSplitter s;
  std::vector<std::string> out;
  auto emit = [&](std::string_view l) { out.emplace_back(l); };
  for (const std::string& c : chunks) {
    s.feed(c, emit);
  }
  if (finish) {
    s.finish(emit);
  }
  return out;
}

TEST(LineSplitter, LinesAcrossChunks) {
  EXPECT_EQ(split({"a\nb", "c\n", "\nd"}), (std::vector<std::string>{"a\n", "bc\n", "\n", "d"}));
  EXPECT_EQ(split({"x"}, false), std::vector<std::string>{});
}

TEST(LineSplitter, LongLinesAreCutAt16KiB) {
  std::string longLine(40000, 'z');
  auto out = split({longLine.substr(0, 1000), longLine.substr(1000) + "\nnext\n"});
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0], std::string(16384, 'z'));
  EXPECT_EQ(out[1], std::string(16384, 'z'));
  EXPECT_EQ(out[2], std::string(40000 - 32768, 'z') + "\n");
  EXPECT_EQ(out[3], "next\n");
  // A line of exactly 16 KiB - 1 plus its newline is still one line.
  out = split({std::string(16383, 'y') + "\n"});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_FALSE(isPartialLine(out[0]));
}

TEST(NoneDriver, AcceptsAndDropsEverything) {
  LogWriterConfig cfg;
  cfg.driver = "none";
  auto w = openLogWriter(cfg);
  ASSERT_TRUE(w.ok());
  EXPECT_TRUE((*w)->write({LogStream::kStdout, 1, "x\n"}).ok());
}

}  // namespace
}  // namespace berth
