// Logging: "2026-11-24T06:30:00Z I message" lines on stderr.
#include "util/log.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <string>

namespace ingot {

namespace {
std::atomic<LogLevel> g_level{LogLevel::kInfo};
std::mutex g_mu;
}  // namespace

void SetLogLevel(LogLevel level) { g_level.store(level); }
LogLevel GetLogLevel() { return g_level.load(); }

void LogLine(LogLevel level, std::string_view message) {
  if (level < g_level.load()) return;
  static const char kTag[] = {'D', 'I', 'W', 'E'};
  std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
  std::lock_guard<std::mutex> lock(g_mu);
  std::fprintf(stderr, "%s %c %.*s\n", stamp, kTag[int(level)], int(message.size()), message.data());
}

}  // namespace ingot
