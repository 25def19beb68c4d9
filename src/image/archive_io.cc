#include "image/archive_io.h"

#include <cerrno>
#include <cstring>

namespace berth::image {

namespace {
constexpr size_t kChunk = size_t{256} * 1024;
}  // namespace

Result<size_t> MemorySource::read(char* buf, size_t n) {
  size_t take = std::min(n, data_.size() - pos_);
  std::memcpy(buf, data_.data() + pos_, take);
  pos_ += take;
  return take;
}

Result<size_t> HashingSource::read(char* buf, size_t n) {
  BERTH_ASSIGN_OR_RETURN(size_t got, inner_.read(buf, n));
  if (got > 0) {
    hash_.update(buf, got);
    bytes_ += got;
    if (tee_) {
      BERTH_TRY(tee_(std::string_view(buf, got)));
    }
  }
  return got;
}

Status HashingSource::drain() {
  std::string buf(kChunk, '\0');
  while (true) {
    BERTH_ASSIGN_OR_RETURN(size_t got, read(buf.data(), buf.size()));
    if (got == 0) {
      return okStatus();
    }
  }
}

ArchiveReader::ArchiveReader(ByteSource& src, Mode mode) : src_(src), mode_(mode) {}

ArchiveReader::~ArchiveReader() {
  if (a_ != nullptr) {
    archive_read_free(a_);
  }
}

la_ssize_t ArchiveReader::onRead(struct archive* a, void* self, const void** buffer) {
  auto* r = static_cast<ArchiveReader*>(self);
  if (r->buf_.empty()) {
    r->buf_.resize(kChunk);
  }
  Result<size_t> got = r->src_.read(r->buf_.data(), r->buf_.size());
  if (!got.ok()) {
    r->sourceError_ = got.error();
    archive_set_error(a, EIO, "%s", got.error().message().c_str());
    return -1;
  }
  *buffer = r->buf_.data();
  return static_cast<la_ssize_t>(*got);
}

Error ArchiveReader::fail(std::string_view op) {
  if (sourceError_) {
    return *sourceError_;
  }
  const char* raw = a_ != nullptr ? archive_error_string(a_) : nullptr;
  std::string msg = raw != nullptr ? raw : "unknown archive error";
  if (op == "open") {
    return invalidArgument("invalid " + what_ + ": not a tar archive (" + msg + ")");
  }
  return invalidArgument("invalid " + what_ + ": " + std::string(op) + ": " + msg);
}

Status ArchiveReader::open(std::string_view what) {
  what_ = std::string(what);
  a_ = archive_read_new();
  if (a_ == nullptr) {
    return internal("archive_read_new failed");
  }
  if (mode_ != Mode::kPlainTar) {
    // What docker accepts. Not filter_all: weak bidders (uu, lzma, rpm, ...)
    // could take a plain tar whose first name happens to look like their magic.
    archive_read_support_filter_gzip(a_);
    archive_read_support_filter_bzip2(a_);
    archive_read_support_filter_xz(a_);
    archive_read_support_filter_zstd(a_);
  }
  if (mode_ == Mode::kDecompress) {
    archive_read_support_format_raw(a_);
    archive_read_support_format_empty(a_);
  } else {
    archive_read_support_format_tar(a_);
    archive_read_support_format_gnutar(a_);
  }
  if (archive_read_open2(a_, this, nullptr, onRead, nullptr, nullptr) != ARCHIVE_OK) {
    return fail("open");
  }
  return okStatus();
}

Result<archive_entry*> ArchiveReader::next() {
  archive_entry* entry = nullptr;
  int rc = archive_read_next_header(a_, &entry);
  if (rc == ARCHIVE_EOF) {
    return static_cast<archive_entry*>(nullptr);
  }
  if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) {
    return fail("read header");
  }
  return entry;
}

Result<size_t> ArchiveReader::read(char* buf, size_t n) {
  la_ssize_t got = archive_read_data(a_, buf, n);
  if (got < 0) {
    return fail("read data");
  }
  return static_cast<size_t>(got);
}

Result<bool> ArchiveReader::readBlock(const void** buf, size_t* size, int64_t* offset) {
  la_int64_t off = 0;
  int rc = archive_read_data_block(a_, buf, size, &off);
  if (rc == ARCHIVE_EOF) {
    return false;
  }
  if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) {
    return fail("read data");
  }
  *offset = off;
  return true;
}

Status DecompressSource::open(std::string_view what) {
  BERTH_TRY(reader_.open(what));
  BERTH_ASSIGN_OR_RETURN(archive_entry * entry, reader_.next());
  empty_ = entry == nullptr;
  return okStatus();
}

Result<size_t> DecompressSource::read(char* buf, size_t n) {
  if (empty_) {
    return size_t{0};
  }
  return reader_.read(buf, n);
}

ArchiveWriter::ArchiveWriter(Sink sink) : sink_(std::move(sink)) {}

ArchiveWriter::~ArchiveWriter() {
  if (a_ != nullptr) {
    archive_write_free(a_);
  }
}

la_ssize_t ArchiveWriter::onWrite(struct archive* a, void* self, const void* buffer,
                                  size_t length) {
  auto* w = static_cast<ArchiveWriter*>(self);
  Status st = w->sink_(std::string_view(static_cast<const char*>(buffer), length));
  if (!st.ok()) {
    w->sinkError_ = st.error();
    archive_set_error(a, EIO, "%s", st.error().message().c_str());
    return -1;
  }
  return static_cast<la_ssize_t>(length);
}

Error ArchiveWriter::fail(std::string_view op) {
  if (sinkError_) {
    return *sinkError_;
  }
  const char* msg = archive_error_string(a_);
  return internal("write archive: " + std::string(op) + ": " + (msg != nullptr ? msg : "error"));
}

Status ArchiveWriter::open(Format format) {
  a_ = archive_write_new();
  if (a_ == nullptr) {
    return internal("archive_write_new failed");
  }
  if (format == Format::kPaxTar) {
    archive_write_set_format_pax_restricted(a_);
  } else {
    archive_write_add_filter_gzip(a_);
    // Level 1: the copy is for export only, speed matters more than size.
    archive_write_set_filter_option(a_, "gzip", "compression-level", "1");
    archive_write_set_format_raw(a_);
  }
  // No padding of the last block: a compressed stream must end where it ends.
  archive_write_set_bytes_in_last_block(a_, 1);
  if (archive_write_open2(a_, this, nullptr, onWrite, nullptr, nullptr) != ARCHIVE_OK) {
    return fail("open");
  }
  return okStatus();
}

Status ArchiveWriter::writeHeader(archive_entry* entry) {
  if (archive_write_header(a_, entry) != ARCHIVE_OK) {
    return fail("header");
  }
  return okStatus();
}

Status ArchiveWriter::writeData(std::string_view data) {
  while (!data.empty()) {
    la_ssize_t n = archive_write_data(a_, data.data(), data.size());
    if (n < 0) {
      return fail("data");
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return okStatus();
}

Status ArchiveWriter::close() {
  if (closed_) {
    return okStatus();
  }
  closed_ = true;
  if (archive_write_close(a_) != ARCHIVE_OK) {
    return fail("close");
  }
  return okStatus();
}

Status ArchiveWriter::addFile(const std::string& name, std::string_view data, unsigned mode,
                              int64_t mtime) {
  archive_entry* e = archive_entry_new();
  archive_entry_set_pathname(e, name.c_str());
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_perm(e, mode);
  archive_entry_set_size(e, static_cast<la_int64_t>(data.size()));
  archive_entry_set_mtime(e, mtime, 0);
  Status st = writeHeader(e);
  archive_entry_free(e);
  BERTH_TRY(st);
  return writeData(data);
}

Status ArchiveWriter::addDir(const std::string& name, int64_t mtime) {
  archive_entry* e = archive_entry_new();
  archive_entry_set_pathname(e, name.c_str());
  archive_entry_set_filetype(e, AE_IFDIR);
  archive_entry_set_perm(e, 0755);
  archive_entry_set_mtime(e, mtime, 0);
  Status st = writeHeader(e);
  archive_entry_free(e);
  return st;
}

}  // namespace berth::image
