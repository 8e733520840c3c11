// SHA-256 of byte streams and files (OpenSSL EVP), as lowercase hex.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "util/status.h"

namespace ingot::store {

// Incremental hasher. Not thread-safe; one per stream.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(const void* data, size_t size);
  std::string HexDigest();  // finishes the hash; Update after this is a programmer error

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Hash of a whole file, read in 1 MiB chunks.
Result<std::string> Sha256File(const std::string& path);

}  // namespace ingot::store
