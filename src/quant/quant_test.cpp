// Tests of the reference codecs: hand-built blocks with known values, round-trip error bounds per format.
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "quant/blocks.h"
#include "quant/quant.h"
#include "util/fp16.h"

namespace ingot {
namespace {

using quant::LoadField;

template <typename Block>
std::vector<float> DequantBlock(DType type, const Block& blk, size_t n) {
  std::vector<uint8_t> bytes(sizeof(blk) + 1);
  std::memcpy(bytes.data() + 1, &blk, sizeof(blk));  // odd address: rows are not aligned in GGUF files
  std::vector<float> out(n);
  DequantizeRow(type, bytes.data() + 1, out.data(), n);
  return out;
}

TEST(QuantKnownBlocks, Q4_0) {
  quant::BlockQ4_0 blk;
  blk.d = F32ToF16(0.5f);
  for (int j = 0; j < 16; ++j) blk.qs[j] = static_cast<uint8_t>(j | ((15 - j) << 4));
  const auto y = DequantBlock(DType::kQ4_0, blk, 32);
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(y[j], (j - 8) * 0.5f);
    EXPECT_EQ(y[j + 16], (7 - j) * 0.5f);
  }
}

TEST(QuantKnownBlocks, Q4_1AndQ5) {
  quant::BlockQ4_1 b41;
  b41.d = F32ToF16(2.0f);
  b41.m = F32ToF16(-1.0f);
  for (int j = 0; j < 16; ++j) b41.qs[j] = static_cast<uint8_t>(j | (3 << 4));
  auto y = DequantBlock(DType::kQ4_1, b41, 32);
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(y[j], 2.0f * j - 1);
    EXPECT_EQ(y[j + 16], 5.0f);
  }

  quant::BlockQ5_0 b50;
  b50.d = F32ToF16(1.0f);
  std::memset(b50.qs, 0x21, 16);               // low nibble 1, high nibble 2
  const uint32_t qh = (1u << 3) | (1u << 20);  // element 3 and element 20 (= 16 + 4) get the 5th bit
  std::memcpy(b50.qh, &qh, 4);
  y = DequantBlock(DType::kQ5_0, b50, 32);
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(y[j], j == 3 ? 17 - 16 : 1 - 16);
    EXPECT_EQ(y[j + 16], j == 4 ? 18 - 16 : 2 - 16);
  }

  quant::BlockQ5_1 b51;
  b51.d = F32ToF16(0.25f);
  b51.m = F32ToF16(1.0f);
  std::memset(b51.qs, 0xF0, 16);
  const uint32_t all = 0xFFFFFFFFu;
  std::memcpy(b51.qh, &all, 4);
  y = DequantBlock(DType::kQ5_1, b51, 32);
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(y[j], 0.25f * 16 + 1);
    EXPECT_EQ(y[j + 16], 0.25f * 31 + 1);
  }
}

TEST(QuantKnownBlocks, Q8_0AndIq4Nl) {
  quant::BlockQ8_0 b8;
  b8.d = F32ToF16(0.125f);
  for (int j = 0; j < 32; ++j) b8.qs[j] = static_cast<int8_t>(j * 8 - 128);
  auto y = DequantBlock(DType::kQ8_0, b8, 32);
  for (int j = 0; j < 32; ++j) EXPECT_EQ(y[j], 0.125f * (j * 8 - 128));

  quant::BlockIQ4_NL bnl;
  bnl.d = F32ToF16(0.5f);
  for (int j = 0; j < 16; ++j) bnl.qs[j] = static_cast<uint8_t>(j | ((15 - j) << 4));
  y = DequantBlock(DType::kIQ4_NL, bnl, 32);
  EXPECT_EQ(y[0], -63.5f);   // level 0 = -127
  EXPECT_EQ(y[16], 56.5f);   // level 15 = 113
  EXPECT_EQ(y[8], 0.5f);     // level 8 = 1
}

// Q4_K with sub-block scales 1..4, 63, 40 (exercising the packed high bits) and mins 0, 2, 4, ...
TEST(QuantKnownBlocks, Q4_K) {
  quant::BlockQ4_K blk{};
  blk.d = F32ToF16(1.0f);
  blk.dmin = F32ToF16(0.5f);
  const uint8_t sc[8] = {1, 2, 3, 4, 5, 63, 7, 40};
  const uint8_t mn[8] = {0, 2, 4, 6, 8, 10, 12, 14};
  for (int j = 0; j < 4; ++j) {
    blk.scales[j] = sc[j];
    blk.scales[j + 4] = mn[j];
  }
  for (int j = 4; j < 8; ++j) {
    blk.scales[j + 4] = static_cast<uint8_t>((sc[j] & 0xF) | ((mn[j] & 0xF) << 4));
    blk.scales[j - 4] |= static_cast<uint8_t>((sc[j] >> 4) << 6);
  }
  for (int c = 0; c < 4; ++c) {
    for (int l = 0; l < 32; ++l) blk.qs[32 * c + l] = static_cast<uint8_t>((l % 16) | ((15 - l % 16) << 4));
  }
  const auto y = DequantBlock(DType::kQ4_K, blk, 256);
  for (int i = 0; i < 256; ++i) {
    const int sub = i / 32, l = i % 32;
    const int q = sub % 2 == 0 ? l % 16 : 15 - l % 16;
    EXPECT_EQ(y[i], float(sc[sub]) * q - 0.5f * mn[sub]) << i;
  }
}

// Q6_K: every q = 33 (ql nibble 1, qh bits 2) except element 200 (q = 0), scales = sub-block index - 8.
TEST(QuantKnownBlocks, Q6_K) {
  quant::BlockQ6_K blk{};
  blk.d = F32ToF16(0.5f);
  std::memset(blk.ql, 0x11, sizeof(blk.ql));
  std::memset(blk.qh, 0xAA, sizeof(blk.qh));
  for (int s = 0; s < 16; ++s) blk.scales[s] = static_cast<int8_t>(s - 8);
  // Element 200 = half 1, group 2 (high nibble of ql[64 + 8]), l = 8, high bits at qh[32 + 8] bits 4-5.
  blk.ql[64 + 8] &= 0x0F;
  blk.qh[32 + 8] &= static_cast<uint8_t>(~0x30);
  const auto y = DequantBlock(DType::kQ6_K, blk, 256);
  for (int i = 0; i < 256; ++i) {
    const int q = i == 200 ? -32 : 1;
    EXPECT_EQ(y[i], 0.5f * (i / 16 - 8) * q) << i;
  }
}

std::vector<float> Gaussian(size_t n, uint32_t seed, float sigma = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, sigma);
  std::vector<float> x(n);
  for (float& v : x) v = dist(rng);
  return x;
}

struct RoundTripCase {
  DType type;
  double max_rel_rmse;  // RMS error over RMS of the data, for N(0,1) rows
};

class RoundTrip : public ::testing::TestWithParam<RoundTripCase> {};

TEST_P(RoundTrip, ErrorWithinBound) {
  const RoundTripCase c = GetParam();
  ASSERT_TRUE(CanQuantize(c.type));
  const size_t n = 4096;
  for (uint32_t seed : {1u, 2u}) {
    const auto x = Gaussian(n, seed, seed == 1 ? 1.0f : 0.02f);
    std::vector<uint8_t> q(RowBytes(c.type, n) + 3);
    QuantizeRow(c.type, x.data(), q.data() + 3, n);  // misaligned on purpose
    std::vector<float> y(n);
    DequantizeRow(c.type, q.data() + 3, y.data(), n);
    double err = 0, ref = 0;
    for (size_t i = 0; i < n; ++i) {
      err += (x[i] - y[i]) * double(x[i] - y[i]);
      ref += double(x[i]) * x[i];
    }
    EXPECT_LE(std::sqrt(err / ref), c.max_rel_rmse) << DTypeName(c.type) << " seed " << seed;
  }
}

// Bounds: about 1.3x what these quantizers achieve on N(0,1) rows (a uniform b-bit quantizer over a Gaussian
// block's range gives RMS error ~ range / (2^b * sqrt(12)), e.g. ~0.09 for 4 bits over 32 elements).
INSTANTIATE_TEST_SUITE_P(
    AllTypes, RoundTrip,
    ::testing::Values(RoundTripCase{DType::kF32, 0.0}, RoundTripCase{DType::kF16, 3e-4},
                      RoundTripCase{DType::kBF16, 2.5e-3}, RoundTripCase{DType::kQ8_0, 0.007},
                      RoundTripCase{DType::kQ8_1, 0.007}, RoundTripCase{DType::kQ8_K, 0.009},
                      RoundTripCase{DType::kQ4_0, 0.11}, RoundTripCase{DType::kQ4_1, 0.10},
                      RoundTripCase{DType::kQ5_0, 0.056}, RoundTripCase{DType::kQ5_1, 0.05},
                      RoundTripCase{DType::kQ2_K, 0.36}, RoundTripCase{DType::kQ3_K, 0.19},
                      RoundTripCase{DType::kQ4_K, 0.095}, RoundTripCase{DType::kQ5_K, 0.048},
                      RoundTripCase{DType::kQ6_K, 0.024}, RoundTripCase{DType::kIQ4_NL, 0.10},
                      RoundTripCase{DType::kIQ4_XS, 0.10}),
    [](const auto& info) { return std::string(DTypeName(info.param.type)); });

TEST(QuantRoundTrip, ZeroRowsStayZero) {
  for (DType t : {DType::kQ4_0, DType::kQ4_1, DType::kQ5_0, DType::kQ5_1, DType::kQ8_0, DType::kQ8_K,
                  DType::kQ2_K, DType::kQ3_K, DType::kQ4_K, DType::kQ5_K, DType::kQ6_K, DType::kIQ4_NL,
                  DType::kIQ4_XS}) {
    std::vector<float> x(256, 0.0f), y(256, 1.0f);
    std::vector<uint8_t> q(RowBytes(t, 256));
    QuantizeRow(t, x.data(), q.data(), 256);
    DequantizeRow(t, q.data(), y.data(), 256);
    for (float v : y) EXPECT_EQ(v, 0.0f) << DTypeName(t);
  }
}

// Awkward rows (constant, one spike, one sign only, small values) stay finite and within a coarse bound for
// every quantizer. (Values whose block scale underflows f16, below ~1e-5, flush to zero, as in llama.cpp.)
TEST(QuantRoundTrip, AwkwardRowsStayFiniteAndClose) {
  const size_t n = 512;
  std::vector<std::vector<float>> rows;
  rows.emplace_back(n, 0.75f);
  rows.emplace_back(n, -3.0f);
  rows.emplace_back(n, 0.0f);
  rows.back()[100] = 1000.0f;
  rows.push_back(Gaussian(n, 3));
  for (float& v : rows.back()) v = std::fabs(v) + 2.0f;
  rows.push_back(Gaussian(n, 4, 1e-2f));
  for (DType t : {DType::kQ4_0, DType::kQ4_1, DType::kQ5_0, DType::kQ5_1, DType::kQ8_0, DType::kQ8_1,
                  DType::kQ8_K, DType::kQ2_K, DType::kQ3_K, DType::kQ4_K, DType::kQ5_K, DType::kQ6_K,
                  DType::kIQ4_NL, DType::kIQ4_XS}) {
    for (size_t which = 0; which < rows.size(); ++which) {
      const auto& x = rows[which];
      float amax = 0;
      for (float v : x) amax = std::max(amax, std::fabs(v));
      std::vector<uint8_t> q(RowBytes(t, n));
      std::vector<float> y(n);
      QuantizeRow(t, x.data(), q.data(), n);
      DequantizeRow(t, q.data(), y.data(), n);
      for (size_t i = 0; i < n; ++i) {
        ASSERT_TRUE(std::isfinite(y[i])) << DTypeName(t) << " row " << which << " i " << i;
        // Half a step of the coarsest format (2 bits over the block range), plus the f16 scale rounding.
        EXPECT_NEAR(y[i], x[i], 0.35 * amax + 1e-3 * amax) << DTypeName(t) << " row " << which << " i " << i;
      }
      if (which == 2) {
        EXPECT_NEAR(y[100], 1000.0f, 5.0f) << DTypeName(t);
      }
    }
  }
}

TEST(QuantRoundTrip, Q8_KBlockSums) {
  const auto x = Gaussian(512, 7);
  std::vector<quant::BlockQ8_K> q(2);
  QuantizeRow(DType::kQ8_K, x.data(), q.data(), 512);
  for (const auto& b : q) {
    for (int g = 0; g < 16; ++g) {
      int sum = 0;
      for (int j = 0; j < 16; ++j) sum += b.qs[16 * g + j];
      EXPECT_EQ(sum, b.bsums[g]);
    }
  }
}

TEST(QuantRoundTrip, Q8_1SumField) {
  const auto x = Gaussian(64, 9);
  std::vector<quant::BlockQ8_1> q(2);
  QuantizeRow(DType::kQ8_1, x.data(), q.data(), 64);
  for (const auto& b : q) {
    int sum = 0;
    for (int j = 0; j < 32; ++j) sum += b.qs[j];
    EXPECT_NEAR(F16ToF32(b.s), F16ToF32(b.d) * sum, 1e-3 * std::fabs(F16ToF32(b.d) * sum) + 1e-6);
  }
}

}  // namespace
}  // namespace ingot
