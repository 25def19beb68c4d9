// libarchive behind RAII and pull sources, so that a layer can be read from
// memory, from an entry of an outer archive, or from a compressed file alike.
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "image/digest.h"

namespace berth::image {

// A pull source of bytes. read() returns 0 only at the end.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  virtual Result<size_t> read(char* buf, size_t n) = 0;
};

class MemorySource final : public ByteSource {
 public:
  explicit MemorySource(std::string_view data) : data_(data) {}
  Result<size_t> read(char* buf, size_t n) override;

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

// Passes bytes through while hashing and counting them, and hands each chunk
// to `tee` when set (to keep a copy of the stream).
class HashingSource final : public ByteSource {
 public:
  using Tee = std::function<Status(std::string_view)>;
  HashingSource(ByteSource& inner, Tee tee = nullptr) : inner_(inner), tee_(std::move(tee)) {}
  Result<size_t> read(char* buf, size_t n) override;
  // Reads the rest of the stream (the tar padding a reader leaves behind).
  Status drain();
  std::string digest() { return hash_.digest(); }
  uint64_t bytes() const { return bytes_; }

 private:
  ByteSource& inner_;
  Tee tee_;
  Sha256 hash_;
  uint64_t bytes_ = 0;
};

// A libarchive read handle over a ByteSource.
class ArchiveReader {
 public:
  enum class Mode {
    kTar,         // a tar archive, compressed or not
    kPlainTar,    // a tar archive that is not compressed (already inflated)
    kDecompress,  // one stream, inflated (gzip, bzip2, xz, zstd, or stored as is)
  };
  ArchiveReader(ByteSource& src, Mode mode);
  ~ArchiveReader();
  ArchiveReader(const ArchiveReader&) = delete;
  ArchiveReader& operator=(const ArchiveReader&) = delete;

  // Opens the archive; `what` names it in errors ("layer", "image archive").
  Status open(std::string_view what);
  // The next entry, or nullptr at the end of the archive.
  Result<archive_entry*> next();
  // Data of the current entry; 0 at its end.
  Result<size_t> read(char* buf, size_t n);
  // Data of the current entry as blocks with offsets (holes of sparse files skipped).
  Result<bool> readBlock(const void** buf, size_t* size, int64_t* offset);

 private:
  static la_ssize_t onRead(struct archive* a, void* self, const void** buffer);
  Error fail(std::string_view op);

  ByteSource& src_;
  Mode mode_;
  struct archive* a_ = nullptr;
  std::string what_;
  std::string buf_;
  std::optional<Error> sourceError_;
};

// The inflated bytes of a possibly compressed stream.
class DecompressSource final : public ByteSource {
 public:
  explicit DecompressSource(ByteSource& src) : reader_(src, ArchiveReader::Mode::kDecompress) {}
  Status open(std::string_view what);
  Result<size_t> read(char* buf, size_t n) override;

 private:
  ArchiveReader reader_;
  bool empty_ = false;
};

// The data of the current entry of an outer archive, as a source.
class EntrySource final : public ByteSource {
 public:
  explicit EntrySource(ArchiveReader& reader) : reader_(reader) {}
  Result<size_t> read(char* buf, size_t n) override { return reader_.read(buf, n); }

 private:
  ArchiveReader& reader_;
};

// A libarchive write handle that hands its output to `sink`.
class ArchiveWriter {
 public:
  using Sink = std::function<Status(std::string_view)>;
  enum class Format { kPaxTar, kGzipRaw };
  explicit ArchiveWriter(Sink sink);
  ~ArchiveWriter();
  ArchiveWriter(const ArchiveWriter&) = delete;
  ArchiveWriter& operator=(const ArchiveWriter&) = delete;

  Status open(Format format);
  Status writeHeader(archive_entry* entry);
  Status writeData(std::string_view data);
  // Flushes and ends the archive; must be called for the output to be complete.
  Status close();

  // Convenience for small files of an archive being built.
  Status addFile(const std::string& name, std::string_view data, unsigned mode = 0644,
                 int64_t mtime = 0);
  Status addDir(const std::string& name, int64_t mtime = 0);

 private:
  static la_ssize_t onWrite(struct archive* a, void* self, const void* buffer, size_t length);
  Error fail(std::string_view op);

  Sink sink_;
  struct archive* a_ = nullptr;
  std::optional<Error> sinkError_;
  bool closed_ = false;
};

}  // namespace berth::image
