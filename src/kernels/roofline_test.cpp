// The machine-limit loops of every compiled ISA the CPU supports: the read pass sums exactly what a plain
// loop sums, the int8 peak loop reports its work; and the measurements give positive numbers.
#include "kernels/roofline.h"

#include <cstring>
#include <numeric>
#include <vector>

#include <gtest/gtest.h>

#include "kernels/kernel_table.h"
#include "kernels/kernels.h"

namespace ingot::kernels {
namespace {

TEST(Roofline, ReadPassSumsEveryWordOnEveryIsa) {
  for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512, Isa::kAvx512Vnni}) {
    if (!IsaSupported(isa)) continue;
    SetActiveIsa(isa);
    for (size_t bytes : {0, 256, 512, 4096 + 256}) {
      // 16 KiB of slack past the end: the pass prefetches (never reads) that far ahead.
      std::vector<uint64_t> words((bytes + 16 * 1024) / 8 + 8);
      auto* p = reinterpret_cast<uint8_t*>(words.data());
      p += (64 - reinterpret_cast<uintptr_t>(p) % 64) % 64;
      uint64_t want = 0;
      for (size_t i = 0; i < bytes / 8; ++i) {
        const uint64_t v = i * 0x9E3779B97F4A7C15ull;
        std::memcpy(p + 8 * i, &v, 8);
        want += v;
      }
      EXPECT_EQ(ActiveTable().read_pass(p, bytes), want) << IsaName(isa) << " bytes=" << bytes;
    }
    int32_t sink = 0;
    EXPECT_GT(ActiveTable().int8_peak(10, &sink), 0u) << IsaName(isa);
    EXPECT_EQ(ActiveTable().int8_peak(0, &sink), 0u) << IsaName(isa);
  }
  SetActiveIsa(BestIsa());
}

TEST(Roofline, MeasurementsArePositive) {
  ThreadPool pool(2);
  EXPECT_GT(MeasureReadBandwidth(pool, 1 << 20, 1), 0);
  EXPECT_EQ(MeasureReadBandwidth(pool, 0, 1), 0);
  EXPECT_GT(MeasureInt8Peak(pool, 1), 0);
  EXPECT_GE(BandwidthBufferBytes(), size_t(1) << 20);
}

}  // namespace
}  // namespace ingot::kernels
