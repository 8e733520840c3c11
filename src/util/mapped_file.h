// A file mapped read-only into memory (for GGUF weights: views point into the mapping, nothing is copied).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "util/status.h"

namespace ingot {

class MappedFile {
 public:
  MappedFile() = default;
  ~MappedFile();
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  // Errors name the path: not found, permission, not a regular file, mmap failure.
  static Result<MappedFile> Open(const std::string& path);

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  std::string path_;
};

// Reads a whole (small) file into a string.
Result<std::string> ReadFileToString(const std::string& path);
// Writes atomically: to path + ".tmp", then rename.
Status WriteStringToFile(const std::string& path, const std::string& contents);

}  // namespace ingot
