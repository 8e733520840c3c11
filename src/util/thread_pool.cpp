// ThreadPool: generation counter to publish jobs, spin-then-sleep workers, atomic countdown to join.
#include "util/thread_pool.h"

#include <algorithm>

#include "util/cpu.h"

namespace ingot {

namespace {
// About 50 microseconds of spinning on this class of CPU: long enough to bridge the gap between two
// consecutive matmuls of one forward pass, short enough not to burn a core while the server is idle.
constexpr int kSpinIterations = 20000;

inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}
}  // namespace

ThreadPool::ThreadPool(int n_threads) {
  n_threads_ = n_threads > 0 ? n_threads : std::max(1, PhysicalCoreCount());
  for (int i = 1; i < n_threads_; ++i) workers_.emplace_back([this, i] { WorkerLoop(i); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_.store(true);
    generation_.fetch_add(1);
  }
  wake_.notify_all();
  for (auto& t : workers_) t.join();
}

void ThreadPool::Run(const std::function<void(int, int)>& fn) {
  if (n_threads_ == 1) {
    fn(0, 1);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    job_ = &fn;
    pending_.store(n_threads_ - 1, std::memory_order_relaxed);
    const uint64_t gen = generation_.load() + 1;
    job_gen_.store(gen, std::memory_order_release);
    generation_.store(gen, std::memory_order_release);
  }
  wake_.notify_all();
  fn(0, n_threads_);
  // Spin while the other threads are likely still running their share; then yield, so that on an oversubscribed
  // machine the caller does not burn the time slice a descheduled worker needs to finish.
  for (int spins = 0; pending_.load(std::memory_order_acquire) != 0; ++spins) {
    if (spins < kSpinIterations) {
      CpuRelax();
    } else {
      std::this_thread::yield();
    }
  }
}

void ThreadPool::WorkerLoop(int index) {
  uint64_t seen = 0;
  for (;;) {
    int spins = 0;
    while (generation_.load(std::memory_order_acquire) == seen && spins < kSpinIterations) {
      CpuRelax();
      ++spins;
    }
    if (generation_.load(std::memory_order_acquire) == seen) {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait(lock, [&] { return generation_.load() != seen; });
    }
    seen = generation_.load(std::memory_order_acquire);
    if (stop_.load()) return;
    // A chunk job: join only while it is still open (the caller may have finished it alone).
    active_.fetch_add(1, std::memory_order_seq_cst);
    if (open_gen_.load(std::memory_order_seq_cst) == seen) {
      RunChunks(index);
      active_.fetch_sub(1, std::memory_order_release);
      continue;
    }
    active_.fetch_sub(1, std::memory_order_release);
    if (job_gen_.load(std::memory_order_acquire) == seen) {
      (*job_)(index, n_threads_);
      pending_.fetch_sub(1, std::memory_order_acq_rel);
    }
  }
}

void ThreadPool::RunChunks(int thread) {
  for (;;) {
    const size_t begin = chunks_.next.fetch_add(chunks_.chunk, std::memory_order_relaxed);
    if (begin >= chunks_.n) return;
    (*chunks_.fn)(begin, std::min(chunks_.n, begin + chunks_.chunk), thread);
  }
}

void ThreadPool::ParallelFor(size_t n, size_t grain, const std::function<void(size_t, size_t)>& fn) {
  ParallelForIndexed(n, grain, [&](size_t b, size_t e, int) { fn(b, e); });
}

void ThreadPool::ParallelForIndexed(size_t n, size_t grain, const std::function<void(size_t, size_t, int)>& fn) {
  if (n == 0) return;
  grain = std::max<size_t>(grain, 1);
  if (n_threads_ == 1 || n <= grain) {
    fn(0, n, 0);
    return;
  }
  // About four chunks per thread: enough to rebalance when a thread is slow, few enough that the shared
  // counter is touched rarely.
  const size_t chunk = std::max(grain, (n + 4 * size_t(n_threads_) - 1) / (4 * size_t(n_threads_)));
  uint64_t gen;
  {
    std::lock_guard<std::mutex> lock(mu_);
    chunks_.fn = &fn;
    chunks_.n = n;
    chunks_.chunk = chunk;
    chunks_.next.store(0, std::memory_order_relaxed);
    gen = generation_.load() + 1;
    open_gen_.store(gen, std::memory_order_seq_cst);
    generation_.store(gen, std::memory_order_release);
  }
  wake_.notify_all();
  RunChunks(0);
  open_gen_.store(0, std::memory_order_seq_cst);
  for (int spins = 0; active_.load(std::memory_order_acquire) != 0; ++spins) {
    if (spins < kSpinIterations) {
      CpuRelax();
    } else {
      std::this_thread::yield();
    }
  }
}

}  // namespace ingot
