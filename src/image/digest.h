// sha256 digests through OpenSSL EVP: image ids, diff ids, blob digests.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace berth::image {

// An incremental sha256. Not thread-safe; one per stream.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(const void* data, size_t n);
  void update(std::string_view s) { update(s.data(), s.size()); }
  // 64 lowercase hex digits; the hasher must not be used afterwards.
  std::string hexDigest();
  // "sha256:<hex>"
  std::string digest() { return "sha256:" + hexDigest(); }

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};

std::string sha256Hex(std::string_view data);
inline std::string sha256Digest(std::string_view data) { return "sha256:" + sha256Hex(data); }

// "sha256:<hex>" → "<hex>" (the input unchanged when it has no "sha256:").
std::string_view digestHex(std::string_view digest);

}  // namespace berth::image
