// The `local` driver's file format (berth's own; docs/shim.md). Each record:
//
//   u32 length N (big-endian) | u8 stream (1 stdout, 2 stderr) | i64 time (Unix ns, big-endian)
//   | line bytes (N - 9 of them; a trailing '\n' unless the line is partial) | u32 length N again
//
// The trailing length lets `--tail` walk a file backwards without an index.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "logdriver/log_entry.h"

namespace berth {

inline constexpr size_t kLocalRecordOverhead = 4 + 1 + 8 + 4;
inline constexpr size_t kLocalMaxPayload = size_t{16} * 1024 * 1024;  // sanity bound for a corrupt length

void appendLocalRecord(std::string& out, const LogMessage& msg);

enum class LocalDecode { kOk, kNeedMore, kCorrupt };

// Decodes the record at the start of `data`; on kOk sets `entry` and `used`.
LocalDecode decodeLocalRecord(std::string_view data, LogEntry* entry, size_t* used);

uint32_t readBigEndian32(const unsigned char* p);

}  // namespace berth
