// Read bandwidth (a STREAM-like sum over a buffer far larger than the caches, peak_loop.h) and the int8 and tile
// unit peaks (the active ISA's peak loops, calibrated to about 50 ms, on every thread).
#include "kernels/roofline.h"

#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <vector>

#include "kernels/kernel_table.h"
#include "kernels/kernels.h"
#include "util/cpu.h"

namespace ingot::kernels {

namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

// The bandwidth buffer, in 2 MiB pages where the OS gives them (Linux transparent huge pages on request): the
// limit is what memory delivers to a stream that does not miss the TLB every 4 KiB, which is how the weights
// are mapped when their page cache is in 2 MiB folios (util/mapped_file.cpp). With 4 KiB pages this VM's read
// pass measured 10-15% lower, and decode from 2 MiB pages would have shown more than 100% of the roofline.
class HugeBuffer {
 public:
  explicit HugeBuffer(size_t bytes) : bytes_(bytes + kAlign) {
    void* p = mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return;
    base_ = static_cast<uint8_t*>(p);
    data_ = base_ + (kAlign - reinterpret_cast<uintptr_t>(base_) % kAlign) % kAlign;
#if defined(MADV_HUGEPAGE)
    madvise(data_, bytes, MADV_HUGEPAGE);
#endif
  }
  ~HugeBuffer() {
    if (base_ != nullptr) munmap(base_, bytes_);
  }
  HugeBuffer(const HugeBuffer&) = delete;
  HugeBuffer& operator=(const HugeBuffer&) = delete;
  uint8_t* data() const { return data_; }

 private:
  static constexpr size_t kAlign = size_t(2) << 20;
  size_t bytes_;
  uint8_t* base_ = nullptr;
  uint8_t* data_ = nullptr;
};

}  // namespace

size_t BandwidthBufferBytes() {
  constexpr size_t kMin = size_t(1) << 30;
  size_t bytes = std::max(kMin, 2 * LastLevelCacheBytes());
  const size_t available = GetMemoryInfo().available;
  if (available > 0) bytes = std::min(bytes, available / 4);
  return bytes;
}

double MeasureReadBandwidth(ThreadPool& pool, size_t bytes, int passes) {
  const ReadPassFn read = ActiveTable().read_pass;
  const auto n_threads = size_t(pool.size());
  const size_t slice = bytes / n_threads / 256 * 256;  // each thread's share, whole 256-byte steps
  if (slice == 0) return 0;
  // 16 KiB of slack: the read pass prefetches that far past the end of its slice.
  constexpr size_t kSlack = 16 * 1024;
  HugeBuffer storage(slice * n_threads + kSlack);
  if (storage.data() == nullptr) return 0;
  uint8_t* buf = storage.data();
  // Each thread first touches the slice it will read, so pages land on its memory node.
  pool.Run([&](int t, int) { std::memset(buf + size_t(t) * slice, t + 1, slice); });
  std::memset(buf + slice * n_threads, 0, kSlack);
  std::atomic<uint64_t> sink{0};
  double best = 0;
  for (int p = 0; p < passes; ++p) {
    const auto t0 = Clock::now();
    pool.Run([&](int t, int) { sink.fetch_add(read(buf + size_t(t) * slice, slice), std::memory_order_relaxed); });
    best = std::max(best, double(slice * n_threads) / Seconds(t0, Clock::now()));
  }
  return sink.load() == 1 ? 0 : best;  // the sum is never 1; reading it keeps the passes alive
}

namespace {

// Ops per second of `peak` on every pool thread at once: calibrated on one thread to about 50 ms, best of `runs`.
double MeasurePeak(ThreadPool& pool, PeakFn peak, int runs) {
  int32_t sink = 0;
  uint64_t iters = 1 << 10;
  for (;;) {
    const auto t0 = Clock::now();
    peak(iters, &sink);
    const double s = Seconds(t0, Clock::now());
    if (s > 0.01) {
      iters = std::max<uint64_t>(1, uint64_t(double(iters) * 0.05 / s));
      break;
    }
    iters *= 4;
  }
  double best = 0;
  std::vector<int32_t> sinks(size_t(pool.size()));
  for (int r = 0; r < runs; ++r) {
    std::atomic<uint64_t> ops{0};
    const auto t0 = Clock::now();
    pool.Run([&](int t, int) { ops.fetch_add(peak(iters, &sinks[size_t(t)]), std::memory_order_relaxed); });
    best = std::max(best, double(ops.load()) / Seconds(t0, Clock::now()));
  }
  return best;
}

}  // namespace

double MeasureInt8Peak(ThreadPool& pool, int runs) { return MeasurePeak(pool, ActiveTable().int8_peak, runs); }

double MeasureMatrixPeak(ThreadPool& pool, int runs) {
  const PeakFn peak = ActiveTable().matrix_peak;
  return peak == nullptr ? 0 : MeasurePeak(pool, peak, runs);
}

}  // namespace ingot::kernels
