// CPU probing: cpuid via the compiler builtins, core topology from /proc/cpuinfo and sysfs, memory from
// /proc/meminfo; thread affinity with sched_getaffinity / pthread_setaffinity_np on Linux.
#include "util/cpu.h"

#if defined(__linux__)
#include <pthread.h>
#include <sched.h>
#endif

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>
#include <utility>

namespace ingot {

const CpuFeatures& GetCpuFeatures() {
  static const CpuFeatures features = [] {
    CpuFeatures f;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    f.avx2 = __builtin_cpu_supports("avx2");
    f.fma = __builtin_cpu_supports("fma");
    f.avx512f = __builtin_cpu_supports("avx512f");
    f.avx512bw = __builtin_cpu_supports("avx512bw");
    f.avx512vl = __builtin_cpu_supports("avx512vl");
    f.avx512vnni = __builtin_cpu_supports("avx512vnni");
    f.avx512bf16 = __builtin_cpu_supports("avx512bf16");
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    // AVX-VNNI is CPUID leaf 7, sub-leaf 1, EAX bit 4 (not every compiler's __builtin_cpu_supports knows it).
    if (__get_cpuid_count(7, 1, &eax, &ebx, &ecx, &edx)) f.avxvnni = (eax >> 4) & 1;
    std::ifstream in("/proc/cpuinfo");
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("flags", 0) == 0) {
        f.f16c = line.find(" f16c") != std::string::npos;
        break;
      }
    }
#endif
    return f;
  }();
  return features;
}

int PhysicalCoreCount() {
  static const int count = [] {
    std::ifstream in("/proc/cpuinfo");
    std::set<std::pair<int, int>> cores;
    std::string line;
    int physical_id = 0;
    while (std::getline(in, line)) {
      auto value = [&] { return std::stoi(line.substr(line.find(':') + 1)); };
      if (line.rfind("physical id", 0) == 0) physical_id = value();
      if (line.rfind("core id", 0) == 0) cores.insert({physical_id, value()});
    }
    int logical = int(std::thread::hardware_concurrency());
    if (cores.empty()) return logical > 0 ? logical : 1;
    return int(cores.size());
  }();
  return count;
}

std::vector<int> AllowedCpusByCore() {
  std::vector<int> first, siblings;
#if defined(__linux__)
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) != 0) return {};
  std::set<std::pair<int, int>> seen;  // (package, core) already given a CPU
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (!CPU_ISSET(cpu, &set)) continue;
    const std::string dir = "/sys/devices/system/cpu/cpu" + std::to_string(cpu) + "/topology/";
    std::ifstream package_in(dir + "physical_package_id"), core_in(dir + "core_id");
    int package = 0, core = 0;
    // Without topology every CPU counts as its own core.
    if (!(package_in >> package) || !(core_in >> core)) {
      package = -1;
      core = cpu;
    }
    (seen.insert({package, core}).second ? first : siblings).push_back(cpu);
  }
#endif
  first.insert(first.end(), siblings.begin(), siblings.end());
  return first;
}

bool PinThread(std::thread& t, int cpu) {
#if defined(__linux__)
  if (cpu < 0 || cpu >= CPU_SETSIZE) return false;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return pthread_setaffinity_np(t.native_handle(), sizeof(set), &set) == 0;
#else
  (void)t;
  (void)cpu;
  return false;
#endif
}

size_t LastLevelCacheBytes() {
  size_t best = 0;
  for (int index = 0; index < 16; ++index) {
    const std::string dir = "/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(index) + "/";
    std::ifstream type_in(dir + "type"), size_in(dir + "size");
    std::string type, size;
    if (!(type_in >> type) || !(size_in >> size)) break;
    if (type == "Instruction" || size.empty()) continue;
    size_t value = 0;
    size_t i = 0;
    for (; i < size.size() && size[i] >= '0' && size[i] <= '9'; ++i) value = value * 10 + size_t(size[i] - '0');
    const char unit = i < size.size() ? size[i] : 'B';
    if (unit == 'K') value <<= 10;
    if (unit == 'M') value <<= 20;
    if (unit == 'G') value <<= 30;
    best = std::max(best, value);
  }
  return best;
}

MemoryInfo GetMemoryInfo() {
  MemoryInfo info;
  std::ifstream in("/proc/meminfo");
  std::string key;
  size_t kb = 0;
  std::string unit;
  while (in >> key >> kb >> unit) {
    if (key == "MemTotal:") info.total = kb * 1024;
    if (key == "MemAvailable:") info.available = kb * 1024;
  }
  return info;
}

}  // namespace ingot
