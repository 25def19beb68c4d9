// Go's fmt and encoding/json spellings. The printf table was produced by
// running each template through the docker CLI (Go 1.23) and is byte-exact.
#include "format/go_fmt.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "format/go_json.h"
#include "format/template.h"

namespace berth::format {
namespace {

using nlohmann::json;

struct GoCase {
  const char* text;
  const char* want;
};

constexpr GoCase kPrintfCases[] = {
    {R"go({{printf "%6.2f|%-8.3f|%+d|% d|%+.1e|%E|%G|%.3g|%g|%g|%g" 3.14159 2.5 5 5 12345.678 0.000123 1e-10 1234.5678 100000.0 1000000.0 0.0001}})go",
     R"go(  3.14|2.500   |+5| 5|+1.2e+04|1.230000E-04|1E-10|1.23e+03|100000|1e+06|0.0001)go"},
    {R"go({{printf "%x|%X|%#x|%#o|%O|%b|%08.3f|%-6d|%06d|%+06d|%.5d|%.0d" 255 255 255 8 8 5 3.14159 42 -42 42 42 0}})go",
     R"go(ff|FF|0xff|010|0o10|101|0003.142|42    |-00042|+00042|00042|)go"},
    {R"go({{printf "%5s|%-5s|%.2s|%5.1s|%q|%x|% x|%X|%c|%U|%q" "ab" "ab" "abc" "xyz" "tab	é" "hi" "hi" "hi" 233 233 65}})go",
     R"go(   ab|ab   |ab|    x|"tab\té"|6869|68 69|6869|é|U+00E9|'A')go"},
    {R"go({{printf "%v|%d|%s|%v|%5v|%T|%T|%T|%T" (split "a,b" ",") (split "1,2" ",") (split "a,b" ",") true 7 1 1.5 "s" true}})go",
     R"go([a b]|[%!d(string=1) %!d(string=2)]|[a b]|true|    7|int|float64|string|bool)go"},
    {R"go({{printf "%t|%v|%d|%f|%s" 1 nil true "x" 2.5}})go",
     R"go(%!t(int=1)|<nil>|%!d(bool=true)|%!f(string=x)|%!s(float64=2.5))go"},
    {R"go({{printf "%*d|%-*d|%.*f" 5 1 5 2 2 3.14159}})go", R"go(    1|2    |3.14)go"},
    {R"go({{printf "%d%%|%3c|%-4q|" 50 120 "a"}})go", R"go(50%|  x|"a" |)go"},
    {R"go({{printf "%e|%f|%g" 0.0 0.0 0.0}})go", R"go(0.000000e+00|0.000000|0)go"},
    {R"go({{printf "%v %v %v %v" 1e-5 123456.0 1234567.0 0.1}})go",
     R"go(1e-05 123456 1.234567e+06 0.1)go"},
    {R"go({{printf "%.0f|%.1f|%.2f|%.0f" 0.5 0.25 1.005 2.5}})go", R"go(0|0.2|1.00|2)go"},
    {R"go({{printf "%s|%10.4v|%-10v|" 12 3.14159265 "x"}})go",
     R"go(%!s(int=12)|     3.142|x         |)go"},
    {R"go({{printf "%08s|%-08d|%x" "ab" 5 -255}})go", R"go(000000ab|5       |-ff)go"},
    {R"go({{printf "%!d" 1}})go", R"go(%!!(int=1)d)go"},
    {R"go({{printf "%" 1}})go", R"go(%!(NOVERB)%!(EXTRA int=1))go"},
    {R"go({{printf "%d" 9223372036854775807}})go", R"go(9223372036854775807)go"},
    {R"go({{printf "%o|%#b|%#X" -8 5 255}})go", R"go(-10|0b101|0XFF)go"},
    {R"go({{print 1.0 2.5 "x" 3}})go", R"go(1 2.5x3)go"},
    {R"go({{printf "%6.3v|%.3v" "abcdef" 123.456}})go", R"go(   abc|123)go"},
    {R"go({{printf "% x|%# x|%#x|% X" "hi" "hi" "hi" "abc"}})go",
     R"go(68 69|0x68 0x69|0x6869|61 62 63)go"},
    {R"go({{printf "%v|%s" (slice (split "a,b,c" ",") 1 2) (split "" "")}})go", R"go([b]|[])go"},
    {R"go({{printf "%5.1f|%-7.2e|%+v|% v" -2.25 1234.5 3 -3}})go", R"go( -2.2|1.23e+03|3|-3)go"},
    {R"go({{printf "%q" "\x00\x7f\u00ad\u2028😀"}})go", R"go("\x00\x7f\u00ad\u2028😀")go"},
    {R"go({{printf "%c|%q|%U" 128512 128512 128512}})go", R"go(😀|'😀'|U+1F600)go"},
};

TEST(GoFmtTest, PrintfMatchesGo) {
  for (const GoCase& c : kPrintfCases) {
    Result<Template> t = Template::parse(c.text);
    ASSERT_TRUE(t.ok()) << c.text << ": " << t.error().message();
    Result<std::string> out = t->execute(json::object());
    ASSERT_TRUE(out.ok()) << c.text << ": " << out.error().message();
    EXPECT_EQ(*out, c.want) << c.text;
  }
}

TEST(GoFmtTest, SprintfDirect) {
  EXPECT_EQ(goSprintf("%s=%d", {"a", 1}), "a=1");
  EXPECT_EQ(goSprintf("no verbs", {}), "no verbs");
  EXPECT_EQ(goSprintf("%s %s", {"a", 1, true}), "a %!s(int=1)%!(EXTRA bool=true)");
  EXPECT_EQ(goSprintf("%v", {json::object({{"b", 2}, {"a", {1, nullptr}}})}),
            "map[a:[1 <nil>] b:2]");
  EXPECT_EQ(goSprintf("%5d|%-5d|", {1, 2}), "    1|2    |");
  EXPECT_EQ(goSprintf("%1000001d", {1}), "%!(BADWIDTH)1");
}

TEST(GoFmtTest, PrintValue) {
  EXPECT_EQ(goPrintValue("s"), "s");
  EXPECT_EQ(goPrintValue(nullptr), "<nil>");
  EXPECT_EQ(goPrintValue(-3), "-3");
  EXPECT_EQ(goPrintValue(2.0), "2");
  EXPECT_EQ(goPrintValue(json::parse("[1, \"a b\", {\"k\": false}]")), "[1 a b map[k:false]]");
}

TEST(GoFmtTest, Sprint) {
  EXPECT_EQ(goSprint({1, 2, "a", "b", 3}), "1 2ab3");
  EXPECT_EQ(goSprintln({1, "a"}), "1 a\n");
  EXPECT_EQ(goSprint({}), "");
}

TEST(GoFmtTest, FormatFloat) {
  EXPECT_EQ(goFormatFloat(1.5, 'g', -1), "1.5");
  EXPECT_EQ(goFormatFloat(1e6, 'g', -1), "1e+06");
  EXPECT_EQ(goFormatFloat(123456.0, 'g', -1), "123456");
  EXPECT_EQ(goFormatFloat(1e-5, 'g', -1), "1e-05");
  EXPECT_EQ(goFormatFloat(0.0001, 'g', -1), "0.0001");
  EXPECT_EQ(goFormatFloat(-0.0, 'g', -1), "-0");
  EXPECT_EQ(goFormatFloat(1e100, 'e', -1), "1e+100");
  EXPECT_EQ(goFormatFloat(123.456, 'f', -1), "123.456");
  EXPECT_EQ(goFormatFloat(123.456, 'f', 1), "123.5");
  EXPECT_EQ(goFormatFloat(123.456, 'e', 2), "1.23e+02");
  EXPECT_EQ(goFormatFloat(0.1 + 0.2, 'g', -1), "0.30000000000000004");
  EXPECT_EQ(goFormatFloat(std::numeric_limits<double>::infinity(), 'g', -1), "+Inf");
  EXPECT_EQ(goFormatFloat(std::numeric_limits<double>::quiet_NaN(), 'g', -1), "NaN");
}

TEST(GoFmtTest, Quote) {
  EXPECT_EQ(goQuote("plain"), "\"plain\"");
  EXPECT_EQ(goQuote("a\"b\\c\n\t"), R"("a\"b\\c\n\t")");
  EXPECT_EQ(goQuote("\x01\x7f"), R"("\x01\x7f")");
  EXPECT_EQ(goQuote("\xff"), R"("\xff")");  // invalid UTF-8 byte
  EXPECT_EQ(goQuote("é😀"), "\"é😀\"");
}

TEST(GoJsonTest, CompactMatchesEncodingJson) {
  const json v = json::parse(R"({"b": [1, -2, 2.5, 1e21, 1e-7, 100.0, true, null],
      "a": "x<y>&z", "c": {}, "d": [], "u": 18446744073709551615})");
  EXPECT_EQ(marshalGoJson(v, true),
            R"({"a":"x\u003cy\u003e\u0026z","b":[1,-2,2.5,1e+21,1e-7,100,true,null],"c":{},"d":[],)"
            R"("u":18446744073709551615})");
  EXPECT_EQ(marshalGoJson(v["a"], false), R"("x<y>&z")");
}

TEST(GoJsonTest, StringEscapes) {
  EXPECT_EQ(marshalGoJson("q\"b\\n\nr\rt\tb\bf\f\x01\x1f", false),
            R"("q\"b\\n\nr\rt\tb\bf\f\u0001\u001f")");
  EXPECT_EQ(marshalGoJson("\xe2\x80\xa8|\xe2\x80\xa9", false), R"("\u2028|\u2029")");
  EXPECT_EQ(marshalGoJson("bad\xff"
                          "byte",
                          false),
            R"("bad\ufffdbyte")");
  EXPECT_EQ(marshalGoJson("é😀", false), "\"é😀\"");
}

TEST(GoJsonTest, FloatSpelling) {
  EXPECT_EQ(goJsonFloat(1.0), "1");
  EXPECT_EQ(goJsonFloat(0.000001), "0.000001");
  EXPECT_EQ(goJsonFloat(0.0000001), "1e-7");
  EXPECT_EQ(goJsonFloat(1e20), "100000000000000000000");
  EXPECT_EQ(goJsonFloat(1e21), "1e+21");
  EXPECT_EQ(goJsonFloat(-1.5e-10), "-1.5e-10");
  EXPECT_EQ(goJsonFloat(123456789.0), "123456789");
}

TEST(GoJsonTest, IndentLikeMarshalIndent) {
  const json v = json::parse(R"({"Name": "n", "List": [1, {"K": "v"}], "Empty": {}, "None": []})");
  EXPECT_EQ(marshalGoJsonIndent(v, "    ", true),
            "{\n"
            "    \"Empty\": {},\n"
            "    \"List\": [\n"
            "        1,\n"
            "        {\n"
            "            \"K\": \"v\"\n"
            "        }\n"
            "    ],\n"
            "    \"Name\": \"n\",\n"
            "    \"None\": []\n"
            "}");
  EXPECT_EQ(marshalGoJsonIndent(json::array(), "    ", true), "[]");
  EXPECT_EQ(marshalGoJsonIndent("s", "    ", true), "\"s\"");
}

}  // namespace
}  // namespace berth::format
