// Minimal leveled logging to stderr. Thread-safe (one line per call is written atomically).
#pragma once

#include <string_view>

namespace ingot {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3, kOff = 4 };

void SetLogLevel(LogLevel level);
LogLevel GetLogLevel();
void LogLine(LogLevel level, std::string_view message);

inline void LogDebug(std::string_view m) { LogLine(LogLevel::kDebug, m); }
inline void LogInfo(std::string_view m) { LogLine(LogLevel::kInfo, m); }
inline void LogWarn(std::string_view m) { LogLine(LogLevel::kWarn, m); }
inline void LogError(std::string_view m) { LogLine(LogLevel::kError, m); }

}  // namespace ingot
