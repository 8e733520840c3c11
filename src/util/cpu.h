// What the CPU can do: physical core count and SIMD features, probed once at start-up.
#pragma once

#include <cstddef>
#include <string>
#include <thread>
#include <vector>

namespace ingot {

struct CpuFeatures {
  bool avx2 = false;
  bool fma = false;
  bool f16c = false;
  bool avx512f = false;
  bool avx512bw = false;
  bool avx512vl = false;
  bool avx512vnni = false;
  bool avx512bf16 = false;
  bool avxvnni = false;
};

const CpuFeatures& GetCpuFeatures();

// Physical cores (hyperthreads counted once); falls back to the logical count.
int PhysicalCoreCount();

// The CPUs the calling thread may run on (its affinity mask), the first CPU of each physical core first (in CPU
// order), then their hyperthread siblings; empty when the OS does not say.
std::vector<int> AllowedCpusByCore();

// Restricts thread t to run on `cpu` only; false when the OS refuses (or has no affinity call).
bool PinThread(std::thread& t, int cpu);

// Size of the largest (last-level) data or unified cache from sysfs, in bytes; 0 when unknown.
size_t LastLevelCacheBytes();

// Total and available system memory in bytes (from /proc/meminfo); 0 when unknown.
struct MemoryInfo {
  size_t total = 0;
  size_t available = 0;
};
MemoryInfo GetMemoryInfo();

}  // namespace ingot
