#include "logdriver/stdcopy.h"

namespace berth {

void appendStdcopyFrame(std::string& out, StdStream stream, std::string_view payload) {
  auto n = static_cast<uint32_t>(payload.size());
  const char header[kStdcopyHeaderSize] = {
      static_cast<char>(stream),           0, 0, 0,
      static_cast<char>((n >> 24) & 0xFF), static_cast<char>((n >> 16) & 0xFF),
      static_cast<char>((n >> 8) & 0xFF),  static_cast<char>(n & 0xFF)};
  out.append(header, kStdcopyHeaderSize);
  out.append(payload);
}

std::string encodeStdcopyFrame(StdStream stream, std::string_view payload) {
  std::string out;
  out.reserve(kStdcopyHeaderSize + payload.size());
  appendStdcopyFrame(out, stream, payload);
  return out;
}

}  // namespace berth
