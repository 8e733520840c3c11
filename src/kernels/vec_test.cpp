// Attention and feed-forward vector primitives against their scalar twins on every ISA the CPU has (sizes around the register
// widths, odd strides, masked scores), and the scalar exp against std::exp.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "kernels/kernels.h"
#include "kernels/vec.h"
#include "util/fp16.h"

namespace ingot::kernels {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

// Runs fn once per ISA the CPU supports, with that ISA active.
template <typename Fn>
void ForEachIsa(Fn fn) {
  const Isa saved = ActiveIsa();
  for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512, Isa::kAvx512Vnni, Isa::kAmx}) {
    if (!IsaSupported(isa)) continue;
    SetActiveIsa(isa);
    fn(IsaName(isa));
  }
  SetActiveIsa(saved);
}

std::vector<float> Normal(size_t n, std::mt19937& rng) {
  std::normal_distribution<float> nd;
  std::vector<float> v(n);
  for (float& x : v) x = nd(rng);
  return v;
}

std::vector<uint16_t> Halves(const std::vector<float>& v) {
  std::vector<uint16_t> h(v.size());
  for (size_t i = 0; i < v.size(); ++i) h[i] = F32ToF16(v[i]);
  return h;
}

TEST(VecTest, ExpWithinTwoUlpOfStdExp) {
  float worst = 0;
  for (int i = 0; i <= 200000; ++i) {
    const float x = -87.0f + 175.0f * float(i) / 200000;
    const double want = std::exp(double(x));
    worst = std::max(worst, float(std::fabs(double(Exp(x)) - want) / want));
  }
  std::printf("[ exp ] max relative error %.2e\n", double(worst));
  EXPECT_LE(worst, 2.4e-7f);  // 2 ulp
  EXPECT_EQ(Exp(0.0f), 1.0f);
  EXPECT_EQ(Exp(-kInf), 0.0f);
  EXPECT_EQ(Exp(-90.0f), 0.0f);
}

TEST(VecTest, DotAndAxpyRowsMatchScalarOnEveryIsa) {
  std::mt19937 rng(9);
  ForEachIsa([&](std::string_view isa) {
    for (size_t n : {0u, 1u, 7u, 8u, 15u, 16u, 17u, 33u, 64u, 80u, 128u}) {
      for (size_t count : {0u, 1u, 3u, 5u, 16u}) {
        for (size_t n_q : {1u, 2u, 3u, 4u, 5u, 7u, 8u, 9u, 16u}) {
          const size_t stride = n + 3, q_stride = n + 1, out_stride = count + 2, y_stride = n + 5;
          const std::vector<float> rows = Normal(count * stride + 1, rng), q = Normal(n_q * q_stride, rng);
          const std::vector<uint16_t> hrows = Halves(Normal(rows.size(), rng));
          const std::vector<float> w = Normal(n_q * out_stride, rng), factor = Normal(n_q, rng);
          const RowsOf<float> fr{rows.data() + 1, stride, count, n};
          const RowsOf<uint16_t> hr{hrows.data() + 1, stride, count, n};
          const float tol = 2e-6f * float(n + count + 4);
          // Query-major (decode) and position-major (tiles) scores.
          std::vector<float> out(n_q * out_stride), want(out.size());
          for (const bool position_major : {false, true}) {
            const ScoreLayout got_at = position_major ? ScoreLayout{out.data(), 1, n_q}
                                                      : ScoreLayout{out.data(), out_stride, 1};
            ScoreLayout want_at = got_at;
            want_at.data = want.data();
            DotRowsMulti(hr, q.data(), q_stride, n_q, got_at);
            scalar::DotRowsMulti(hr, q.data(), q_stride, n_q, want_at);
            for (size_t i = 0; i < out.size(); ++i) ASSERT_NEAR(out[i], want[i], tol) << isa << " f16 n=" << n;
            DotRowsMulti(fr, q.data(), q_stride, n_q, got_at);
            scalar::DotRowsMulti(fr, q.data(), q_stride, n_q, want_at);
            for (size_t i = 0; i < out.size(); ++i) ASSERT_NEAR(out[i], want[i], tol) << isa << " f32 n=" << n;
          }

          std::vector<float> y = Normal(n_q * y_stride, rng), y_want = y;
          AxpyRowsMulti(hr, w.data(), out_stride, n_q, factor.data(), y.data(), y_stride);
          scalar::AxpyRowsMulti(hr, w.data(), out_stride, n_q, factor.data(), y_want.data(), y_stride);
          AxpyRowsMulti(fr, w.data(), out_stride, n_q, factor.data(), y.data(), y_stride);
          scalar::AxpyRowsMulti(fr, w.data(), out_stride, n_q, factor.data(), y_want.data(), y_stride);
          for (size_t i = 0; i < y.size(); ++i) {
            ASSERT_NEAR(y[i], y_want[i], tol) << isa << " n=" << n << " count=" << count << " n_q=" << n_q;
          }
        }
      }
    }
  });
}

// A score has the same bits whichever queries share the call: decode scores a GQA group of a few heads, a
// prefill tile up to 64 queries, and chunked prefill must reproduce one batch exactly.
TEST(VecTest, DotRowsMultiIndependentOfQueryCount) {
  std::mt19937 rng(11);
  ForEachIsa([&](std::string_view isa) {
    for (size_t n : {16u, 64u, 80u, 128u}) {
      const size_t count = 16, n_q = 16;
      const std::vector<uint16_t> rows = Halves(Normal(count * n, rng));
      const std::vector<float> q = Normal(n_q * n, rng);
      std::vector<float> all(n_q * count), one(count);
      DotRowsMulti(RowsOf<uint16_t>{rows.data(), n, count, n}, q.data(), n, n_q, ScoreLayout{all.data(), 1, n_q});
      for (size_t h = 0; h < n_q; ++h) {
        DotRowsMulti(RowsOf<uint16_t>{rows.data(), n, count, n}, q.data() + h * n, n, 1,
                     ScoreLayout{one.data(), count, 1});
        for (size_t r = 0; r < count; ++r) ASSERT_EQ(one[r], all[r * n_q + h]) << isa << " n=" << n << " q=" << h;
      }
    }
  });
}

// Scores with some positions masked (-inf), whole queries masked, and running maxima both unset and set.
TEST(VecTest, SoftmaxStepsMatchScalarOnEveryIsa) {
  std::mt19937 rng(5);
  ForEachIsa([&](std::string_view isa) {
    for (size_t count : {1u, 2u, 7u, 8u, 9u, 16u, 17u, 40u}) {
      for (size_t n_q : {16u, 32u, 48u, 80u}) {
        for (bool columns : {false, true}) {
          const size_t ld = (columns ? n_q : count) + 16;
          std::vector<float> s = Normal((columns ? count : n_q) * ld, rng), max0 = Normal(n_q, rng);
          for (size_t j = 0; j < n_q; ++j) {
            if (j % 5 == 0) max0[j] = -kInf;
            for (size_t i = 0; i < count; ++i) {
              float& x = columns ? s[i * ld + j] : s[j * ld + i];
              x *= 8.0f;
              if ((i + j) % 3 == 0 || j % 7 == 0) x = -kInf;
            }
          }
          std::vector<float> s_want = s, max = max0, max_want = max0;
          std::vector<float> factor(n_q), sum(n_q), factor_want(n_q), sum_want(n_q);
          const SoftmaxStep got{s.data(), ld, count, n_q, 0.7f, max.data(), factor.data(), sum.data()};
          const SoftmaxStep want{s_want.data(), ld, count, n_q, 0.7f, max_want.data(), factor_want.data(),
                                 sum_want.data()};
          if (columns) {
            SoftmaxColumns(got);
            scalar::SoftmaxColumns(want);
          } else {
            SoftmaxRows(got);
            scalar::SoftmaxRows(want);
          }
          for (size_t j = 0; j < n_q; ++j) {
            ASSERT_EQ(max[j], max_want[j]) << isa;
            ASSERT_NEAR(factor[j], factor_want[j], 1e-6f * factor_want[j]) << isa;
            ASSERT_NEAR(sum[j], sum_want[j], 1e-6f * float(count)) << isa << " count " << count;
          }
          for (size_t i = 0; i < s.size(); ++i) ASSERT_NEAR(s[i], s_want[i], 1e-6f) << isa << " at " << i;
        }
      }
    }
  });
}

TEST(VecTest, TileGemmMatchesScalarOnEveryIsa) {
  std::mt19937 rng(3);
  ForEachIsa([&](std::string_view isa) {
    for (size_t m : {0u, 1u, 3u, 4u, 5u, 16u, 17u}) {
      for (size_t n : {16u, 32u, 48u, 64u, 80u, 128u}) {
        for (size_t depth : {0u, 1u, 7u, 16u, 64u}) {
          for (bool transposed : {false, true}) {
            // a(i, k) row-major with a padded row, or read transposed out of [depth][m + 1].
            const std::vector<float> a = Normal((m + 1) * (depth + 1), rng), b = Normal(depth * n, rng);
            const std::vector<float> scale = Normal(n, rng);
            std::vector<float> c = Normal(m * n, rng), c_want = c;
            TileGemmArgs g{m, n, depth, a.data(), transposed ? 1 : depth + 1, transposed ? m + 1 : 1, b.data(),
                           transposed ? scale.data() : nullptr, c.data()};
            TileGemm(g);
            g.c = c_want.data();
            scalar::TileGemm(g);
            for (size_t i = 0; i < c.size(); ++i) {
              ASSERT_NEAR(c[i], c_want[i], 2e-6f * float(depth + 4)) << isa << " m=" << m << " n=" << n;
            }
          }
        }
      }
    }
  });
}

TEST(VecTest, RoundToF16MatchesScalarOnEveryIsa) {
  std::mt19937 rng(6);
  ForEachIsa([&](std::string_view isa) {
    for (size_t n : {0u, 1u, 15u, 16u, 17u, 64u, 70u}) {
      // Normal values, plus ones that round to f16 subnormals, overflow to infinity or tie.
      std::vector<float> x = Normal(n, rng);
      const float specials[] = {1e-6f, -3e-8f, 70000.0f, -65520.0f, 1.0f + 1.0f / 2048, 0.0f};
      for (size_t i = 0; i < n; ++i) x[i] = i % 3 == 0 ? specials[i / 3 % 6] : x[i];
      std::vector<float> got(n), want(n);
      RoundToF16(x.data(), n, got.data());
      scalar::RoundToF16(x.data(), n, want.data());
      EXPECT_EQ(got, want) << isa;
    }
  });
}

// The vector exp is the scalar one evaluated a register at a time; only the division may round differently
// (it does not: one IEEE division each), so results match the scalar twin to a few ulp, and the scalar twin
// matches the std::exp formula within its exp's error.
TEST(VecTest, SwiGluMatchesScalarOnEveryIsa) {
  std::mt19937 rng(7);
  ForEachIsa([&](std::string_view isa) {
    for (size_t n : {0u, 1u, 7u, 8u, 9u, 15u, 16u, 17u, 1000u}) {
      std::vector<float> gate = Normal(n, rng), up = Normal(n, rng);
      const float specials[] = {0.0f, -90.0f, 90.0f, -20.0f, 30.0f, -1e-8f};
      for (size_t i = 0; i < n; i += 5) gate[i] = specials[i / 5 % 6] * (i % 2 ? 1.0f : 3.0f);
      for (float& g : gate) g *= 4.0f;
      std::vector<float> got = gate, want = gate;
      SwiGlu(got.data(), up.data(), n);
      scalar::SwiGlu(want.data(), up.data(), n);
      for (size_t i = 0; i < n; ++i) {
        ASSERT_NEAR(got[i], want[i], 4e-7f * std::fabs(want[i]) + 1e-30f) << isa << " n=" << n << " i=" << i;
        const double exact = double(gate[i]) / (1.0 + std::exp(-double(gate[i]))) * double(up[i]);
        ASSERT_NEAR(want[i], exact, 1e-6 * std::fabs(exact) + 1e-30) << "scalar, x=" << gate[i];
      }
    }
  });
}

TEST(VecTest, RowsToF32IsExactOnEveryIsa) {
  std::mt19937 rng(4);
  ForEachIsa([&](std::string_view isa) {
    for (size_t n : {0u, 1u, 15u, 16u, 17u, 64u, 70u}) {
      const std::vector<uint16_t> h = Halves(Normal(5 * (n + 2), rng));
      std::vector<float> got(5 * n), want(5 * n);
      RowsToF32({h.data() + 1, n + 2, 5, n}, got.data());
      scalar::RowsToF32({h.data() + 1, n + 2, 5, n}, want.data());
      EXPECT_EQ(got, want) << isa;
    }
  });
}

}  // namespace
}  // namespace ingot::kernels
