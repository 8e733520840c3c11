// Tests for ThreadPool scheduling (guided chunks cover every index once, grain and thread indices respected)
// and for worker pinning.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <set>
#include <utility>
#include <vector>

#if defined(__linux__)
#include <sched.h>
#endif

#include "util/cpu.h"
#include "util/thread_pool.h"

namespace ingot {
namespace {

struct Chunk {
  size_t begin, end;
  int thread;
};

TEST(ThreadPoolGuidedTest, EveryIndexOnceUnderManyShapes) {
  for (int threads : {1, 2, 3, 4, 7}) {
    ThreadPool pool(threads);
    for (size_t n : {1u, 2u, 3u, 5u, 8u, 15u, 16u, 17u, 63u, 100u, 1000u, 4097u, 100003u}) {
      for (size_t grain : {0u, 1u, 2u, 3u, 7u, 16u, 64u, 1000u, 200000u}) {
        std::vector<std::atomic<int>> hits(n);
        std::mutex mu;
        std::vector<Chunk> chunks;
        pool.ParallelForIndexed(n, grain, [&](size_t b, size_t e, int thread) {
          for (size_t i = b; i < e; ++i) hits[i].fetch_add(1, std::memory_order_relaxed);
          std::lock_guard<std::mutex> lock(mu);
          chunks.push_back({b, e, thread});
        });
        for (size_t i = 0; i < n; ++i) ASSERT_EQ(hits[i].load(), 1) << "n " << n << " grain " << grain << " i " << i;
        const size_t g = std::max<size_t>(grain, 1);
        for (const Chunk& c : chunks) {
          ASSERT_LT(c.begin, c.end);
          ASSERT_GE(c.thread, 0);
          ASSERT_LT(c.thread, threads);
          // Every chunk but the last holds at least a grain; guided chunks shrink to a grain at the end.
          if (c.end < n) {
            ASSERT_GE(c.end - c.begin, g) << "n " << n << " grain " << grain;
          } else if (threads > 1 && n > g) {
            ASSERT_LE(c.end - c.begin, g) << "n " << n << " grain " << grain;
          }
        }
      }
    }
  }
}

TEST(ThreadPoolGuidedTest, ChunksShrinkTowardTheEnd) {
  ThreadPool pool(2);
  std::mutex mu;
  std::vector<std::pair<size_t, size_t>> chunks;
  pool.ParallelFor(10000, 1, [&](size_t b, size_t e) {
    std::lock_guard<std::mutex> lock(mu);
    chunks.emplace_back(b, e);
  });
  std::sort(chunks.begin(), chunks.end());
  ASSERT_GE(chunks.size(), 8u);
  // Far fewer chunks than items, and every chunk no larger than the one before it in index order.
  EXPECT_LT(chunks.size(), 100u);
  for (size_t i = 1; i < chunks.size(); ++i) {
    EXPECT_LE(chunks[i].second - chunks[i].first, chunks[i - 1].second - chunks[i - 1].first);
  }
}

TEST(ThreadPoolGuidedTest, BackToBackJobsOfDifferentShapes) {
  ThreadPool pool(3);
  std::vector<int> data(5000, 0);
  for (int rep = 0; rep < 3000; ++rep) {
    const size_t n = size_t(rep * 37 % 4999) + 1;
    const size_t grain = size_t(rep % 13);
    pool.ParallelFor(n, grain, [&](size_t b, size_t e) {
      for (size_t i = b; i < e; ++i) ++data[i];
    });
  }
  size_t expected_total = 0;
  for (int rep = 0; rep < 3000; ++rep) expected_total += size_t(rep * 37 % 4999) + 1;
  size_t total = 0;
  for (int v : data) total += size_t(v);
  EXPECT_EQ(total, expected_total);
}

TEST(CpuAffinityTest, AllowedCpusAreDistinct) {
  const std::vector<int> cpus = AllowedCpusByCore();
  std::set<int> unique(cpus.begin(), cpus.end());
  EXPECT_EQ(unique.size(), cpus.size());
  for (int cpu : cpus) EXPECT_GE(cpu, 0);
}

TEST(CpuAffinityTest, WorkersPinnedToDistinctCpusWhenThereAreEnough) {
  const std::vector<int> cpus = AllowedCpusByCore();
  if (cpus.size() < 2) GTEST_SKIP() << "one allowed CPU: nothing to pin";
  ThreadPool pool(2, Pinning::kAlways);
  EXPECT_EQ(pool.pinned(), 1);
#if defined(__linux__)
  std::vector<int> allowed_of_worker(2, -1);
  pool.Run([&](int t, int) {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) == 0) allowed_of_worker[size_t(t)] = CPU_COUNT(&set);
  });
  EXPECT_EQ(allowed_of_worker[1], 1);                    // the worker runs on one CPU
  EXPECT_EQ(allowed_of_worker[0], int(cpus.size()));     // the caller keeps its mask
#endif
}

TEST(CpuAffinityTest, AutoPinsOnlyWithMoreCpusThanThreads) {
  const std::vector<int> cpus = AllowedCpusByCore();
  const int n = int(cpus.size());
  if (n < 2) GTEST_SKIP() << "one allowed CPU: nothing to pin";
  EXPECT_EQ(ThreadPool(n).pinned(), 0);
  EXPECT_EQ(ThreadPool(n, Pinning::kAlways).pinned(), n - 1);
  EXPECT_EQ(ThreadPool(n - 1).pinned(), n - 2);
  EXPECT_EQ(ThreadPool(n - 1, Pinning::kNever).pinned(), 0);
}

TEST(CpuAffinityTest, MoreThreadsThanCpusStayUnpinned) {
  const std::vector<int> cpus = AllowedCpusByCore();
  ThreadPool pool(int(cpus.size()) + 1, Pinning::kAlways);
  EXPECT_EQ(pool.pinned(), 0);
  std::atomic<int> calls{0};
  pool.Run([&](int, int) { calls++; });
  EXPECT_EQ(calls.load(), int(cpus.size()) + 1);
}

}  // namespace
}  // namespace ingot
