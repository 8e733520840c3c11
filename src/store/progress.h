// Download progress for a terminal (one redrawn bar line: percent, bytes, speed, ETA) or for logs (a plain line
// every 10% or 5 seconds, whichever comes first). Not thread-safe: one printer per pull.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

#include "store/bytes.h"
#include "store/http_fetch.h"

namespace ingot::store {

// "1:02:03", "4:05", "0:07"; "--:--" for a negative (unknown) duration.
std::string FormatDuration(double seconds);
// The bar line without carriage return, `width` columns for the bar itself:
// "[#########.........]  45%  1.17 GiB / 2.60 GiB  85.3 MiB/s  ETA 0:17"
std::string FormatProgressBar(const FetchProgress& p, int width);
// "45% of 2.60 GiB (1.17 GiB), 85.3 MiB/s, ETA 0:17"; without a total: "1.17 GiB, 85.3 MiB/s".
std::string FormatProgressLine(const FetchProgress& p);

class ProgressPrinter {
 public:
  ProgressPrinter(std::FILE* out, bool terminal) : out_(out), terminal_(terminal) {}

  void StartFile(const std::string& file, int part, int count);
  void Update(const FetchProgress& p);
  // Ends the current bar line (if any) and prints `line`.
  void Note(const std::string& line);

 private:
  void EndBar();

  std::FILE* out_;
  bool terminal_;
  bool bar_open_ = false;
  int last_decile_ = -1;
  std::chrono::steady_clock::time_point last_line_{};
};

}  // namespace ingot::store
