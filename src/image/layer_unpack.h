// Unpacks one layer tar into a directory in overlayfs form, hashing the
// inflated stream on the way: the hash is the layer's diff id.
#pragma once

#include <cstdint>
#include <string>

#include "common/result.h"
#include "image/archive_io.h"

namespace berth::image {

struct UnpackedLayer {
  std::string diffId;    // "sha256:<hex>" of the inflated tar stream
  int64_t size = 0;      // bytes of regular file content
  uint64_t tarSize = 0;  // bytes of the inflated tar stream
};

// Reads a tar (gzip/bzip2/xz/zstd compressed or not) from `src` into `dir`, an
// existing empty directory. Whiteouts become overlayfs whiteouts: ".wh.NAME" a
// char device 0/0 named NAME, ".wh..wh..opq" the xattr trusted.overlay.opaque=y
// on its directory. Modes, owners, times, symlinks, hardlinks, devices and
// xattrs are kept (trusted.overlay.* xattrs of the archive are dropped). Paths
// with "..", and paths that would pass through a symlink or a non-directory
// already in the layer, are refused. Every inflated byte goes to `tarCopy`
// when it is set. On error `dir` holds a partial tree for the caller to delete.
Result<UnpackedLayer> unpackLayer(ByteSource& src, const std::string& dir,
                                  const HashingSource::Tee& tarCopy = nullptr);

// The diff id and inflated size of a layer, without unpacking it.
Result<UnpackedLayer> hashLayer(ByteSource& src);

}  // namespace berth::image
