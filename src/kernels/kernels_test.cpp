// Every compiled ISA the CPU supports against the scalar reference, over sizes, batch shapes and misaligned
// pointers; and the reference Gemm against a float dot product of dequantized weights.
#include "kernels/kernels.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "quant/quant.h"

namespace ingot::kernels {
namespace {

constexpr DType kWeightTypes[] = {DType::kF32,  DType::kF16,  DType::kBF16, DType::kQ4_0, DType::kQ4_1,
                                  DType::kQ5_0, DType::kQ5_1, DType::kQ8_0, DType::kIQ4_NL, DType::kQ2_K,
                                  DType::kQ3_K, DType::kQ4_K, DType::kQ5_K, DType::kQ6_K, DType::kIQ4_XS};

std::vector<float> Gaussian(size_t n, std::mt19937& rng, float sigma) {
  std::normal_distribution<float> dist(0.0f, sigma);
  std::vector<float> x(n);
  for (float& v : x) v = dist(rng);
  return x;
}

// IQ4_XS rows are random bytes (valid blocks once d is finite), reaching every 6-bit scale and nibble.
std::vector<uint8_t> RandomIq4XsRow(size_t k, std::mt19937& rng) {
  std::vector<uint8_t> row(RowBytes(DType::kIQ4_XS, k));
  for (auto& b : row) b = static_cast<uint8_t>(rng());
  for (size_t off = 0; off < row.size(); off += 136) {
    const uint16_t d = 0x1c00 | (rng() & 0x3ff);  // f16 in [2^-8, 2^-7)
    std::memcpy(&row[off], &d, 2);
  }
  return row;
}

// A weight matrix [rows, k] and activations [m, k], converted and stored at the given byte offsets.
struct Problem {
  DType type;
  size_t k, m, rows;
  std::vector<float> w_float, x_float;  // dequantized weights; original activations
  std::vector<uint8_t> w_buf, act_buf;
  size_t w_row_bytes, act_row_bytes, w_offset, act_offset;

  Problem(DType t, size_t k_, size_t m_, size_t rows_, size_t w_off, size_t a_off, uint32_t seed)
      : type(t), k(k_), m(m_), rows(rows_), w_offset(w_off), act_offset(a_off) {
    std::mt19937 rng(seed);
    w_row_bytes = RowBytes(t, k);
    act_row_bytes = ActivationRowBytes(t, k);
    w_buf.assign(w_off + rows * w_row_bytes, 0);
    w_float.resize(rows * k);
    for (size_t r = 0; r < rows; ++r) {
      uint8_t* dst = w_buf.data() + w_off + r * w_row_bytes;
      if (t == DType::kIQ4_XS) {
        const auto bytes = RandomIq4XsRow(k, rng);
        std::memcpy(dst, bytes.data(), bytes.size());
      } else {
        QuantizeRow(t, Gaussian(k, rng, 0.02f).data(), dst, k);
      }
      DequantizeRow(t, dst, &w_float[r * k], k);
    }
    x_float = Gaussian(m * k, rng, 1.0f);
    act_buf.assign(a_off + m * act_row_bytes, 0);
    for (size_t i = 0; i < m; ++i) {
      QuantizeActivationRow(t, &x_float[i * k], act_buf.data() + a_off + i * act_row_bytes, k);
    }
  }

  std::vector<float> Run(Isa isa) const {
    SetActiveIsa(isa);
    std::vector<float> y(m * rows, NAN);
    GemmArgs args{type, k, w_buf.data() + w_offset, w_row_bytes, 0, rows,
                  act_buf.data() + act_offset, act_row_bytes, m, y.data(), rows};
    Gemm(args);
    return y;
  }

  double AbsDot(size_t r, size_t t) const {
    double s = 0;
    for (size_t i = 0; i < k; ++i) s += std::fabs(double(w_float[r * k + i]) * x_float[t * k + i]);
    return s;
  }
};

size_t BlockElems(DType t) { return GetDTypeInfo(t).block_elems; }

class IsaVsScalar : public ::testing::TestWithParam<DType> {};

// Integer block sums are exact in every ISA; only the float accumulation order differs, hence the tight
// relative tolerance (1e-5 of sum |w x|).
TEST_P(IsaVsScalar, GemmMatchesReference) {
  const DType t = GetParam();
  const size_t be = BlockElems(t);
  std::vector<size_t> ks;
  if (be == 1) {
    ks = {1, 3, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 129, 256, 1000};
  } else {
    ks = {be, 2 * be, 7 * be};
  }
  uint32_t seed = 1;
  for (Isa isa : {Isa::kAvx2, Isa::kAvx512, Isa::kAvx512Vnni}) {
    if (!IsaSupported(isa)) continue;
    for (size_t k : ks) {
      for (size_t m : {1, 2, 3, 4, 5, 6, 7, 8, 13}) {  // every tile width up to kMaxActs, and a remainder
        for (size_t rows : {1, 3, 16, 17}) {
          const size_t w_off = seed % 4, a_off = (seed / 4) % 4;
          const Problem p(t, k, m, rows, w_off, a_off, seed++);
          const auto ref = p.Run(Isa::kScalar);
          const auto got = p.Run(isa);
          for (size_t tok = 0; tok < m; ++tok) {
            for (size_t r = 0; r < rows; ++r) {
              const double tol = 1e-5 * p.AbsDot(r, tok) + 1e-7;
              ASSERT_NEAR(got[tok * rows + r], ref[tok * rows + r], tol)
                  << IsaName(isa) << " k=" << k << " m=" << m << " rows=" << rows << " row=" << r
                  << " token=" << tok << " offsets=" << w_off << "," << a_off;
            }
          }
        }
      }
    }
  }
  SetActiveIsa(BestIsa());
}

// Per element, converting an activation costs at most: 0.6 * d (half a step plus the f16 rounding of d) for
// 8-bit blocks, where d = block amax / 127; 2^-11 relative for F16, 2^-8 for BF16.
double ActivationErrorBound(DType act, const float* x, size_t i, size_t block) {
  switch (act) {
    case DType::kF32: return 0;
    case DType::kF16: return std::fabs(x[i]) * 0x1p-11 + 1e-7;
    case DType::kBF16: return std::fabs(x[i]) * 0x1p-8;
    default: {
      const size_t b0 = i / block * block;
      float amax = 0;
      for (size_t j = b0; j < b0 + block; ++j) amax = std::max(amax, std::fabs(x[j]));
      return 0.6 * amax / 127;
    }
  }
}

TEST_P(IsaVsScalar, ReferenceGemmIsFloatDotWithinActivationBound) {
  const DType t = GetParam();
  const DType act = ActivationType(t);
  const size_t k = 2 * 256;
  const Problem p(t, k, 3, 5, 1, 2, 99);
  for (Isa isa : {Isa::kScalar, BestIsa()}) {
    const auto y = p.Run(isa);
    for (size_t tok = 0; tok < p.m; ++tok) {
      const float* x = &p.x_float[tok * k];
      for (size_t r = 0; r < p.rows; ++r) {
        double exact = 0, bound = 0;
        for (size_t i = 0; i < k; ++i) {
          exact += double(p.w_float[r * k + i]) * x[i];
          bound += std::fabs(p.w_float[r * k + i]) * ActivationErrorBound(act, x, i, BlockElems(act));
        }
        EXPECT_NEAR(y[tok * p.rows + r], exact, bound + 1e-5 * p.AbsDot(r, tok)) << IsaName(isa);
      }
    }
  }
  SetActiveIsa(BestIsa());
}

// DotRow (one row, one activation) gives Gemm's bits for any row of a pair and any activation of a tile.
TEST_P(IsaVsScalar, DotRowEqualsGemmRow) {
  const DType t = GetParam();
  const Problem p(t, 7 * std::max<size_t>(BlockElems(t), 32), 5, 2, 3, 1, 5);
  const auto y = p.Run(BestIsa());
  for (size_t r = 0; r < p.rows; ++r) {
    for (size_t j = 0; j < p.m; ++j) {
      const float d = DotRow(t, p.k, p.w_buf.data() + p.w_offset + r * p.w_row_bytes,
                             p.act_buf.data() + p.act_offset + j * p.act_row_bytes);
      EXPECT_EQ(d, y[j * p.rows + r]) << "row " << r << " activation " << j;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllWeightTypes, IsaVsScalar, ::testing::ValuesIn(kWeightTypes),
                         [](const auto& info) { return std::string(DTypeName(info.param)); });

TEST(Kernels, ActivationTypesFollowLlamaCpp) {
  EXPECT_EQ(ActivationType(DType::kF32), DType::kF32);
  EXPECT_EQ(ActivationType(DType::kF16), DType::kF16);
  EXPECT_EQ(ActivationType(DType::kBF16), DType::kBF16);
  for (DType t : {DType::kQ4_0, DType::kQ5_0, DType::kQ8_0, DType::kIQ4_NL}) {
    EXPECT_EQ(ActivationType(t), DType::kQ8_0);
  }
  for (DType t : {DType::kQ4_1, DType::kQ5_1}) EXPECT_EQ(ActivationType(t), DType::kQ8_1);
  for (DType t : {DType::kQ2_K, DType::kQ3_K, DType::kQ4_K, DType::kQ5_K, DType::kQ6_K, DType::kIQ4_XS}) {
    EXPECT_EQ(ActivationType(t), DType::kQ8_K);
  }
  EXPECT_EQ(ActivationRowBytes(DType::kQ4_K, 512), 2 * 292u);
}

// A row range and a wide output stride: exactly y[t * y_stride + r] for r in [row_begin, row_end) is written,
// with the same bits as when the rows are part of a larger range (so results do not depend on how callers
// split rows across threads, even where kernels take rows in pairs).
TEST(Kernels, GemmWritesOnlyItsRowRange) {
  for (DType type : kWeightTypes) {
    for (Isa isa : {Isa::kScalar, BestIsa()}) {
      const Problem p(type, 512, 6, 20, 0, 0, 11);
      const auto full = p.Run(isa);
      const size_t y_stride = 32;
      std::vector<float> y(p.m * y_stride, -7.0f);
      GemmArgs args{p.type, p.k, p.w_buf.data(), p.w_row_bytes, 3, 18, p.act_buf.data(), p.act_row_bytes, p.m,
                    y.data(), y_stride};
      SetActiveIsa(isa);
      Gemm(args);
      for (size_t t = 0; t < p.m; ++t) {
        for (size_t r = 0; r < y_stride; ++r) {
          const float want = r >= 3 && r < 18 ? full[t * p.rows + r] : -7.0f;
          ASSERT_EQ(y[t * y_stride + r], want)
              << DTypeName(type) << " " << IsaName(isa) << " t=" << t << " r=" << r;
        }
      }
    }
  }
  SetActiveIsa(BestIsa());
}

// Activation conversion must give the scalar bytes on every ISA (ties, zero blocks, equal +/- extremes).
TEST(Kernels, ActivationConversionIsIdenticalOnEveryIsa) {
  std::mt19937 rng(3);
  for (DType weight : {DType::kF32, DType::kF16, DType::kBF16, DType::kQ4_0, DType::kQ4_1, DType::kQ4_K}) {
    for (size_t k : {256, 512, 1280}) {
      auto x = Gaussian(k, rng, 3.0f);
      for (size_t i = 0; i < 32; ++i) x[i] = 0;  // an all-zero Q8_0 block
      // Block 1 has amax 127 (scale 1), so the halves k + 0.5 are exact ties; its extremes +127 and -127 are
      // also the Q8_K super-block's, and the first one decides the sign of that scale.
      for (size_t i = 33; i < 64; ++i) x[i] = 0.5f * float(int(i) - 48);
      x[32] = 127;
      x[40] = -127;
      const size_t bytes = ActivationRowBytes(weight, k);
      SetActiveIsa(Isa::kScalar);
      std::vector<uint8_t> want(bytes + 1);
      QuantizeActivationRow(weight, x.data(), want.data() + 1, k);
      for (Isa isa : {Isa::kAvx2, Isa::kAvx512, Isa::kAvx512Vnni}) {
        if (!IsaSupported(isa)) continue;
        SetActiveIsa(isa);
        std::vector<uint8_t> got(bytes + 3);
        QuantizeActivationRow(weight, x.data(), got.data() + 3, k);
        EXPECT_EQ(0, std::memcmp(got.data() + 3, want.data() + 1, bytes))
            << IsaName(isa) << " " << DTypeName(ActivationType(weight)) << " k=" << k;
      }
    }
  }
  SetActiveIsa(BestIsa());
}

TEST(Kernels, GemmSupportedTypes) {
  for (DType t : kWeightTypes) EXPECT_TRUE(GemmSupported(t)) << DTypeName(t);
  for (DType t : {DType::kQ8_1, DType::kQ8_K, DType::kI8, DType::kF64}) {
    EXPECT_FALSE(GemmSupported(t)) << DTypeName(t);
  }
}

TEST(Kernels, Q8_0ActivationsRoundHalfToEven) {
  // amax 127 gives d = 1 and id = 1, so x = 2.5 must become 2 and 3.5 become 4 (as _mm256_round_ps does).
  std::vector<float> x(32, 0.0f);
  x[0] = 127;
  x[1] = 2.5f;
  x[2] = 3.5f;
  x[3] = -2.5f;
  uint8_t block[34];
  QuantizeActivationRow(DType::kQ4_0, x.data(), block, 32);
  EXPECT_EQ(static_cast<int8_t>(block[2]), 127);
  EXPECT_EQ(static_cast<int8_t>(block[3]), 2);
  EXPECT_EQ(static_cast<int8_t>(block[4]), 4);
  EXPECT_EQ(static_cast<int8_t>(block[5]), -2);
}

TEST(Kernels, BestAndActiveIsaAreSupported) {
  EXPECT_TRUE(IsaSupported(BestIsa()));
  EXPECT_TRUE(IsaSupported(Isa::kScalar));
  EXPECT_TRUE(IsaSupported(ActiveIsa()));
}

}  // namespace
}  // namespace ingot::kernels
