// ThreadPool: generation counter to publish jobs, spin-then-sleep workers, guided chunks claimed by CAS,
// atomic countdown to join.
#include "util/thread_pool.h"

#include <algorithm>

#include "util/cpu.h"

namespace ingot {

namespace {
// About 50 microseconds of spinning on this class of CPU: long enough to bridge the gap between two
// consecutive matmuls of one forward pass, short enough not to burn a core while the server is idle.
constexpr int kSpinIterations = 20000;
// Guided scheduling: each chunk is 1 / (kChunksPerThread * threads) of the items left. The first chunks are
// large (a matmul's row range is handed out in about a dozen chunks), the last ones `grain` items, so the
// threads finish within a grain of each other; a descheduled worker holds at most a quarter of the work
// (two threads), which the caller then waits for.
constexpr size_t kChunksPerThread = 2;

inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}
}  // namespace

ThreadPool::ThreadPool(int n_threads, Pinning pinning) {
  n_threads_ = n_threads > 0 ? n_threads : std::max(1, PhysicalCoreCount());
  // Worker i on the i-th allowed CPU (distinct cores first); CPU 0 of the list is left to the caller. A pinned
  // worker keeps its caches and never shares a core with another worker of the pool.
  const std::vector<int> cpus =
      n_threads_ > 1 && pinning != Pinning::kNever ? AllowedCpusByCore() : std::vector<int>{};
  const size_t needed = size_t(n_threads_) + (pinning == Pinning::kAuto ? 1 : 0);
  const bool pin = !cpus.empty() && cpus.size() >= needed;
  for (int i = 1; i < n_threads_; ++i) {
    workers_.emplace_back([this, i] { WorkerLoop(i); });
    if (pin && PinThread(workers_.back(), cpus[size_t(i)])) ++pinned_;
  }
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

void ThreadPool::Run(FunctionRef<void(int, int)> fn) {
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

bool ThreadPool::NextChunk(size_t& begin, size_t& end) {
  begin = chunks_.next.load(std::memory_order_relaxed);
  do {
    if (begin >= chunks_.n) return false;
    const size_t left = chunks_.n - begin;
    end = begin + std::min(left, std::max(chunks_.grain, left / chunks_.divisor));
  } while (!chunks_.next.compare_exchange_weak(begin, end, std::memory_order_relaxed));
  return true;
}

void ThreadPool::RunChunks(int thread) {
  size_t begin = 0, end = 0;
  while (NextChunk(begin, end)) (*chunks_.fn)(begin, end, thread);
}

void ThreadPool::ParallelFor(size_t n, size_t grain, FunctionRef<void(size_t, size_t)> fn) {
  ParallelForIndexed(n, grain, [&](size_t b, size_t e, int) { fn(b, e); });
}

void ThreadPool::ParallelForIndexed(size_t n, size_t grain, FunctionRef<void(size_t, size_t, int)> fn) {
  if (n == 0) return;
  grain = std::max<size_t>(grain, 1);
  if (n_threads_ == 1 || n <= grain) {
    fn(0, n, 0);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    chunks_.fn = &fn;
    chunks_.n = n;
    chunks_.grain = grain;
    chunks_.divisor = kChunksPerThread * size_t(n_threads_);
    chunks_.next.store(0, std::memory_order_relaxed);
    const uint64_t gen = generation_.load() + 1;
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
