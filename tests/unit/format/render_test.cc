#include "format/render.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace berth::format {
namespace {

using nlohmann::json;

std::vector<json> networks() {
  return {
      {{"ID", "f2de39df4171"},
       {"Name", "bridge"},
       {"Driver", "bridge"},
       {"Scope", "local"},
       {"CreatedAt", "2024-05-01 10:00:00 +0000 UTC"},
       {"Labels", json::object()}},
      {{"ID", "7ca7fbc4fe3f"},
       {"Name", "host"},
       {"Driver", "host"},
       {"Scope", "local"},
       {"CreatedAt", "2024-05-01 10:00:00 +0000 UTC"},
       {"Labels", json::object()}},
      {{"ID", "b5d7a3e0e2c1"},
       {"Name", "none"},
       {"Driver", "null"},
       {"Scope", "local"},
       {"CreatedAt", "2024-05-01 10:00:00 +0000 UTC"},
       {"Labels", {{"a", "<b>"}}}},
  };
}

const HeaderMap kNetworkHeaders = {{"ID", "NETWORK ID"}};

TEST(RenderRowsTest, TableLikeDockerNetworkLs) {
  // The user's "\t" is the two-character escape, as typed in a shell.
  Result<std::string> out = renderRows(R"(table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}})",
                                       networks(), kNetworkHeaders);
  ASSERT_TRUE(out.ok()) << out.error().message();
  EXPECT_EQ(*out,
            "NETWORK ID     NAME      DRIVER    SCOPE\n"
            "f2de39df4171   bridge    bridge    local\n"
            "7ca7fbc4fe3f   host      host      local\n"
            "b5d7a3e0e2c1   none      null      local\n");
}

TEST(RenderRowsTest, RealTabsWorkToo) {
  Result<std::string> out = renderRows("table {{.Name}}\t{{.Scope}}", networks(), {});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out,
            "NAME      SCOPE\n"
            "bridge    local\n"
            "host      local\n"
            "none      local\n");
}

TEST(RenderRowsTest, TableWithNoRowsPrintsTheHeader) {
  Result<std::string> out = renderRows(R"(table {{.ID}}\t{{.Name}})", {}, kNetworkHeaders);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, "NETWORK ID   NAME\n");
}

TEST(RenderRowsTest, HeaderFallsBackToSplitFieldName) {
  Result<std::string> out = renderRows(R"(table {{.Name}}\t{{.CreatedAt}})", {networks()[0]}, {});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out,
            "NAME      CREATED AT\n"
            "bridge    2024-05-01 10:00:00 +0000 UTC\n");
}

TEST(RenderRowsTest, HeaderKeepsTitlesThroughFunctions) {
  Result<std::string> out = renderRows(
      R"(table {{.Name | upper}}\t{{json .Labels}}\t{{truncate .ID 4}})", networks(), {});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out,
            "NAME      LABELS        ID\n"
            "BRIDGE    {}            f2de\n"
            "HOST      {}            7ca7\n"
            "NONE      {\"a\":\"<b>\"}   b5d7\n");
}

TEST(RenderRowsTest, NestedFieldTakesItsParentsTitle) {
  Result<std::string> out = renderRows(R"(table {{.Name}}\t{{.Labels.a}})", {networks()[2]}, {});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out,
            "NAME      LABELS\n"
            "none      <b>\n");
}

TEST(RenderRowsTest, TableKeywordIsTrimmed) {
  Result<std::string> out = renderRows("table    {{.Name}}  ", {networks()[1]}, {});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, "NAME\nhost\n");
}

TEST(RenderRowsTest, JsonIsOneCompactObjectPerLine) {
  Result<std::string> out = renderRows("json", {networks()[2], json{{"N", 1.5}}}, {});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out,
            R"({"CreatedAt":"2024-05-01 10:00:00 +0000 UTC","Driver":"null","ID":"b5d7a3e0e2c1",)"
            R"("Labels":{"a":"<b>"},"Name":"none","Scope":"local"})"
            "\n"
            R"({"N":1.5})"
            "\n");
}

TEST(RenderRowsTest, PlainTemplateHasNoHeaderAndNoAlignment) {
  Result<std::string> out = renderRows(R"({{.Name}}\t{{.Driver}})", networks(), kNetworkHeaders);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, "bridge\tbridge\nhost\thost\nnone\tnull\n");
  out = renderRows(R"({{.Name}}\n--)", {networks()[0]}, {});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, "bridge\n--\n");
  out = renderRows("{{.ID}}", {}, {});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, "");
}

TEST(RenderRowsTest, EmptyFormatIsTheCallersJob) {
  for (const char* format : {"", "table", "table   "}) {
    Result<std::string> out = renderRows(format, networks(), {});
    ASSERT_FALSE(out.ok()) << format;
    EXPECT_EQ(out.error().kind(), ErrorKind::kInvalidArgument);
  }
}

TEST(RenderRowsTest, ErrorsAreWrappedLikeDocker) {
  Result<std::string> out = renderRows("table {{.Name", networks(), {});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().kind(), ErrorKind::kInvalidArgument);
  EXPECT_EQ(out.error().message(), "template parsing error: template: :1: unclosed action");

  out = renderRows("{{.Name.X}}", networks(), {});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().message(),
            "template parsing error: template: :1:7: executing \"\" at <.Name.X>: "
            "can't evaluate field X in type string");
}

TEST(RenderInspectTest, DefaultIsIndentedJsonArray) {
  const json net =
      json::parse(R"({"Name": "bridge", "IPAM": {"Config": [{"Subnet": "172.17.0.0/16"}]},
      "Options": {}, "Containers": {}, "Labels": {"x": "a<b"}, "EnableIPv6": false, "MTU": 1500})");
  Result<std::string> out = renderInspect("", {net});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out,
            "[\n"
            "    {\n"
            "        \"Containers\": {},\n"
            "        \"EnableIPv6\": false,\n"
            "        \"IPAM\": {\n"
            "            \"Config\": [\n"
            "                {\n"
            "                    \"Subnet\": \"172.17.0.0/16\"\n"
            "                }\n"
            "            ]\n"
            "        },\n"
            "        \"Labels\": {\n"
            "            \"x\": \"a\\u003cb\"\n"
            "        },\n"
            "        \"MTU\": 1500,\n"
            "        \"Name\": \"bridge\",\n"
            "        \"Options\": {}\n"
            "    }\n"
            "]\n");
}

TEST(RenderInspectTest, JsonIsTheCompactArray) {
  Result<std::string> out = renderInspect("json", {json{{"A", "<&>"}}, json{{"B", 1}}});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, "[{\"A\":\"\\u003c\\u0026\\u003e\"},{\"B\":1}]\n");
}

TEST(RenderInspectTest, NoObjects) {
  EXPECT_EQ(*renderInspect("", {}), "[]\n");
  EXPECT_EQ(*renderInspect("json", {}), "[]\n");
  EXPECT_EQ(*renderInspect("{{.Name}}", {}), "\n");
}

TEST(RenderInspectTest, TemplatePerObject) {
  const std::vector<json> objects = {json{{"Name", "a"}, {"Id", "1"}},
                                     json{{"Name", "b"}, {"Id", "2"}}};
  Result<std::string> out = renderInspect("{{.Name}} {{.Id}}", objects);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, "a 1\nb 2\n");
  // docker inspect passes the format to the template untouched: no \t rewriting.
  out = renderInspect(R"({{.Name}}\t)", {objects[0]});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, "a\\t\n");
}

TEST(RenderInspectTest, TemplateErrors) {
  Result<std::string> out = renderInspect("{{.Name", {json::object()});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().message(), "template parsing error: template: :1: unclosed action");
  out = renderInspect("{{index .L 3}}", {json{{"L", json::array()}}});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().kind(), ErrorKind::kInvalidArgument);
}

TEST(DefaultHeaderTest, SplitsCamelCase) {
  EXPECT_EQ(defaultHeader("Name"), "NAME");
  EXPECT_EQ(defaultHeader("ID"), "ID");
  EXPECT_EQ(defaultHeader("CreatedAt"), "CREATED AT");
  EXPECT_EQ(defaultHeader("RunningFor"), "RUNNING FOR");
  EXPECT_EQ(defaultHeader("IPAddress"), "IP ADDRESS");
  EXPECT_EQ(defaultHeader("IPv4Address"), "IPV4 ADDRESS");
  EXPECT_EQ(defaultHeader("HostIPs"), "HOST IPS");
  EXPECT_EQ(defaultHeader("CPUPerc"), "CPU PERC");
  EXPECT_EQ(defaultHeader("lower"), "LOWER");
  EXPECT_EQ(defaultHeader(""), "");
}

}  // namespace
}  // namespace berth::format
