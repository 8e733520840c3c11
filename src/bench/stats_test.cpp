// Tests for latency percentiles and summaries.
#include "bench/stats.h"

#include <gtest/gtest.h>

namespace ingot::bench {
namespace {

TEST(PercentileTest, InterpolatesBetweenClosestRanksLikeNumpy) {
  const std::vector<double> v = {1, 2, 3, 4};
  EXPECT_DOUBLE_EQ(PercentileOfSorted(v, 0), 1);
  EXPECT_DOUBLE_EQ(PercentileOfSorted(v, 50), 2.5);
  EXPECT_DOUBLE_EQ(PercentileOfSorted(v, 99), 3.97);
  EXPECT_DOUBLE_EQ(PercentileOfSorted(v, 100), 4);
  EXPECT_DOUBLE_EQ(PercentileOfSorted(v, 25), 1.75);
}

TEST(PercentileTest, EdgeCases) {
  EXPECT_DOUBLE_EQ(PercentileOfSorted({}, 50), 0);
  EXPECT_DOUBLE_EQ(PercentileOfSorted({7}, 0), 7);
  EXPECT_DOUBLE_EQ(PercentileOfSorted({7}, 99), 7);
  EXPECT_DOUBLE_EQ(PercentileOfSorted({1, 3}, -5), 1);
  EXPECT_DOUBLE_EQ(PercentileOfSorted({1, 3}, 250), 3);
}

TEST(SummaryTest, SortsAndSummarizes) {
  std::vector<double> v;
  for (int i = 100; i >= 1; --i) v.push_back(i);
  Summary s = Summarize(v);
  EXPECT_EQ(s.count, 100u);
  EXPECT_DOUBLE_EQ(s.mean, 50.5);
  EXPECT_DOUBLE_EQ(s.p50, 50.5);
  EXPECT_DOUBLE_EQ(s.p90, 90.1);
  EXPECT_DOUBLE_EQ(s.p99, 99.01);
  EXPECT_DOUBLE_EQ(s.max, 100);
}

TEST(SummaryTest, EmptyHasZeroCount) {
  Summary s = Summarize({});
  EXPECT_EQ(s.count, 0u);
  EXPECT_EQ(s.p99, 0);
}

}  // namespace
}  // namespace ingot::bench
