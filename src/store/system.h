// The few operating-system facts the store needs, behind small functions: advisory file locks, free disk space,
// physical memory (respecting a cgroup limit), the current time and whether a stream is a terminal.
#pragma once

#include <cstdint>
#include <string>

#include "util/status.h"

namespace ingot::store {

// An exclusive flock(2) on a lock file, released by the destructor (or when the process dies, so a crashed
// pull never leaves a stale lock). Move-only.
class FileLock {
 public:
  FileLock() = default;
  ~FileLock();
  FileLock(FileLock&& other) noexcept;
  FileLock& operator=(FileLock&& other) noexcept;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

  // Creates the file if needed. When another process holds the lock: blocks if `wait`, else kUnavailable.
  // *contended (may be null) is set when the lock was held by someone else at first try.
  static Result<FileLock> Acquire(const std::string& path, bool wait, bool* contended);

 private:
  int fd_ = -1;
};

// Bytes available to an unprivileged user on the file system holding `path` (statvfs f_bavail).
Result<uint64_t> FreeDiskBytes(const std::string& path);
// Physical memory: MemTotal from /proc/meminfo, lowered to a cgroup v2/v1 limit when one is set.
Result<uint64_t> DetectMemoryBytes();
// Creates a directory and its parents (mode 0755); ok when it exists.
Status MakeDirs(const std::string& path);
// Removes a file or a directory tree; ok when it does not exist.
Status RemoveAll(const std::string& path);
bool FileExists(const std::string& path);
// Size of a regular file (kNotFound when absent).
Result<uint64_t> FileSize(const std::string& path);
int64_t UnixSeconds();
bool IsTerminal(int fd);

}  // namespace ingot::store
