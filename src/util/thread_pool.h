// A persistent pool of worker threads for data-parallel loops (matmul rows, attention heads).
// One pool per engine; Run() is called from one thread at a time (not re-entrant). Workers spin briefly
// after a job (the next matmul usually follows within microseconds) and then sleep on a condition variable.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace ingot {

class ThreadPool {
 public:
  // n_threads includes the calling thread; 0 means the number of physical cores.
  explicit ThreadPool(int n_threads = 0);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return n_threads_; }

  // Calls fn(thread_index, n_threads) once on every thread (the caller is thread 0) and waits for all.
  void Run(const std::function<void(int, int)>& fn);

  // Splits [0, n) into contiguous chunks of at least `grain` items and calls fn(begin, end) for each, on whichever
  // thread takes the chunk (dynamic scheduling: a descheduled worker never stalls the caller, which only waits
  // for chunks already started).
  void ParallelFor(size_t n, size_t grain, const std::function<void(size_t, size_t)>& fn);
  // Same, also passing the index (0..size()-1) of the thread running the chunk, for per-thread scratch buffers.
  void ParallelForIndexed(size_t n, size_t grain, const std::function<void(size_t, size_t, int)>& fn);

 private:
  void WorkerLoop(int index);
  void RunChunks(int thread);

  // The ParallelFor job being run (valid while open_gen_ == its generation).
  struct ChunkJob {
    const std::function<void(size_t, size_t, int)>* fn = nullptr;
    size_t n = 0;
    size_t chunk = 1;
    std::atomic<size_t> next{0};
  };
  ChunkJob chunks_;
  std::atomic<uint64_t> open_gen_{0};  // generation of the open chunk job; 0 when none
  std::atomic<int> active_{0};         // workers inside the open chunk job

  int n_threads_;
  std::vector<std::thread> workers_;
  const std::function<void(int, int)>* job_ = nullptr;  // the Run() job, for generation job_gen_
  std::atomic<uint64_t> job_gen_{0};
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::condition_variable wake_;
};

}  // namespace ingot
