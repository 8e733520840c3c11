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
  // Bytes of the mapping the kernel maps through 2 MiB pages (Linux: FilePmdMapped in /proc/self/smaps; 0
  // elsewhere). Only pages touched so far count.
  size_t HugePageBytes() const;
  // Maps [p, p + bytes) (inside the mapping) through 4 KiB pages: for data read sparsely, such as an embedding
  // table of which a token reads one row, where a 2 MiB page would bring 2 MiB into memory for each row.
  // Advisory; the whole 4 KiB pages inside the range only.
  void AdviseSparse(const uint8_t* p, size_t bytes) const;

 private:
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  std::string path_;
};

// Writes the file's dirty pages and drops it from the page cache. For files just written (downloads,
// quantize): the write path fills the cache with small folios, which the file would keep until evicted, and
// read back through a MappedFile it comes in 2 MiB folios that the kernel maps through 2 MiB pages.
Status DropFromPageCache(const std::string& path);

// Reads a whole (small) file into a string.
Result<std::string> ReadFileToString(const std::string& path);
// Writes atomically: to path + ".tmp", then rename.
Status WriteStringToFile(const std::string& path, const std::string& contents);

}  // namespace ingot
