#include "shim/attach_protocol.h"

#include <nlohmann/json.hpp>

namespace berth {
namespace {

bool boolField(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_boolean() && it->get<bool>();
}

}  // namespace

Result<AttachRequest> parseAttachRequest(std::string_view line) {
  auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return invalidArgument("attach: the first line must be a JSON object");
  }
  AttachRequest r;
  r.wantStdin = boolField(j, "stdin");
  r.wantStdout = boolField(j, "stdout");
  r.wantStderr = boolField(j, "stderr");
  return r;
}

Result<ControlCommand> parseControlCommand(std::string_view line) {
  auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return invalidArgument("control: a line must be a JSON object");
  }
  ControlCommand c;
  if (auto r = j.find("resize"); r != j.end()) {
    auto h = r->find("height");
    auto w = r->find("width");
    if (!r->is_object() || h == r->end() || w == r->end() || !h->is_number_unsigned() ||
        !w->is_number_unsigned() || h->get<uint64_t>() > 65535 || w->get<uint64_t>() > 65535) {
      return invalidArgument("control: resize wants {\"height\":H,\"width\":W} with 0..65535");
    }
    c.kind = ControlCommand::Kind::kResize;
    c.height = static_cast<unsigned short>(h->get<uint64_t>());
    c.width = static_cast<unsigned short>(w->get<uint64_t>());
    return c;
  }
  if (boolField(j, "closeStdin")) {
    c.kind = ControlCommand::Kind::kCloseStdin;
    return c;
  }
  return invalidArgument("control: unknown command");
}

}  // namespace berth
