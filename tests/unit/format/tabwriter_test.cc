#include "format/tabwriter.h"

#include <gtest/gtest.h>

#include <string>

namespace berth::format {
namespace {

std::string run(TabWriter::Options options, std::string_view text) {
  TabWriter w(options);
  w.write(text);
  return w.flush();
}

TabWriter::Options dots(int minWidth, int padding) { return {minWidth, 0, padding, '.'}; }

TEST(TabWriterTest, DockerNetworkLsLayout) {
  const std::string in =
      "NETWORK ID\tNAME\tDRIVER\tSCOPE\n"
      "f2de39df4171\tbridge\tbridge\tlocal\n"
      "7ca7fbc4fe3f\thost\thost\tlocal\n"
      "b5d7a3e0e2c1\tnone\tnull\tlocal\n";
  EXPECT_EQ(tabulate(in),
            "NETWORK ID     NAME      DRIVER    SCOPE\n"
            "f2de39df4171   bridge    bridge    local\n"
            "7ca7fbc4fe3f   host      host      local\n"
            "b5d7a3e0e2c1   none      null      local\n");
}

TEST(TabWriterTest, MinWidthAndPadding) {
  // Docker: width = max(widest cell + 3, 10).
  EXPECT_EQ(tabulate("a\tb\n"), "a         b\n");
  EXPECT_EQ(tabulate("0123456789\tb\n"), "0123456789   b\n");
  EXPECT_EQ(tabulate("x\n0123456\tb\n"), "x\n0123456   b\n");
}

struct GoCase {
  const char* name;
  int minWidth;
  int tabWidth;
  int padding;
  char padChar;
  const char* in;
  const char* want;
};

// Test vectors from the docker CLI's copy of Go's text/tabwriter tests (those
// without flags); case 11 shows the two-column CJK width.
const GoCase kGoCases[] = {
    {"1a", 8, 0, 1, '.', "", ""},
    {"2", 8, 0, 1, '.', "\n\n\n", "\n\n\n"},
    {"3", 8, 0, 1, '.', "a\nb\nc", "a\nb\nc"},
    {"4a", 8, 0, 1, '.', "\t", ""},
    {"5", 8, 0, 1, '.', "*\t*", "*.......*"},
    {"5b", 8, 0, 1, '.', "*\t*\n", "*.......*\n"},
    {"5c", 8, 0, 1, '.', "*\t*\t", "*.......*"},
    {"6", 8, 0, 1, '.', "\t\n", "........\n"},
    {"7a", 8, 0, 1, '.', "a) foo", "a) foo"},
    {"7b", 8, 0, 1, ' ', "b) foo\tbar", "b) foo  bar"},
    {"7c", 8, 0, 1, '.', "c) foo\tbar\t", "c) foo..bar"},
    {"7d", 8, 0, 1, '.', "d) foo\tbar\n", "d) foo..bar\n"},
    {"7e", 8, 0, 1, '.', "e) foo\tbar\t\n", "e) foo..bar.....\n"},
    {"8", 8, 0, 1, '*', "Hello, world!\n", "Hello, world!\n"},
    {"9a", 1, 0, 0, '.', "1\t2\t3\t4\n11\t222\t3333\t44444\n", "1.2..3...4\n11222333344444\n"},
    {"9c", 1, 0, 0, '.', "1\t2\t3\t4\f11\t222\t3333\t44444\n", "1234\n11222333344444\n"},
    {"10a", 5, 0, 0, '.', "1\t2\t3\t4\n", "1....2....3....4\n"},
    {"10b", 5, 0, 0, '.', "1\t2\t3\t4\t\n", "1....2....3....4....\n"},
    {"11", 8, 0, 1, '.', "本\tb\tc\naa\t本本本\tcccc\tddddd\naaa\tbbbb\n",
     "本......b.......c\naa......本本本..cccc....ddddd\naaa.....bbbb\n"},
    {"12b", 2, 0, 0, ' ', "a\tb\tc\naa\tbbb\tcccc\naaa\tbbbb\n", "a  b  c\naa bbbcccc\naaabbbb\n"},
    {"12c", 8, 0, 1, '_', "a\tb\tc\naa\tbbb\tcccc\naaa\tbbbb\n",
     "a_______b_______c\naa______bbb_____cccc\naaa_____bbbb\n"},
    {"13a", 4, 0, 1, '-',
     "4444\t日本語\t22\t1\t333\n999999999\t22\n7\t22\n\t\t\t88888888\n\n666666\t666666\t666666\t444"
     "4\n"
     "1\t1\t999999999\t0000000000\n",
     "4444------日本語-22--1---333\n999999999-22\n7---------22\n------------------88888888\n\n"
     "666666-666666-666666----4444\n1------1------999999999-0000000000\n"},
    {"13b", 4, 0, 3, '.',
     "4444\t333\t22\t1\t333\n999999999\t22\n7\t22\n\t\t\t88888888\n\n666666\t666666\t666666\t4444\n"
     "1\t1\t999999999\t0000000000\n",
     "4444........333...22...1...333\n999999999...22\n7...........22\n...................."
     "88888888\n\n"
     "666666...666666...666666......4444\n1........1........999999999...0000000000\n"},
    {"15a", 4, 0, 0, '.', "a\t\tb", "a.......b"},
    {"16a", 100, 100, 0, '\t', "a\tb\t\td\na\tb\t\td\te\na\na\tb\tc\td\na\tb\tc\td\te\n",
     "a\tb\t\td\na\tb\t\td\te\na\na\tb\tc\td\na\tb\tc\td\te\n"},
};

TEST(TabWriterTest, GoTableCases) {
  for (const GoCase& c : kGoCases) {
    const TabWriter::Options o{c.minWidth, c.tabWidth, c.padding, c.padChar};
    EXPECT_EQ(run(o, c.in), c.want) << c.name << " (written all at once)";
    TabWriter w(o);
    for (const std::string_view in = c.in; const char ch : in) {
      w.write(std::string_view(&ch, 1));
    }
    EXPECT_EQ(w.flush(), c.want) << c.name << " (written byte by byte)";
  }
}

TEST(TabWriterTest, ColumnsAreContiguousBlocks) {
  // The example from Go's package documentation: b and c are distinct columns
  // because the third line has no cell in column 1.
  EXPECT_EQ(run(dots(0, 1), "aaaa\tbbb\td\naa\tb\tdd\na\t\naa\tcccc\teee\n"),
            "aaaa.bbb.d\n"
            "aa...b...dd\n"
            "a....\n"
            "aa...cccc.eee\n");
}

TEST(TabWriterTest, LineWithoutTabsEndsTheBlock) {
  EXPECT_EQ(tabulate("a\tb\nno tabs here\nlonger-cell\tc\n"),
            "a         b\n"
            "no tabs here\n"
            "longer-cell   c\n");
}

TEST(TabWriterTest, TextAfterLastTabIsNotPadded) {
  EXPECT_EQ(tabulate("a\tlast\nbb\tx\n"), "a         last\nbb        x\n");
  // A trailing tab makes the last text a cell, so it is padded.
  EXPECT_EQ(tabulate("a\tb\t\n"), "a         b         \n");
  // Unterminated last line is emitted on flush.
  EXPECT_EQ(tabulate("a\tb"), "a         b");
}

TEST(TabWriterTest, WidthCountsTerminalColumns) {
  EXPECT_EQ(tabulate("é\tx\nab\ty\n"), "é         x\nab        y\n");
  // Wide CJK runes take two columns, as in docker's go-runewidth tabwriter.
  EXPECT_EQ(tabulate("日本語テキスト\tx\nab\ty\n"),
            "日本語テキスト   x\nab" + std::string(15, ' ') + "y\n");
  // A combining accent adds no width.
  EXPECT_EQ(tabulate("e\u0301\tx\nab\ty\n"), "e\u0301         x\nab        y\n");
}

TEST(TabWriterTest, TabPadding) {
  // Go's ExampleWriter_Init: padchar '\t' rounds cells up to multiples of tabwidth.
  TabWriter::Options o;
  o.minWidth = 0;
  o.tabWidth = 8;
  o.padding = 0;
  o.padChar = '\t';
  EXPECT_EQ(run(o, "a\tb\tc\td\t.\n123\t12345\t1234567\t123456789\t.\n"),
            "a\tb\tc\td\t\t.\n123\t12345\t1234567\t123456789\t.\n");
}

TEST(TabWriterTest, FormFeedAndVerticalTab) {
  // '\f' ends the block like a line without tabs would, and prints as '\n'.
  EXPECT_EQ(tabulate("a\tb\fccccccccccc\td\n"), "a         b\nccccccccccc   d\n");
  // '\v' terminates a cell like '\t' does.
  EXPECT_EQ(tabulate("a\vb\n"), "a         b\n");
}

TEST(TabWriterTest, IncrementalWritesMatchOneWrite) {
  const std::string in =
      "NAME\tIMAGE\tSTATUS\nweb\tnginx:latest\tUp 2 hours\ndb\tpostgres\tExited (0)\n";
  TabWriter w;
  for (const char c : in) {
    w.write(std::string_view(&c, 1));
  }
  EXPECT_EQ(w.flush(), tabulate(in));
  // The writer is reusable after a flush.
  w.write("x\ty\n");
  EXPECT_EQ(w.flush(), "x         y\n");
  EXPECT_EQ(w.flush(), "");
}

TEST(TabWriterTest, SplitUtf8AcrossWrites) {
  TabWriter w;
  const std::string e = "é";
  w.write(e.substr(0, 1));
  w.write(e.substr(1) + "\tx\n");
  EXPECT_EQ(w.flush(), "é         x\n");
}

}  // namespace
}  // namespace berth::format
