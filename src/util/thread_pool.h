// A persistent pool of worker threads for data-parallel loops (matmul rows, attention heads).
// One pool per engine; Run() is called from one thread at a time (not re-entrant). Workers spin briefly
// after a job (the next matmul usually follows within microseconds) and then sleep on a condition variable.
// Workers may be pinned to distinct CPUs (distinct physical cores first, see Pinning); the calling thread stays
// unpinned (threads it creates later would inherit its mask).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace ingot {

// A non-owning reference to a callable, valid while the callable lives (a lambda passed to a call lives until
// the call returns). Unlike std::function it never allocates, so a job costs nothing to hand over.
template <typename Signature>
class FunctionRef;

template <typename R, typename... Args>
class FunctionRef<R(Args...)> {
 public:
  template <typename F, typename = std::enable_if_t<!std::is_same_v<std::decay_t<F>, FunctionRef>>>
  FunctionRef(F&& f)  // NOLINT(google-explicit-constructor): binds lambdas at call sites
      : object_(const_cast<void*>(static_cast<const void*>(std::addressof(f)))),
        call_([](void* o, Args... args) -> R {
          return (*static_cast<std::remove_reference_t<F>*>(o))(std::forward<Args>(args)...);
        }) {}
  R operator()(Args... args) const { return call_(object_, std::forward<Args>(args)...); }

 private:
  void* object_;
  R (*call_)(void*, Args...);
};

// When workers are pinned, one CPU each, taken from the calling thread's allowed set.
enum class Pinning {
  // Pin when the allowed set has more CPUs than the pool has threads (hyperthreads, or a machine larger than the
  // pool): then each worker gets its own physical core. With exactly as many CPUs as threads there is no choice
  // to make, and pinning only stops the OS from moving a worker off a CPU that another process is using
  // (measured 1-2% slower decode on a 2-vCPU VM).
  kAuto,
  kAlways,  // pin whenever the allowed set has at least as many CPUs as threads
  kNever,
};

class ThreadPool {
 public:
  // n_threads includes the calling thread; 0 means the number of physical cores.
  explicit ThreadPool(int n_threads = 0, Pinning pinning = Pinning::kAuto);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return n_threads_; }
  // Number of workers pinned to a CPU (0 when not pinned by policy, too few allowed CPUs, or the OS refused).
  int pinned() const { return pinned_; }

  // Calls fn(thread_index, n_threads) once on every thread (the caller is thread 0) and waits for all.
  void Run(FunctionRef<void(int, int)> fn);

  // Splits [0, n) into contiguous chunks of at least `grain` items and calls fn(begin, end) for each, on whichever
  // thread takes the chunk. Dynamic, guided scheduling: a chunk is a fixed share of what is left, so chunks start
  // large (few hand-offs) and shrink toward `grain` at the end (the threads finish together); a descheduled
  // worker never stalls the caller, which only waits for chunks already started.
  void ParallelFor(size_t n, size_t grain, FunctionRef<void(size_t, size_t)> fn);
  // Same, also passing the index (0..size()-1) of the thread running the chunk, for per-thread scratch buffers.
  void ParallelForIndexed(size_t n, size_t grain, FunctionRef<void(size_t, size_t, int)> fn);

 private:
  void WorkerLoop(int index);
  void RunChunks(int thread);
  // Claims the next chunk of the open job into [begin, end); false when none is left.
  bool NextChunk(size_t& begin, size_t& end);

  // The ParallelFor job being run (valid while open_gen_ == its generation).
  struct ChunkJob {
    const FunctionRef<void(size_t, size_t, int)>* fn = nullptr;
    size_t n = 0;
    size_t grain = 1;
    size_t divisor = 1;  // a chunk is (items left) / divisor, at least grain
    std::atomic<size_t> next{0};
  };
  ChunkJob chunks_;
  std::atomic<uint64_t> open_gen_{0};  // generation of the open chunk job; 0 when none
  std::atomic<int> active_{0};         // workers inside the open chunk job

  int n_threads_;
  int pinned_ = 0;
  std::vector<std::thread> workers_;
  const FunctionRef<void(int, int)>* job_ = nullptr;  // the Run() job, for generation job_gen_
  std::atomic<uint64_t> job_gen_{0};
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::condition_variable wake_;
};

}  // namespace ingot
