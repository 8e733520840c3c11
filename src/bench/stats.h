// Latency statistics for the HTTP load generator: percentiles by linear interpolation between closest ranks
// (the same definition as numpy's default), so numbers compare with vLLM's and llama.cpp's benchmark scripts.
#pragma once

#include <cstddef>
#include <vector>

namespace ingot::bench {

// The p-th percentile (0 <= p <= 100) of `sorted`, which must be sorted ascending. 0 for an empty input.
double PercentileOfSorted(const std::vector<double>& sorted, double p);

struct Summary {
  size_t count = 0;  // 0 means "no samples": every other field is then 0 and reports print "-" / null
  double mean = 0;
  double p50 = 0;
  double p90 = 0;
  double p99 = 0;
  double max = 0;
};

// Summarizes samples in any order (copies and sorts them).
Summary Summarize(std::vector<double> values);

}  // namespace ingot::bench
