#include "logdriver/local_log_format.h"

namespace berth {
namespace {

void putBigEndian(std::string& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) {
    out += static_cast<char>((v >> (8 * i)) & 0xFF);
  }
}

}  // namespace

uint32_t readBigEndian32(const unsigned char* p) {
  return (static_cast<uint32_t>(p[0]) << 24) | (static_cast<uint32_t>(p[1]) << 16) |
         (static_cast<uint32_t>(p[2]) << 8) | p[3];
}

void appendLocalRecord(std::string& out, const LogMessage& msg) {
  auto n = static_cast<uint32_t>(1 + 8 + msg.line.size());
  putBigEndian(out, n, 4);
  out += static_cast<char>(msg.stream);
  putBigEndian(out, static_cast<uint64_t>(msg.timeNano), 8);
  out.append(msg.line);
  putBigEndian(out, n, 4);
}

LocalDecode decodeLocalRecord(std::string_view data, LogEntry* entry, size_t* used) {
  if (data.size() < 4) {
    return LocalDecode::kNeedMore;
  }
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  uint32_t n = readBigEndian32(p);
  if (n < 9 || n > kLocalMaxPayload) {
    return LocalDecode::kCorrupt;
  }
  if (data.size() < size_t{n} + 8) {
    return LocalDecode::kNeedMore;
  }
  if (readBigEndian32(p + 4 + n) != n || (p[4] != 1 && p[4] != 2)) {
    return LocalDecode::kCorrupt;
  }
  entry->stream = static_cast<LogStream>(p[4]);
  uint64_t t = 0;
  for (int i = 0; i < 8; ++i) {
    t = (t << 8) | p[5 + i];
  }
  entry->timeNano = static_cast<int64_t>(t);
  entry->line.assign(data.data() + 13, n - 9);
  entry->attrs.clear();
  *used = size_t{n} + 8;
  return LocalDecode::kOk;
}

}  // namespace berth
