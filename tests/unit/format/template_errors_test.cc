// Parse and execution errors, worded like Go's text/template (checked against
// the docker CLI), and the limits that keep hostile templates bounded.
#include <gtest/gtest.h>

#include <string>

#include "format/template.h"

namespace berth::format {
namespace {

using nlohmann::json;

std::string parseError(std::string_view text) {
  Result<Template> t = Template::parse(text);
  if (t.ok()) {
    return "parsed";
  }
  EXPECT_EQ(t.error().kind(), ErrorKind::kInvalidArgument);
  return t.error().message();
}

std::string execError(std::string_view text, const json& dot = json::object()) {
  Result<Template> t = Template::parse(text);
  if (!t.ok()) {
    return "parse: " + t.error().message();
  }
  Result<std::string> out = t->execute(dot);
  if (out.ok()) {
    return "ok: " + *out;
  }
  EXPECT_EQ(out.error().kind(), ErrorKind::kInvalidArgument);
  return out.error().message();
}

TEST(TemplateErrorsTest, ParseErrorsReadLikeGo) {
  EXPECT_EQ(parseError("{{.}"), "template: :1: bad character U+007D '}'");
  EXPECT_EQ(parseError("{{}}"), "template: :1: missing value for command");
  EXPECT_EQ(parseError("{{end}}"), "template: :1: unexpected {{end}}");
  EXPECT_EQ(parseError("{{else}}"), "template: :1: unexpected {{else}}");
  EXPECT_EQ(parseError("{{if}}{{end}}"), "template: :1: missing value for if");
  EXPECT_EQ(parseError("{{range .X}}"), "template: :1: unexpected EOF");
  EXPECT_EQ(parseError("{{foo}}"), "template: :1: function \"foo\" not defined");
  EXPECT_EQ(parseError("{{\"abc}}"), "template: :1: unterminated quoted string");
  EXPECT_EQ(parseError("{{`abc}}"), "template: :1: unterminated raw quoted string");
  EXPECT_EQ(parseError("{{.X"), "template: :1: unclosed action");
  EXPECT_EQ(parseError("{{/* x"), "template: :1: unclosed comment");
  EXPECT_EQ(parseError("{{/* x */ .X}}"), "template: :1: comment ends before closing delimiter");
  EXPECT_EQ(parseError("{{$x}}"), "template: :1: undefined variable \"$x\"");
  EXPECT_EQ(parseError("{{$x = 1}}"), "template: :1: undefined variable \"$x\"");
  EXPECT_EQ(parseError("{{break}}"), "template: :1: {{break}} outside {{range}}");
  EXPECT_EQ(parseError("{{(.X}}"), "template: :1: unclosed left paren");
  EXPECT_EQ(parseError("{{.X)}}"), "template: :1: unexpected right paren");
  EXPECT_EQ(parseError("{{.X | \"a\"}}"),
            "template: :1: non executable command in pipeline stage 2");
  EXPECT_EQ(parseError("{{$a, $b := .}}"), "template: :1: too many declarations in command");
  EXPECT_EQ(parseError("{{\"a\".X}}"), "template: :1: unexpected . after term \"\\\"a\\\"\"");
  EXPECT_EQ(parseError("{{1x}}"), "template: :1: bad number syntax: \"1x\"");
  EXPECT_EQ(parseError("{{.X if}}"), "template: :1: unexpected <if> in operand");
  EXPECT_EQ(parseError("{{.X.}}"), "template: :1: unexpected <.> in operand");
  EXPECT_EQ(parseError("{{template \"x\"}}"), "template: :1: {{template}} is not supported");
  EXPECT_EQ(parseError("{{range .}}{{else if .}}{{end}}"),
            "template: :1: unexpected {{else if}} in range");
  EXPECT_EQ(parseError("{{\"\\q\"}}"), "template: :1: invalid syntax: \"\\q\"");
  EXPECT_EQ(parseError("{{'ab'}}"), "template: :1: malformed character constant: 'ab'");
}

TEST(TemplateErrorsTest, ParseErrorsCarryTheLine) {
  EXPECT_EQ(parseError("line one\nline two {{.X}}\n{{.Y }"),
            "template: :3: bad character U+007D '}'");
  EXPECT_EQ(parseError("a\n{{if .X}}\nb"), "template: :3: unexpected EOF");
}

TEST(TemplateErrorsTest, ParseErrorsAreOneLine) {
  for (const char* bad :
       {"{{", "}}{{", "{{.A.}}", "{{|}}", "{{(}}", "{{$}}{{$ := 1}}", "{{else if}}",
        "{{range $a, 1 := .}}{{end}}", "{{if .}}{{else}}{{else}}{{end}}"}) {
    Result<Template> t = Template::parse(bad);
    if (!t.ok()) {
      EXPECT_EQ(t.error().message().find('\n'), std::string::npos) << bad;
      EXPECT_EQ(t.error().message().rfind("template: :", 0), 0U) << bad;
    }
  }
}

TEST(TemplateErrorsTest, ExecutionErrorsReadLikeGo) {
  EXPECT_EQ(execError(R"({{index (split "a,b" ",") 5}})"),
            "template: :1:2: executing \"\" at <index (split \"a,b\" \",\") 5>: "
            "error calling index: index out of range: 5");
  EXPECT_EQ(execError(R"({{range "abc"}}x{{end}})"),
            "template: :1:8: executing \"\" at <\"abc\">: range can't iterate over abc");
  EXPECT_EQ(execError("{{len 3}}"),
            "template: :1:2: executing \"\" at <len 3>: error calling len: len of type int");
  EXPECT_EQ(execError(R"({{eq 1 "a"}})"),
            "template: :1:2: executing \"\" at <eq 1 \"a\">: error calling eq: incompatible types "
            "for comparison");
  EXPECT_EQ(execError("{{nil}}"), "template: :1:2: executing \"\" at <nil>: nil is not a command");
  EXPECT_EQ(execError("{{.X.Y}}", json{{"X", "s"}}),
            "template: :1:4: executing \"\" at <.X.Y>: can't evaluate field Y in type string");
  EXPECT_EQ(
      execError("a\nb {{.X.Y}}", json{{"X", {1}}}),
      "template: :2:6: executing \"\" at <.X.Y>: can't evaluate field Y in type []interface {}");
  EXPECT_EQ(execError("{{.X 1}}"),
            "template: :1:2: executing \"\" at <.X>: can't give argument to non-function .X");
  EXPECT_EQ(execError("{{1 | .X}}"),
            "template: :1:6: executing \"\" at <.X>: can't give argument to non-function .X");
  EXPECT_EQ(
      execError("{{len 1 2}}"),
      "template: :1:2: executing \"\" at <len 1 2>: wrong number of args for len: want 1 got 2");
  EXPECT_EQ(execError("{{printf}}"),
            "template: :1:2: executing \"\" at <printf>: wrong number of args for printf: want at "
            "least 1 got 0");
  EXPECT_EQ(execError("{{upper 1}}"),
            "template: :1:2: executing \"\" at <upper 1>: error calling upper: "
            "wrong type for value; expected string; got int");
  EXPECT_EQ(execError("{{index .M 1}}", json{{"M", {{"a", 1}}}}),
            "template: :1:2: executing \"\" at <index .M 1>: error calling index: "
            "value has type int; should be string");
  EXPECT_EQ(
      execError("{{range $i, $v := 3}}{{end}}"),
      "template: :1:18: executing \"\" at <3>: can't use 3 to iterate over more than one variable");
  EXPECT_EQ(execError("{{lt true false}}"),
            "template: :1:2: executing \"\" at <lt true false>: error calling lt: invalid type for "
            "comparison");
  EXPECT_EQ(execError("{{eq .M .M}}", json{{"M", json::object()}}),
            "template: :1:2: executing \"\" at <eq .M .M>: error calling eq: non-comparable type");
  EXPECT_EQ(execError("{{truncate \"abc\" -1}}"),
            "template: :1:2: executing \"\" at <truncate \"abc\" -1>: error calling truncate: "
            "negative length -1");
}

TEST(TemplateErrorsTest, ExecutionStopsAtTheFirstError) {
  Result<Template> t = Template::parse("ok {{index .L 1}} never");
  ASSERT_TRUE(t.ok());
  EXPECT_FALSE(t->execute(json{{"L", json::array()}}).ok());
  EXPECT_EQ(*t->execute(json{{"L", {0, 1}}}), "ok 1 never");
}

TEST(TemplateErrorsTest, OutputLimit) {
  Result<Template> t = Template::parse("{{range 100}}0123456789{{end}}");
  ASSERT_TRUE(t.ok());
  ExecLimits limits;
  limits.maxOutputBytes = 500;
  Result<std::string> out = t->execute(json::object(), limits);
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.error().message().find("template output too large"), std::string::npos);
  limits.maxOutputBytes = 1000;
  EXPECT_TRUE(t->execute(json::object(), limits).ok());
}

TEST(TemplateErrorsTest, StepLimit) {
  Result<Template> t = Template::parse("{{range 1000000000}}{{range 1000000000}}{{end}}{{end}}");
  ASSERT_TRUE(t.ok());
  ExecLimits limits;
  limits.maxSteps = 1000;
  Result<std::string> out = t->execute(json::object(), limits);
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.error().message().find("too many range iterations"), std::string::npos);
}

TEST(TemplateErrorsTest, HugePaddingIsRefused) {
  Result<Template> t = Template::parse(R"({{pad "x" 1000000000 0}})");
  ASSERT_TRUE(t.ok());
  EXPECT_FALSE(t->execute(json::object()).ok());
}

TEST(TemplateErrorsTest, DeepNestingIsRefusedNotACrash) {
  std::string deep;
  for (int i = 0; i < 5000; ++i) {
    deep += "{{if 1}}";
  }
  EXPECT_NE(parseError(deep).find("nesting too deep"), std::string::npos);
  std::string parens = "{{" + std::string(5000, '(') + "1" + std::string(5000, ')') + "}}";
  EXPECT_NE(parseError(parens).find("nesting too deep"), std::string::npos);
}

}  // namespace
}  // namespace berth::format
