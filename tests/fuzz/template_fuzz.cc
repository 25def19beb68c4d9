// libFuzzer target: any bytes as a --format template, parsed and executed over
// a small docker-like object. Parse and execution errors are fine; crashes,
// hangs and unbounded memory are not.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>

#include "format/tabwriter.h"
#include "format/template.h"

namespace {

const nlohmann::json& sample() {
  static const nlohmann::json kData = nlohmann::json::parse(R"({
    "ID": "f2de39df4171", "Name": "bridge", "Driver": "bridge", "Scope": "local",
    "EnableIPv6": false, "MTU": 1500, "Ratio": 0.25, "Big": 18446744073709551615, "None": null,
    "IPAM": {"Config": [{"Subnet": "172.17.0.0/16", "Gateway": "172.17.0.1"}], "Options": {}},
    "Containers": {"c1": {"Name": "web", "IPv4Address": "172.17.0.2/16"}},
    "Labels": {"a": "<b>&", "empty": ""}, "Names": ["x", "y\tz", "é"]
  })");
  return kData;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  berth::format::ExecLimits limits;
  limits.maxOutputBytes = 1 << 20;
  limits.maxSteps = 10000;
  berth::Result<berth::format::Template> tmpl = berth::format::Template::parse(text);
  if (tmpl.ok()) {
    (void)tmpl->execute(sample(), limits);
    (void)tmpl->executeHeader(nlohmann::json{{"ID", "NETWORK ID"}, {"Name", "NAME"}}, limits);
  }
  // The table path runs the output through the tabwriter as well.
  if (size < 4096) {
    (void)berth::format::tabulate(text);
  }
  return 0;
}
