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

TEST(VecTest, RowVariantsMatchScalarOnEveryIsa) {
  std::mt19937 rng(9);
  std::normal_distribution<float> nd;
  const Isa saved = ActiveIsa();
  for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512, Isa::kAvx512Vnni}) {
    if (!IsaSupported(isa)) continue;
    SetActiveIsa(isa);
    for (size_t n : {0u, 1u, 7u, 8u, 31u, 32u, 33u, 64u, 65u, 128u}) {
      for (size_t n_rows : {0u, 1u, 5u, 16u}) {
        const size_t stride = n + 3;
        std::vector<float> rows(n_rows * stride + 1), b(n), w(n_rows), out(n_rows), out_ref(n_rows);
        std::vector<uint16_t> hrows(rows.size());
        for (size_t i = 0; i < rows.size(); ++i) {
          rows[i] = nd(rng);
          hrows[i] = F32ToF16(nd(rng));
        }
        for (float& x : b) x = nd(rng);
        for (float& x : w) x = nd(rng);
        const float tol = 1e-5f * float(n + n_rows + 1);
        DotRowsF16(hrows.data() + 1, stride, n_rows, b.data(), n, out.data());
        for (size_t r = 0; r < n_rows; ++r) out_ref[r] = scalar::DotF16F32(hrows.data() + 1 + r * stride, b.data(), n);
        for (size_t r = 0; r < n_rows; ++r) EXPECT_NEAR(out[r], out_ref[r], tol) << IsaName(isa);
        DotRowsF32(rows.data() + 1, stride, n_rows, b.data(), n, out.data());
        for (size_t r = 0; r < n_rows; ++r) EXPECT_NEAR(out[r], scalar::DotF32(rows.data() + 1 + r * stride, b.data(), n), tol);
        std::vector<float> y(n, 0.5f), y_ref(n, 0.5f);
        AxpyRowsF16(w.data(), hrows.data() + 1, stride, n_rows, y.data(), n);
        AxpyRowsF32(w.data(), rows.data() + 1, stride, n_rows, y.data(), n);
        for (size_t r = 0; r < n_rows; ++r) {
          scalar::AxpyF16(w[r], hrows.data() + 1 + r * stride, y_ref.data(), n);
          scalar::AxpyF32(w[r], rows.data() + 1 + r * stride, y_ref.data(), n);
        }
        for (size_t i = 0; i < n; ++i) EXPECT_NEAR(y[i], y_ref[i], tol) << IsaName(isa) << " n=" << n;
      }
    }
  }
  SetActiveIsa(saved);
}

}  // namespace
}  // namespace ingot::kernels
