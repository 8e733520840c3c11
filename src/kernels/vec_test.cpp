// Vector primitives against their scalar twins on every ISA the CPU has: sizes 0..2×lanes+1, misaligned pointers.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "kernels/kernels.h"
#include "kernels/vec.h"
#include "util/fp16.h"

namespace ingot::kernels {
namespace {

TEST(VecTest, MatchesScalarOnEveryIsa) {
  std::mt19937 rng(7);
  std::normal_distribution<float> nd;
  const Isa saved = ActiveIsa();
  for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512, Isa::kAvx512Vnni}) {
    if (!IsaSupported(isa)) continue;
    SetActiveIsa(isa);
    for (size_t n = 0; n <= 2 * 16 + 1; ++n) {
      for (size_t offset : {0u, 1u, 3u}) {
        std::vector<float> a(n + offset), b(n + offset), y(n + offset), y_ref;
        std::vector<uint16_t> h(n + offset);
        for (size_t i = 0; i < a.size(); ++i) {
          a[i] = nd(rng);
          b[i] = nd(rng);
          y[i] = nd(rng);
          h[i] = F32ToF16(nd(rng));
        }
        const float* pa = a.data() + offset;
        const float* pb = b.data() + offset;
        const uint16_t* ph = h.data() + offset;
        const float tol = 1e-5f * float(n + 1);
        EXPECT_NEAR(DotF32(pa, pb, n), scalar::DotF32(pa, pb, n), tol) << IsaName(isa) << " n=" << n;
        EXPECT_NEAR(DotF16F32(ph, pb, n), scalar::DotF16F32(ph, pb, n), tol) << IsaName(isa) << " n=" << n;
        y_ref = y;
        AxpyF16(0.75f, ph, y.data() + offset, n);
        scalar::AxpyF16(0.75f, ph, y_ref.data() + offset, n);
        AxpyF32(-1.5f, pa, y.data() + offset, n);
        scalar::AxpyF32(-1.5f, pa, y_ref.data() + offset, n);
        for (size_t i = 0; i < y.size(); ++i) EXPECT_NEAR(y[i], y_ref[i], 1e-5f) << IsaName(isa) << " n=" << n;
      }
    }
  }
  SetActiveIsa(saved);
}

}  // namespace
}  // namespace ingot::kernels
