// The load generator's report: a Markdown-style table for people and JSON for scripts. Pure.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "bench/record.h"

namespace ingot::bench {

struct ServeBenchReport {
  std::string url;
  std::string model;  // as sent; empty when the server's default model was used
  int max_tokens = 0;
  std::optional<double> temperature;
  uint64_t seed = 0;
  std::string prompt_source;  // the prompt file, or "built-in"
  size_t prompt_count = 0;
  std::vector<LevelReport> levels;
};

// One header line, one row per concurrency level (latencies in milliseconds), then one line per kind of error
// with the first message seen.
std::string FormatTable(const ServeBenchReport& report);

// Times in milliseconds as {count, mean, p50, p90, p99, max} objects; null statistics when there were no samples.
nlohmann::json ReportJson(const ServeBenchReport& report);

}  // namespace ingot::bench
