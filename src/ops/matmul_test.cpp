// Tests for MatMulShared: every output bit-identical to a MatMul of its weight alone, for mixed weight and
// activation formats, token counts around the packed-GEMM thresholds, row counts off the 16-row unit, thread
// counts and every ISA the CPU supports.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

#include "kernels/kernels.h"
#include "ops/matmul.h"
#include "quant/quant.h"

namespace ingot::ops {
namespace {

struct Weight {
  std::vector<uint8_t> data;
  TensorView view;
};

Weight MakeWeight(DType type, size_t rows, size_t cols, std::mt19937& rng) {
  std::normal_distribution<float> nd;
  std::vector<float> f(cols);
  Weight w;
  const size_t rb = RowBytes(type, cols);
  w.data.resize(rows * rb);
  for (size_t r = 0; r < rows; ++r) {
    for (float& v : f) v = nd(rng);
    QuantizeRow(type, f.data(), &w.data[r * rb], cols);
  }
  w.view = TensorView{type, rows, cols, rb, w.data.data(), "w"};
  return w;
}

class IsaScope {
 public:
  explicit IsaScope(kernels::Isa isa) : saved_(kernels::ActiveIsa()) { kernels::SetActiveIsa(isa); }
  ~IsaScope() { kernels::SetActiveIsa(saved_); }

 private:
  kernels::Isa saved_;
};

TEST(MatMulSharedTest, BitIdenticalToSeparateMatMuls) {
  const size_t cols = 512;
  std::mt19937 rng(11);
  // Groups as models have them (Q4_K_M: Q4_K with a Q6_K V; Q8_0) and mixed activation formats.
  const std::vector<std::vector<std::pair<DType, size_t>>> groups = {
      {{DType::kQ4_K, 64}, {DType::kQ4_K, 16}, {DType::kQ6_K, 16}},
      {{DType::kQ8_0, 37}, {DType::kQ8_0, 5}, {DType::kQ8_0, 21}},
      {{DType::kQ4_K, 33}, {DType::kQ8_0, 17}, {DType::kF16, 9}, {DType::kQ4_0, 48}},
      {{DType::kQ6_K, 1}, {DType::kQ5_K, 0}, {DType::kBF16, 31}},
  };
  for (kernels::Isa isa : {kernels::Isa::kScalar, kernels::Isa::kAvx2, kernels::Isa::kAvx512,
                           kernels::Isa::kAvx512Vnni, kernels::Isa::kAmx}) {
    if (!kernels::IsaSupported(isa)) continue;
    IsaScope scope(isa);
    for (const auto& group : groups) {
      std::vector<Weight> weights;
      for (auto [type, rows] : group) weights.push_back(MakeWeight(type, rows, cols, rng));
      for (size_t m : {1u, 2u, 7u, 8u, 16u, 17u, 40u}) {
        std::normal_distribution<float> nd;
        const size_t x_stride = cols + 3;
        std::vector<float> x(m * x_stride);
        for (float& v : x) v = nd(rng);
        ThreadPool single(1);
        ActivationBuffer scratch;
        std::vector<std::vector<float>> want;
        for (const Weight& w : weights) {
          want.emplace_back(m * w.view.rows);
          MatMul(single, w.view, x.data(), m, x_stride, want.back().data(), w.view.rows, scratch);
        }
        for (int threads : {1, 2, 3}) {
          ThreadPool pool(threads);
          std::vector<std::vector<float>> got;
          std::vector<MatMulOut> outs;
          for (const Weight& w : weights) got.emplace_back(m * (w.view.rows + 2), -1.0f);
          for (size_t i = 0; i < weights.size(); ++i) {
            outs.push_back({&weights[i].view, got[i].data(), weights[i].view.rows + 2});
          }
          MatMulShared(pool, outs, x.data(), m, x_stride, scratch);
          for (size_t i = 0; i < weights.size(); ++i) {
            const size_t rows = weights[i].view.rows;
            for (size_t t = 0; t < m; ++t) {
              ASSERT_EQ(std::memcmp(&got[i][t * (rows + 2)], &want[i][t * rows], rows * sizeof(float)), 0)
                  << kernels::IsaName(isa) << " output " << i << " (" << DTypeName(weights[i].view.type)
                  << ") token " << t << " of " << m << ", " << threads << " threads";
              EXPECT_EQ(got[i][t * (rows + 2) + rows], -1.0f);  // the stride gap is untouched
            }
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace ingot::ops
