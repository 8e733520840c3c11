// Operating-system seams of the store: locks, disk space, memory, directories, time (see system.h).
#include "store/system.h"

#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

namespace ingot::store {

namespace fs = std::filesystem;

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);
}

FileLock::FileLock(FileLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }

FileLock& FileLock::operator=(FileLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

Result<FileLock> FileLock::Acquire(const std::string& path, bool wait, bool* contended) {
  if (contended != nullptr) *contended = false;
  FileLock lock;
  lock.fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock.fd_ < 0) return IoError("lock file " + path + ": " + std::strerror(errno));
  if (::flock(lock.fd_, LOCK_EX | LOCK_NB) == 0) return lock;
  if (errno != EWOULDBLOCK) return IoError("lock file " + path + ": " + std::strerror(errno));
  if (contended != nullptr) *contended = true;
  if (!wait) return Unavailable("another process holds " + path);
  while (::flock(lock.fd_, LOCK_EX) != 0) {
    if (errno != EINTR) return IoError("lock file " + path + ": " + std::strerror(errno));
  }
  return lock;
}

Result<uint64_t> FreeDiskBytes(const std::string& path) {
  struct statvfs st {};
  if (::statvfs(path.c_str(), &st) != 0) return IoError("statvfs " + path + ": " + std::strerror(errno));
  return uint64_t(st.f_bavail) * uint64_t(st.f_frsize);
}

namespace {

// A cgroup memory limit in bytes, or 0 when none ("max", absent, or absurdly large).
uint64_t CgroupLimit() {
  for (const char* file : {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}) {
    std::ifstream in(file);
    std::string text;
    if (!(in >> text) || text == "max") continue;
    char* end = nullptr;
    const unsigned long long v = std::strtoull(text.c_str(), &end, 10);
    if (end != text.c_str() && v > 0 && v < (1ULL << 60)) return v;
  }
  return 0;
}

}  // namespace

Result<uint64_t> DetectMemoryBytes() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  uint64_t kib = 0;
  std::string unit;
  uint64_t total = 0;
  while (in >> key >> kib >> unit) {
    if (key == "MemTotal:") {
      total = kib * 1024;
      break;
    }
  }
  if (total == 0) return Unavailable("cannot read MemTotal from /proc/meminfo; pass --memory");
  const uint64_t limit = CgroupLimit();
  return limit > 0 && limit < total ? limit : total;
}

Status MakeDirs(const std::string& path) {
  std::error_code ec;
  fs::create_directories(path, ec);
  if (ec) return IoError("cannot create directory " + path + ": " + ec.message());
  return Status::Ok();
}

Status RemoveAll(const std::string& path) {
  std::error_code ec;
  fs::remove_all(path, ec);
  if (ec) return IoError("cannot remove " + path + ": " + ec.message());
  return Status::Ok();
}

bool FileExists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

Result<uint64_t> FileSize(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return NotFound(path + ": no such file");
    return IoError(path + ": " + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) return InvalidArgument(path + ": not a regular file");
  return uint64_t(st.st_size);
}

int64_t UnixSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool IsTerminal(int fd) { return ::isatty(fd) == 1; }

}  // namespace ingot::store
