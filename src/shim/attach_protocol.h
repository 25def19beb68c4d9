// The JSON lines of attach.sock and control.sock (docs/shim.md).
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace berth {

// The first line an attach client sends: {"stdin":true,"stdout":true,"stderr":true}.
// Missing keys are false.
struct AttachRequest {
  bool wantStdin = false;
  bool wantStdout = false;
  bool wantStderr = false;
};
Result<AttachRequest> parseAttachRequest(std::string_view line);

// One line on control.sock: {"resize":{"height":H,"width":W}} or {"closeStdin":true}.
struct ControlCommand {
  enum class Kind { kResize, kCloseStdin };
  Kind kind = Kind::kResize;
  unsigned short height = 0;
  unsigned short width = 0;
};
Result<ControlCommand> parseControlCommand(std::string_view line);

}  // namespace berth
