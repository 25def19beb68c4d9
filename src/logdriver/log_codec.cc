#include "logdriver/log_codec.h"

#include <unistd.h>

#include <cerrno>
#include <string>

#include "logdriver/json_log_format.h"
#include "logdriver/local_log_format.h"

namespace berth {
namespace {

constexpr int64_t kBlock = int64_t{64} * 1024;

Result<size_t> preadFull(int fd, char* buf, size_t len, int64_t off) {
  size_t done = 0;
  while (done < len) {
    ssize_t n = ::pread(fd, buf + done, len - done, off + static_cast<int64_t>(done));
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return systemError("read log file", errno);
    }
    if (n == 0) {
      break;
    }
    done += static_cast<size_t>(n);
  }
  return done;
}

class JsonFileCodec final : public LogCodec {
 public:
  size_t decode(std::string_view data, std::vector<LogEntry>& out) override {
    size_t used = 0;
    while (true) {
      size_t nl = data.find('\n', used);
      if (nl == std::string_view::npos) {
        return used;
      }
      auto e = decodeJsonLogLine(data.substr(used, nl - used));
      if (e.ok()) {
        out.push_back(std::move(e).value());
      }
      used = nl + 1;
    }
  }

  Result<TailStart> tailStart(int fd, int64_t size, int n) override {
    // Walk back block by block counting '\n'. Bytes after the last '\n' are a
    // record still being written: not counted.
    std::string block;
    int64_t pos = size;
    bool sawLast = false;  // found the '\n' that ends the last complete record
    int newlines = 0;
    while (pos > 0) {
      int64_t len = std::min(kBlock, pos);
      pos -= len;
      block.resize(static_cast<size_t>(len));
      BERTH_ASSIGN_OR_RETURN(size_t got, preadFull(fd, block.data(), block.size(), pos));
      block.resize(got);
      for (int64_t i = static_cast<int64_t>(block.size()) - 1; i >= 0; --i) {
        if (block[static_cast<size_t>(i)] != '\n') {
          continue;
        }
        if (!sawLast) {
          sawLast = true;
          continue;
        }
        if (++newlines == n) {
          return TailStart{pos + i + 1, n};
        }
      }
    }
    return TailStart{0, sawLast ? newlines + 1 : 0};
  }
};

class LocalCodec final : public LogCodec {
 public:
  size_t decode(std::string_view data, std::vector<LogEntry>& out) override {
    size_t used = 0;
    while (used < data.size()) {
      LogEntry e;
      size_t n = 0;
      LocalDecode d = decodeLocalRecord(data.substr(used), &e, &n);
      if (d == LocalDecode::kNeedMore) {
        break;
      }
      if (d == LocalDecode::kCorrupt) {
        // No way to resynchronise reliably: drop the rest of what we have.
        return data.size();
      }
      out.push_back(std::move(e));
      used += n;
    }
    return used;
  }

  Result<TailStart> tailStart(int fd, int64_t size, int n) override {
    int64_t end = lastCompleteEnd(fd, size);
    int found = 0;
    while (found < n && end >= static_cast<int64_t>(kLocalRecordOverhead)) {
      unsigned char trailer[4];
      BERTH_ASSIGN_OR_RETURN(size_t got, preadFull(fd, reinterpret_cast<char*>(trailer), 4, end - 4));
      if (got != 4) {
        break;
      }
      uint32_t len = readBigEndian32(trailer);
      int64_t start = end - static_cast<int64_t>(len) - 8;
      if (len < 9 || len > kLocalMaxPayload || start < 0 || !headerMatches(fd, start, len)) {
        break;  // corrupt: start after it
      }
      end = start;
      ++found;
    }
    return TailStart{end, found};
  }

 private:
  static bool headerMatches(int fd, int64_t start, uint32_t len) {
    unsigned char header[4];
    auto got = preadFull(fd, reinterpret_cast<char*>(header), 4, start);
    return got.ok() && *got == 4 && readBigEndian32(header) == len;
  }

  // The end of the last whole record: a record still being written at the end of
  // the file is skipped by checking that its trailer agrees with a header.
  static int64_t lastCompleteEnd(int fd, int64_t size) {
    if (size < static_cast<int64_t>(kLocalRecordOverhead)) {
      return 0;
    }
    unsigned char trailer[4];
    auto got = preadFull(fd, reinterpret_cast<char*>(trailer), 4, size - 4);
    if (got.ok() && *got == 4) {
      uint32_t len = readBigEndian32(trailer);
      int64_t start = size - static_cast<int64_t>(len) - 8;
      if (len >= 9 && len <= kLocalMaxPayload && start >= 0 && headerMatches(fd, start, len)) {
        return size;
      }
    }
    // Rare (a reader racing the writer's single write): scan forward for the last whole record.
    int64_t pos = 0;
    int64_t lastEnd = 0;
    while (pos + 4 <= size) {
      unsigned char header[4];
      auto h = preadFull(fd, reinterpret_cast<char*>(header), 4, pos);
      if (!h.ok() || *h != 4) {
        break;
      }
      uint32_t len = readBigEndian32(header);
      if (len < 9 || len > kLocalMaxPayload || pos + len + 8 > size) {
        break;
      }
      pos += len + 8;
      lastEnd = pos;
    }
    return lastEnd;
  }
};

}  // namespace

std::unique_ptr<LogCodec> makeJsonFileCodec() { return std::make_unique<JsonFileCodec>(); }
std::unique_ptr<LogCodec> makeLocalCodec() { return std::make_unique<LocalCodec>(); }

}  // namespace berth
