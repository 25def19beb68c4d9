#include "format/template.h"

#include <gtest/gtest.h>

#include <string>

namespace berth::format {
namespace {

using nlohmann::json;

// Output, or "ERR: <message>" so a failing expectation shows the error.
std::string run(std::string_view text, const json& dot = json::object()) {
  Result<Template> t = Template::parse(text);
  if (!t.ok()) {
    return "ERR: " + t.error().message();
  }
  Result<std::string> out = t->execute(dot);
  if (!out.ok()) {
    return "ERR: " + out.error().message();
  }
  return *out;
}

// A trimmed `docker network inspect bridge` object.
json bridgeNetwork() {
  return json::parse(R"({
    "Name": "bridge",
    "Id": "f2de39df4171b0dc801e8002d1d999b77256983dfc63041c0f34030aa3977566",
    "Scope": "local",
    "Driver": "bridge",
    "EnableIPv6": false,
    "IPAM": {
      "Driver": "default",
      "Options": null,
      "Config": [
        {"Subnet": "172.17.0.0/16", "Gateway": "172.17.0.1"},
        {"Subnet": "fd00::/64"}
      ]
    },
    "Internal": false,
    "Containers": {
      "c2": {"Name": "db", "IPv4Address": "172.17.0.3/16"},
      "c1": {"Name": "web", "IPv4Address": "172.17.0.2/16"}
    },
    "Options": {"com.docker.network.driver.mtu": "1500"},
    "Labels": {}
  })");
}

TEST(TemplateTest, LiteralTextAndDot) {
  EXPECT_EQ(run("plain text"), "plain text");
  EXPECT_EQ(run(""), "");
  EXPECT_EQ(run("{{.}}", "hello"), "hello");
  EXPECT_EQ(run("a{{.}}b", 42), "a42b");
}

TEST(TemplateTest, FieldChains) {
  const json data = {{"A", {{"B", {{"C", "deep"}}}}}, {"N", nullptr}};
  EXPECT_EQ(run("{{.A.B.C}}", data), "deep");
  EXPECT_EQ(run("{{.Missing}}", data), "<no value>");
  EXPECT_EQ(run("{{.A.Missing.C}}", data), "<no value>");
  EXPECT_EQ(run("{{.N}}", data), "<nil>");
  // A member of null is missing: null stands for Go's nil map or pointer.
  EXPECT_EQ(run("{{.N.X}}", data), "<no value>");
}

TEST(TemplateTest, PrintsValuesLikeGo) {
  const json data = json::parse(R"({"s": "str", "i": 42, "neg": -7, "f": 1.5, "big": 1000000.0,
      "tiny": 0.00001, "whole": 3.0, "u": 18446744073709551615, "t": true, "n": null,
      "m": {"b": "x", "a": 1}, "arr": ["a", "b", "c"], "nested": {"l": [1, {"k": null}]},
      "empty": {}, "none": []})");
  EXPECT_EQ(run("{{.s}}", data), "str");
  EXPECT_EQ(run("{{.i}} {{.neg}}", data), "42 -7");
  EXPECT_EQ(run("{{.f}} {{.big}} {{.tiny}} {{.whole}}", data), "1.5 1e+06 1e-05 3");
  EXPECT_EQ(run("{{.u}}", data), "18446744073709551615");
  EXPECT_EQ(run("{{.t}}", data), "true");
  EXPECT_EQ(run("{{.n}}", data), "<nil>");
  EXPECT_EQ(run("{{.m}}", data), "map[a:1 b:x]");
  EXPECT_EQ(run("{{.arr}}", data), "[a b c]");
  EXPECT_EQ(run("{{.nested}}", data), "map[l:[1 map[k:<nil>]]]");
  EXPECT_EQ(run("{{.empty}} {{.none}}", data), "map[] []");
}

TEST(TemplateTest, JsonFunction) {
  const json net = bridgeNetwork();
  EXPECT_EQ(run("{{json .Containers}}", net),
            R"({"c1":{"IPv4Address":"172.17.0.2/16","Name":"web"},)"
            R"("c2":{"IPv4Address":"172.17.0.3/16","Name":"db"}})");
  EXPECT_EQ(run("{{json .Labels}} {{json .IPAM.Options}} {{json .Missing}}", net), "{} null null");
  EXPECT_EQ(run("{{.IPAM.Config | json}}", net),
            R"([{"Gateway":"172.17.0.1","Subnet":"172.17.0.0/16"},{"Subnet":"fd00::/64"}])");
  // docker's json function turns off Go's HTML escaping.
  EXPECT_EQ(run("{{json .}}", json{{"a", "<b>&"}}), R"({"a":"<b>&"})");
  EXPECT_EQ(run(R"({{json "tab\tquote\"nl\n"}})"), R"("tab\tquote\"nl\n")");
  EXPECT_EQ(run("{{json 1.0}} {{json 1e21}} {{json 1e-7}} {{json 0.000001}}"),
            "1 1e+21 1e-7 0.000001");
}

TEST(TemplateTest, DockerInspectIdioms) {
  const json net = bridgeNetwork();
  EXPECT_EQ(run("{{.Name}}", net), "bridge");
  EXPECT_EQ(run("{{range .IPAM.Config}}{{.Subnet}} {{end}}", net), "172.17.0.0/16 fd00::/64 ");
  EXPECT_EQ(run("{{range .IPAM.Config}}{{.Gateway}},{{end}}", net), "172.17.0.1,<no value>,");
  EXPECT_EQ(run("{{range $id, $c := .Containers}}{{$id}}={{$c.Name}} {{end}}", net),
            "c1=web c2=db ");
  EXPECT_EQ(run(R"({{index .Options "com.docker.network.driver.mtu"}})", net), "1500");
  EXPECT_EQ(run("{{(index .IPAM.Config 0).Gateway}}", net), "172.17.0.1");
  EXPECT_EQ(run("{{len .Containers}} {{len .Labels}} {{len .Name}}", net), "2 0 6");
  EXPECT_EQ(run("{{if .EnableIPv6}}v6{{else}}v4{{end}}", net), "v4");
  EXPECT_EQ(run("{{with .IPAM}}{{.Driver}}{{end}}", net), "default");
  EXPECT_EQ(run("{{truncate .Id 12}} {{printf \"%.5s\" .Id}}", net), "f2de39df4171 f2de3");
  EXPECT_EQ(run("{{upper .Scope}}/{{title .Driver}}", net), "LOCAL/Bridge");
}

TEST(TemplateTest, RangeOverArraysObjectsAndInts) {
  const json data = json::parse(R"({"list": ["a", "b"], "obj": {"z": 1, "a": 2, "m": 3},
      "empty": [], "n": null, "s": "str"})");
  EXPECT_EQ(run("{{range .list}}[{{.}}]{{end}}", data), "[a][b]");
  EXPECT_EQ(run("{{range .obj}}{{.}}{{end}}", data), "231");  // sorted by key
  EXPECT_EQ(run("{{range $k, $v := .obj}}{{$k}}{{$v}}{{end}}", data), "a2m3z1");
  EXPECT_EQ(run("{{range $i, $v := .list}}{{$i}}:{{$v}} {{end}}", data), "0:a 1:b ");
  EXPECT_EQ(run("{{range $v := .list}}{{$v}}{{end}}", data), "ab");
  EXPECT_EQ(run("{{range .empty}}x{{else}}none{{end}}", data), "none");
  EXPECT_EQ(run("{{range .n}}x{{else}}nil{{end}}", data), "nil");
  EXPECT_EQ(run("{{range .missing}}x{{else}}missing{{end}}", data), "missing");
  EXPECT_EQ(run("{{range 3}}{{.}}{{end}}", data), "012");
  EXPECT_EQ(run("{{range .list}}{{$.s}}{{end}}", data), "strstr");
}

TEST(TemplateTest, BreakAndContinue) {
  const json data = {{"l", {"a", "b", "c"}}};
  EXPECT_EQ(run(R"({{range .l}}{{if eq . "b"}}{{continue}}{{end}}{{.}}{{end}})", data), "ac");
  EXPECT_EQ(run(R"({{range .l}}{{if eq . "b"}}{{break}}{{end}}{{.}}{{end}})", data), "a");
}

TEST(TemplateTest, IfElseChainsAndTruth) {
  EXPECT_EQ(run("{{if false}}a{{else if 0}}b{{else if \"s\"}}c{{else}}d{{end}}"), "c");
  EXPECT_EQ(run("{{if 0}}a{{else}}b{{end}}"), "b");
  const json data = json::parse(R"({"zero": 0, "f": 0.0, "es": "", "ea": [], "eo": {}, "n": null,
      "one": 1, "s": "x", "a": [0], "o": {"k": 0}, "t": true})");
  for (const char* falsy : {"zero", "f", "es", "ea", "eo", "n", "missing"}) {
    EXPECT_EQ(run(std::string("{{if .") + falsy + "}}T{{else}}F{{end}}", data), "F") << falsy;
  }
  for (const char* truthy : {"one", "s", "a", "o", "t"}) {
    EXPECT_EQ(run(std::string("{{if .") + truthy + "}}T{{else}}F{{end}}", data), "T") << truthy;
  }
}

TEST(TemplateTest, WithSetsDot) {
  const json data = {{"a", {{"b", "c"}}}, {"e", ""}};
  EXPECT_EQ(run("{{with .a}}{{.b}}{{end}}", data), "c");
  EXPECT_EQ(run("{{with .e}}x{{else}}empty{{end}}", data), "empty");
  EXPECT_EQ(run(R"({{with .e}}a{{else with "w"}}{{.}}{{end}})", data), "w");
  EXPECT_EQ(run("{{with $x := .a.b}}{{$x}}{{.}}{{end}}", data), "cc");
}

TEST(TemplateTest, Variables) {
  EXPECT_EQ(run("{{$x := 1}}{{$x}}{{$x = 2}}{{$x}}{{if true}}{{$x = 3}}{{$y := 9}}{{end}}{{$x}}"),
            "123");
  EXPECT_EQ(run("{{$.A}}", json{{"A", "root"}}), "root");
  EXPECT_EQ(run("{{$v := .}}{{range .L}}{{$v.N}}{{end}}", json{{"N", "n"}, {"L", {1, 2}}}), "nn");
}

TEST(TemplateTest, Pipelines) {
  EXPECT_EQ(run(R"({{"x" | printf "%s-%s" "y"}})"), "y-x");
  EXPECT_EQ(run(R"({{.A | lower | printf "[%s]"}})", json{{"A", "ABC"}}), "[abc]");
  EXPECT_EQ(run(R"({{split "a:b" ":" | len}})"), "2");
}

TEST(TemplateTest, ComparisonAndLogic) {
  EXPECT_EQ(run(R"({{eq 1 2 1}} {{eq "a" "a"}} {{eq "a" "b"}} {{ne 1 2}} {{eq true true}})"),
            "true true false true true");
  EXPECT_EQ(run("{{lt 1 2}} {{le 2 2}} {{gt \"b\" \"a\"}} {{ge 1 2}}"), "true true true false");
  // JSON data has no int/float distinction to rely on, so numbers compare by value.
  EXPECT_EQ(run("{{eq .F 1}} {{lt .I 1.5}}", json{{"F", 1.0}, {"I", 1}}), "true true");
  EXPECT_EQ(run("{{eq .N nil}} {{eq .S nil}}", json{{"N", nullptr}, {"S", "x"}}), "true false");
  EXPECT_EQ(run(R"({{and 1 0 2}}|{{or 0 "" "x"}}|{{not 0}}|{{and 1 2}}|{{or 0 ""}})"),
            "0|x|true|2|");
  // and/or stop at the deciding argument: the index error is never evaluated.
  EXPECT_EQ(run("{{or 1 (index .L 5)}} {{and 0 (index .L 5)}}", json{{"L", json::array()}}), "1 0");
}

TEST(TemplateTest, IndexAndSlice) {
  const json data = json::parse(R"({"l": ["a", "b", "c"], "m": {"k": "v"}, "n": null,
      "nested": [[1, 2], [3, 4]]})");
  EXPECT_EQ(run("{{index .l 1}}", data), "b");
  EXPECT_EQ(run(R"({{index .m "k"}} {{index .m "nope"}})", data), "v <no value>");
  EXPECT_EQ(run("{{index .nested 1 0}}", data), "3");
  EXPECT_EQ(run(R"({{index "abc" 1}})", data), "98");
  EXPECT_EQ(run(R"({{index .n "k"}})", data), "<no value>");
  EXPECT_EQ(run("{{index .l}}", data), "[a b c]");
  EXPECT_EQ(run(R"({{slice "abcdef" 1 3}} {{slice .l 1}} {{slice .l 0 0}})", data), "bc [b c] []");
}

TEST(TemplateTest, PrintFunctions) {
  EXPECT_EQ(run(R"({{print 1 2 "a" "b" 3 true}})"), "1 2ab3 true");
  EXPECT_EQ(run(R"({{println 1 "a"}})"), "1 a\n");
  EXPECT_EQ(run(R"({{printf "%s=%d" .A .B}})", json{{"A", "x"}, {"B", 5}}), "x=5");
  EXPECT_EQ(run(R"({{printf "%v %q %t" .A .A true}})", json{{"A", "x"}}), R"(x "x" true)");
  EXPECT_EQ(run(R"({{printf "%v" nil}} {{print nil}} {{printf "%s" .Missing}})"),
            "<nil> <nil> %!s(<nil>)");
}

TEST(TemplateTest, DockerStringFunctions) {
  EXPECT_EQ(run(R"({{join (split "a,b,c" ",") "-"}})"), "a-b-c");
  EXPECT_EQ(run(R"({{join .L ", "}})", json{{"L", {"x", 1, true}}}), "x, 1, true");
  EXPECT_EQ(run(R"({{json (split "a" "")}} {{json (split "" ",")}})"), R"(["a"] [""])");
  EXPECT_EQ(run(R"({{lower "ABC"}} {{upper "abc"}} {{upper "héllo"}})"), "abc ABC HÉLLO");
  EXPECT_EQ(run(R"({{title "hello wORLD foo-bar a_b 1x éa"}})"), "Hello WORLD Foo-Bar A_b 1x Éa");
  EXPECT_EQ(run(R"({{truncate "abcdef" 3}}|{{truncate "ab" 5}})"), "abc|ab");
  EXPECT_EQ(run(R"({{pad "ab" 1 2}}|{{pad "" 3 3}}|)"), " ab  ||");
}

TEST(TemplateTest, Literals) {
  EXPECT_EQ(run("{{0x1F}} {{1_000}} {{-5}} {{+5}} {{1.5e3}} {{'a'}} {{0o17}} {{0b101}} {{017}}"),
            "31 1000 -5 5 1500 97 15 5 15");
  EXPECT_EQ(run(R"({{"esc\tq\u00e9\x41\101"}})"), "esc\tqéAA");
  EXPECT_EQ(run("{{`raw\\n`}}"), "raw\\n");
  EXPECT_EQ(run("{{true}} {{false}} {{1.25}}"), "true false 1.25");
}

TEST(TemplateTest, TrimMarkersAndComments) {
  EXPECT_EQ(run("  {{- \"x\" -}}  y {{/* c */}} {{- /* c2 */ -}} z"), "xy z");
  EXPECT_EQ(run("a {{- 3}}"), "a3");
  EXPECT_EQ(run("{{3 -}} \n\t b"), "3b");
  EXPECT_EQ(run("{{-3}}"), "-3");  // no space: a negative number, not a trim marker
  EXPECT_EQ(run("a{{/* comment\nover lines */}}b"), "ab");
  EXPECT_EQ(run("{{range .}}\n  {{- .}}\n{{- end}}", json{1, 2}), "12");
}

TEST(TemplateTest, ActionsMaySpanLines) {
  EXPECT_EQ(run("{{if\n.A\n}}yes{{end}}", json{{"A", true}}), "yes");
}

TEST(TemplateTest, FieldNamesForHeaders) {
  Result<Template> t =
      Template::parse("{{.ID}} {{.Labels.foo}} {{range .Ports}}{{.Host}}{{end}} {{$x := 1}}");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->fieldNames(), (std::vector<std::string>{"ID", "Labels", "Ports", "Host"}));
}

TEST(TemplateTest, HeaderModeKeepsTitles) {
  Result<Template> t =
      Template::parse(R"({{.Name | upper}}|{{json .ID}}|{{truncate .Image 2}}|{{pad .Name 1 1}})");
  ASSERT_TRUE(t.ok());
  const json titles = {{"Name", "NAME"}, {"ID", "CONTAINER ID"}, {"Image", "IMAGE"}};
  EXPECT_EQ(t->executeHeader(titles), "NAME|CONTAINER ID|IMAGE| NAME ");
}

TEST(TemplateTest, HeaderModeStopsAtErrorLikeDocker) {
  Result<Template> t = Template::parse("{{.A}}\t{{index .B 3}}\t{{.C}}");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->executeHeader(json{{"A", "A"}, {"B", "B"}, {"C", "C"}}), "A\t");
}

TEST(TemplateTest, TemplateIsReusable) {
  Result<Template> t = Template::parse("{{.N}};");
  ASSERT_TRUE(t.ok());
  const Template copy = *t;
  EXPECT_EQ(*t->execute(json{{"N", 1}}), "1;");
  EXPECT_EQ(*copy.execute(json{{"N", 2}}), "2;");
}

}  // namespace
}  // namespace berth::format
