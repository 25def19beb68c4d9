// docker's stdcopy framing, used for attach and logs of containers without a
// terminal: [stream, 0, 0, 0, size as u32 big-endian] then `size` bytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace berth {

enum class StdStream : uint8_t { kStdin = 0, kStdout = 1, kStderr = 2, kSystemErr = 3 };

inline constexpr size_t kStdcopyHeaderSize = 8;

// One frame: the 8-byte header and `payload`.
std::string encodeStdcopyFrame(StdStream stream, std::string_view payload);
// The same, appended to `out` (no temporary string).
void appendStdcopyFrame(std::string& out, StdStream stream, std::string_view payload);

}  // namespace berth
