// The packed GEMM paths (AVX-512 VNNI, vnni_gemm.h; AMX, kernels_amx.cpp) against the scalar Gemm or the exact
// product: sizes around the 16-token groups, 8-row and 16-row tiles and the AMX panel, misaligned inputs, and
// results independent of row ranges and token counts.
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "kernels/kernels.h"
#include "quant/quant.h"

namespace ingot::kernels {
namespace {

constexpr DType kPackedTypes[] = {DType::kQ8_0, DType::kQ4_0, DType::kQ4_K, DType::kQ5_K, DType::kQ6_K};
constexpr Isa kIsas[] = {Isa::kScalar, Isa::kAvx2, Isa::kAvx512, Isa::kAvx512Vnni, Isa::kAmx};
// Types only the AMX path packs (its weight decoder goes through DequantizeRow).
constexpr DType kAmxOnlyTypes[] = {DType::kBF16, DType::kQ4_1, DType::kQ5_0,   DType::kQ5_1,
                                   DType::kQ2_K, DType::kQ3_K, DType::kIQ4_NL, DType::kIQ4_XS};

struct Case {
  DType type;
  size_t k, m, rows;
  std::vector<float> w_float, x;
  std::vector<uint8_t> w, act;
  size_t w_row_bytes, act_row_bytes, w_off, a_off;

  Case(DType t, size_t k_, size_t m_, size_t rows_, size_t w_off_, size_t a_off_, uint32_t seed)
      : type(t), k(k_), m(m_), rows(rows_), w_off(w_off_), a_off(a_off_) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> dist(0.0f, 1.0f);
    w_row_bytes = RowBytes(t, k);
    act_row_bytes = ActivationRowBytes(t, k);
    w.assign(w_off + rows * w_row_bytes, 0);
    w_float.resize(rows * k);
    std::vector<float> row(k);
    for (size_t r = 0; r < rows; ++r) {
      for (float& v : row) v = 0.02f * dist(rng);
      QuantizeRow(t, row.data(), w.data() + w_off + r * w_row_bytes, k);
      DequantizeRow(t, w.data() + w_off + r * w_row_bytes, &w_float[r * k], k);
    }
    x.resize(m * k);
    for (float& v : x) v = dist(rng);
    act.assign(a_off + m * act_row_bytes, 0);
    for (size_t i = 0; i < m; ++i) QuantizeActivationRow(t, &x[i * k], act.data() + a_off + i * act_row_bytes, k);
  }

  // Rows [r0, r1) of all m tokens with the active ISA, packed when `packed` and the ISA has the path.
  std::vector<float> Run(bool packed, size_t r0, size_t r1) const {
    std::vector<float> y(m * rows, NAN);
    const size_t bytes = packed ? PackedActivationBytes(type, k, m) : 0;
    std::vector<uint8_t> buf(bytes + 1);  // + 1: packed data at an odd address
    if (bytes > 0) PackActivations(type, k, x.data(), k, m, buf.data() + 1, 0, PackedGroups(m));
    GemmArgs args{type, k, w.data() + w_off, w_row_bytes, r0, r1, act.data() + a_off, act_row_bytes, m, y.data(),
                  rows, bytes > 0 ? buf.data() + 1 : nullptr};
    Gemm(args);
    return y;
  }

  double Dot(size_t r, size_t t) const {
    double s = 0;
    for (size_t i = 0; i < k; ++i) s += double(w_float[r * k + i]) * x[t * k + i];
    return s;
  }
  double AbsDot(size_t r, size_t t) const {
    double s = 0;
    for (size_t i = 0; i < k; ++i) s += std::fabs(double(w_float[r * k + i]) * x[t * k + i]);
    return s;
  }
};

TEST(PackedGemm, OnlyWhereItPays) {
  for (Isa isa : kIsas) {
    if (!IsaSupported(isa)) continue;
    SetActiveIsa(isa);
    for (DType t : kPackedTypes) {
      EXPECT_EQ(PackedActivationBytes(t, 256, 1), 0u) << IsaName(isa);
      EXPECT_EQ(PackedActivationBytes(t, 256, 64) > 0, isa >= Isa::kAvx512Vnni) << IsaName(isa);
    }
    EXPECT_EQ(PackedActivationBytes(DType::kBF16, 256, 64) > 0, isa == Isa::kAmx) << IsaName(isa);
    EXPECT_EQ(PackedActivationBytes(DType::kBF16, 250, 64), 0u) << IsaName(isa);  // not whole 32-element steps
    EXPECT_EQ(PackedActivationBytes(DType::kF16, 256, 64), 0u) << IsaName(isa);   // float dots keep f16 precision
    EXPECT_EQ(SamePackedForm(DType::kQ4_K, DType::kQ6_K), isa == Isa::kAmx) << IsaName(isa);
    EXPECT_TRUE(SamePackedForm(DType::kQ4_K, DType::kQ4_K)) << IsaName(isa);
    EXPECT_FALSE(SamePackedForm(DType::kQ4_K, DType::kF16)) << IsaName(isa);
  }
  SetActiveIsa(BestIsa());
}

// Integer sums are exact; only float accumulation order differs from the scalar reference.
TEST(PackedGemm, MatchesScalarOnEveryIsa) {
  uint32_t seed = 1;
  for (Isa isa : kIsas) {
    if (!IsaSupported(isa) || isa == Isa::kAmx) continue;
    for (DType t : kPackedTypes) {
      for (size_t k : {256, 512, 1280}) {
        for (size_t m : {8, 15, 16, 17, 40}) {  // lanes - 1, lanes, lanes + 1 (packed from 8 or 16 tokens)
          for (size_t rows : {0, 1, 7, 8, 9, 17}) {  // around the 8-row tile
            const Case c(t, k, m, rows, seed % 3, (seed / 3) % 3, seed);
            ++seed;
            SetActiveIsa(Isa::kScalar);
            const auto want = c.Run(false, 0, rows);
            SetActiveIsa(isa);
            const auto got = c.Run(true, 0, rows);
            for (size_t tok = 0; tok < m; ++tok) {
              for (size_t r = 0; r < rows; ++r) {
                ASSERT_NEAR(got[tok * rows + r], want[tok * rows + r], 1e-5 * c.AbsDot(r, tok) + 1e-7)
                    << IsaName(isa) << " " << DTypeName(t) << " k=" << k << " m=" << m << " rows=" << rows
                    << " row=" << r << " token=" << tok;
              }
            }
          }
        }
      }
    }
  }
  SetActiveIsa(BestIsa());
}

// AMX rounds weights and activations to bf16 (8-bit mantissa, relative error at most 2^-9 each) and sums in
// float: within 2^-8 of the sum of |w * x| from the exact product of the dequantized weights and the floats.
TEST(PackedGemm, AmxMatchesExactProduct) {
  if (!IsaSupported(Isa::kAmx)) GTEST_SKIP() << "no AMX on this CPU";
  SetActiveIsa(Isa::kAmx);
  std::vector<DType> types(std::begin(kPackedTypes), std::end(kPackedTypes));
  types.insert(types.end(), std::begin(kAmxOnlyTypes), std::end(kAmxOnlyTypes));
  uint32_t seed = 1;
  for (DType t : types) {
    for (size_t k : {256, 1280}) {
      for (size_t m : {16, 17, 33, 50}) {  // one or two 16-token tiles, padding
        for (size_t rows : {0, 1, 15, 17, 33, k == 1280 ? 400 : 16}) {  // 16-row tiles, 2 strips, 2nd panel
          const Case c(t, k, m, rows, seed % 3, 0, seed);
          ++seed;
          const auto got = c.Run(true, 0, rows);
          ASSERT_GT(PackedActivationBytes(t, k, m), 0u) << DTypeName(t);
          for (size_t tok = 0; tok < m; ++tok) {
            for (size_t r = 0; r < rows; ++r) {
              ASSERT_NEAR(got[tok * rows + r], c.Dot(r, tok), c.AbsDot(r, tok) / 256 + 1e-6)
                  << DTypeName(t) << " k=" << k << " m=" << m << " rows=" << rows << " row=" << r
                  << " token=" << tok;
            }
          }
        }
      }
    }
  }
  SetActiveIsa(BestIsa());
}

// A row's result has the same bits whatever row range computes it (threads split rows anywhere) and however
// many tokens share the call (tokens fall into different 16-lane groups).
TEST(PackedGemm, IndependentOfRowRangeAndTokenCount) {
  for (DType t : kPackedTypes) {
    const Case all(t, 512, 40, 21, 1, 2, 7);
    SetActiveIsa(BestIsa());
    const auto full = all.Run(true, 0, all.rows);
    const auto part = all.Run(true, 3, 14);
    for (size_t tok = 0; tok < all.m; ++tok) {
      for (size_t r = 0; r < all.rows; ++r) {
        if (r >= 3 && r < 14) {
          ASSERT_EQ(part[tok * all.rows + r], full[tok * all.rows + r]) << DTypeName(t);
        } else {
          ASSERT_TRUE(std::isnan(part[tok * all.rows + r])) << DTypeName(t) << " wrote row " << r;
        }
      }
    }
    Case fewer = all;
    fewer.m = 17;
    fewer.act.resize(fewer.a_off + fewer.m * fewer.act_row_bytes);
    const auto some = fewer.Run(true, 0, fewer.rows);
    for (size_t i = 0; i < some.size(); ++i) ASSERT_EQ(some[i], full[i]) << DTypeName(t) << " at " << i;
  }
}

}  // namespace
}  // namespace ingot::kernels
