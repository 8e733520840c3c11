// Tests for ops: RMSNorm, RoPE layouts, paged attention against a naive dense computation, MatMul against
// float dot products of dequantized weights.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "ops/attention.h"
#include "ops/matmul.h"
#include "ops/ops.h"
#include "quant/quant.h"
#include "util/fp16.h"

namespace ingot::ops {
namespace {

TEST(OpsTest, RmsNormUnitRms) {
  std::vector<float> x = {1, -2, 3, -4}, w = {1, 1, 2, 1}, out(4);
  RmsNorm(x.data(), w.data(), 0.0f, 4, out.data());
  const float rms = std::sqrt((1 + 4 + 9 + 16) / 4.0f);
  EXPECT_NEAR(out[0], 1 / rms, 1e-6);
  EXPECT_NEAR(out[2], 2 * 3 / rms, 1e-6);
}

TEST(OpsTest, RopeLayoutsRotateTheRightPairs) {
  RopeParams p;
  p.n_rot = 4;
  p.freq_base = 10000.0f;
  std::vector<float> adj = {1, 0, 1, 0}, neox = {1, 1, 0, 0};
  p.layout = RopeLayout::kAdjacent;
  Rope(adj.data(), 1, 4, 1, p);
  p.layout = RopeLayout::kNeox;
  Rope(neox.data(), 1, 4, 1, p);
  // Pair 0 rotates by 1 radian in both layouts.
  EXPECT_NEAR(adj[0], std::cos(1.0f), 1e-6);
  EXPECT_NEAR(adj[1], std::sin(1.0f), 1e-6);
  EXPECT_NEAR(neox[0], std::cos(1.0f), 1e-6);
  EXPECT_NEAR(neox[2], std::sin(1.0f), 1e-6);
  // Pair 1 rotates by 1/100 radian (base^(-2/4)).
  EXPECT_NEAR(adj[3], std::sin(0.01f), 1e-6);
  EXPECT_NEAR(neox[3], std::sin(0.01f), 1e-6);
}

TEST(OpsTest, RopeAttnFactorScalesRotatedPairsOnly) {
  RopeParams p;
  p.layout = RopeLayout::kNeox;
  p.n_rot = 4;
  p.attn_factor = 1.5f;
  std::vector<float> x = {1, 0, 0, 0, 7, 7};  // head_dim 6: dims 4 and 5 are not rotated
  Rope(x.data(), 1, 6, 0, p);
  EXPECT_FLOAT_EQ(x[0], 1.5f);
  EXPECT_FLOAT_EQ(x[2], 0.0f);
  EXPECT_FLOAT_EQ(x[4], 7.0f);
  EXPECT_FLOAT_EQ(x[5], 7.0f);
}

TEST(OpsTest, GeluF16RoundsLikeLlamaCpp) {
  std::vector<float> x = {-12.0f, -1.0f, 0.0f, 0.5f, 1.2345f, 3.0f, 11.0f};
  std::vector<float> up(x.size(), 2.0f), g = x;
  GeluF16(x.data(), x.size());
  GeGluF16(g.data(), up.data(), g.size());
  EXPECT_EQ(x[0], 0.0f);
  EXPECT_EQ(x[2], 0.0f);
  EXPECT_EQ(x[6], 11.0f);
  for (size_t i = 1; i < 6; ++i) {
    const float in = F16ToF32(F32ToF16(std::vector<float>{-12, -1, 0, 0.5f, 1.2345f, 3, 11}[i]));
    const float exact = 0.5f * in * (1 + std::tanh(0.7978845608f * in * (1 + 0.044715f * in * in)));
    EXPECT_EQ(x[i], F16ToF32(F32ToF16(exact))) << i;  // f16-rounded result of the f16-rounded input
    EXPECT_EQ(g[i], 2.0f * x[i]) << i;
  }
}

TEST(OpsTest, SoftmaxSumsToOne) {
  std::vector<float> x = {1.0f, 2.0f, 3.0f, -1000.0f};
  Softmax(x.data(), x.size());
  EXPECT_NEAR(x[0] + x[1] + x[2] + x[3], 1.0f, 1e-6);
  EXPECT_NEAR(x[2] / x[1], std::exp(1.0f), 1e-5);
  EXPECT_EQ(x[3], 0.0f);
}

TEST(OpsTest, PagedAttentionMatchesDense) {
  const int32_t n_head = 4, n_kv = 2, hd = 8, bs = 4, n_tok = 11;
  std::mt19937 rng(3);
  std::normal_distribution<float> nd;
  const int32_t n_blocks = 4;
  std::vector<float> kpool(size_t(n_blocks * bs * n_kv * hd)), vpool(kpool.size());
  std::vector<int32_t> table = {2, 0, 3};  // token j lives in block table[j / bs]
  std::vector<float> kd(size_t(n_tok * n_kv * hd)), vd(kd.size());
  for (size_t i = 0; i < kd.size(); ++i) {
    kd[i] = nd(rng);
    vd[i] = nd(rng);
  }
  for (int32_t j = 0; j < n_tok; ++j) {
    const size_t dst = (size_t(table[size_t(j / bs)]) * bs + size_t(j % bs)) * n_kv * hd;
    std::copy_n(&kd[size_t(j) * n_kv * hd], n_kv * hd, &kpool[dst]);
    std::copy_n(&vd[size_t(j) * n_kv * hd], n_kv * hd, &vpool[dst]);
  }
  std::vector<float> q(size_t(n_head * hd));
  for (float& x : q) x = nd(rng);
  PagedKv kv{DType::kF32, reinterpret_cast<const uint8_t*>(kpool.data()),
             reinterpret_cast<const uint8_t*>(vpool.data()), bs, n_kv, hd, hd, table.data()};
  AttentionParams ap{n_head, 0.35f, 0.0f, 2, n_tok};
  std::vector<float> scratch(AttentionScratchFloats(kv));
  std::vector<float> out(static_cast<size_t>(hd));
  for (int32_t h = 0; h < n_head; ++h) {
    AttentionHead(q.data(), h, kv, ap, scratch.data(), out.data());
    const int32_t kvh = h / (n_head / n_kv);
    std::vector<double> s;
    double mx = -1e30, sum = 0;
    for (int32_t j = ap.kv_begin; j < n_tok; ++j) {
      double d = 0;
      for (int32_t c = 0; c < hd; ++c) d += q[size_t(h * hd + c)] * kd[size_t((j * n_kv + kvh) * hd + c)];
      s.push_back(d * ap.scale);
      mx = std::max(mx, s.back());
    }
    for (double& x : s) sum += (x = std::exp(x - mx));
    for (int32_t c = 0; c < hd; ++c) {
      double want = 0;
      for (int32_t j = ap.kv_begin; j < n_tok; ++j) {
        want += s[size_t(j - ap.kv_begin)] / sum * vd[size_t((j * n_kv + kvh) * hd + c)];
      }
      EXPECT_NEAR(out[size_t(c)], want, 1e-5) << "head " << h << " dim " << c;
    }
  }
}

TEST(OpsTest, MatMulMatchesDequantizedDot) {
  ThreadPool pool(2);
  const size_t rows = 37, cols = 256, m = 3;
  std::mt19937 rng(5);
  std::normal_distribution<float> nd;
  std::vector<float> wf(rows * cols), x(m * cols);
  for (float& v : wf) v = nd(rng);
  for (float& v : x) v = nd(rng);
  for (DType type : {DType::kF32, DType::kF16, DType::kQ8_0, DType::kQ4_0, DType::kQ4_K, DType::kQ6_K}) {
    const size_t rb = RowBytes(type, cols);
    std::vector<uint8_t> wq(rows * rb);
    for (size_t r = 0; r < rows; ++r) QuantizeRow(type, &wf[r * cols], &wq[r * rb], cols);
    TensorView w{type, rows, cols, rb, wq.data(), "w"};
    std::vector<float> y(m * rows);
    ActivationBuffer scratch;
    MatMul(pool, w, x.data(), m, cols, y.data(), rows, scratch);
    std::vector<float> deq(cols);
    for (size_t r = 0; r < rows; ++r) {
      DequantizeRow(type, &wq[r * rb], deq.data(), cols);
      for (size_t t = 0; t < m; ++t) {
        double want = 0, w_norm = 0, x_max = 0;
        for (size_t c = 0; c < cols; ++c) {
          want += double(deq[c]) * x[t * cols + c];
          w_norm += double(deq[c]) * deq[c];
          x_max = std::max(x_max, std::fabs(double(x[t * cols + c])));
        }
        // Activations are rounded to 8-bit blocks (step x_max/127, uniform error) before the dot product:
        // the error has standard deviation |w| * step / sqrt(12); allow five of them.
        EXPECT_NEAR(y[t * rows + r], want, 5.0 * std::sqrt(w_norm) * x_max / 127.0 / std::sqrt(12.0) + 1e-4)
            << DTypeName(type) << " row " << r << " token " << t;
      }
    }
  }
}

}  // namespace
}  // namespace ingot::ops
