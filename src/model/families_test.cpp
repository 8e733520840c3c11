// Family tests that need no reference files: architecture dispatch errors, Qwen2 (which has no llama.cpp golden
// file) against a naive dense forward pass written here, batched vs one-token-at-a-time decoding, and MoE
// parameter accounting.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

#include "gguf/writer.h"
#include "model/model.h"

namespace ingot::model {
namespace {

const std::string kShared = INGOT_SHARED_DIR;

Result<std::unique_ptr<Model>> LoadBytes(const std::vector<uint8_t>& bytes, ThreadPool& pool) {
  INGOT_ASSIGN_OR_RETURN(auto file, gguf::File::Parse(bytes.data(), bytes.size(), "test.gguf"));
  return LoadModel(std::shared_ptr<const gguf::File>(std::move(file)), pool);
}

TEST(FamiliesTest, UnsupportedArchitectureIsNamed) {
  ThreadPool pool(1);
  gguf::Writer w;
  w.SetString("general.architecture", "mamba");
  auto m = LoadBytes(w.Serialize(), pool);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("mamba"), std::string::npos);
  for (const std::string& arch : SupportedArchitectures()) {
    EXPECT_NE(m.status().message().find(arch), std::string::npos) << arch;
  }
}

// A tiny Qwen2: 2 layers, n_embd 32, 4 query heads / 2 KV heads of 8, n_ff 48, vocab 16, QKV biases, tied output.
struct TinyQwen2 {
  static constexpr int E = 32, H = 4, KVH = 2, HD = 8, FF = 48, V = 16, L = 2;
  std::mt19937 rng{7};
  std::map<std::string, std::vector<float>> t;  // name → data, row-major [rows, cols]

  std::vector<float>& Make(const std::string& name, size_t n, float sd, float mean = 0) {
    std::normal_distribution<float> nd(mean, sd);
    auto& v = t[name];
    v.resize(n);
    for (float& x : v) x = nd(rng);
    return v;
  }
  TinyQwen2() {
    Make("token_embd.weight", V * E, 0.5f);
    Make("output_norm.weight", E, 0.1f, 1.0f);
    for (int l = 0; l < L; ++l) {
      const std::string p = "blk." + std::to_string(l) + ".";
      Make(p + "attn_norm.weight", E, 0.1f, 1.0f);
      Make(p + "attn_q.weight", H * HD * E, 0.2f);
      Make(p + "attn_k.weight", KVH * HD * E, 0.2f);
      Make(p + "attn_v.weight", KVH * HD * E, 0.2f);
      Make(p + "attn_q.bias", H * HD, 0.5f);
      Make(p + "attn_k.bias", KVH * HD, 0.5f);
      Make(p + "attn_v.bias", KVH * HD, 0.5f);
      Make(p + "attn_output.weight", E * H * HD, 0.2f);
      Make(p + "ffn_norm.weight", E, 0.1f, 1.0f);
      Make(p + "ffn_gate.weight", FF * E, 0.2f);
      Make(p + "ffn_up.weight", FF * E, 0.2f);
      Make(p + "ffn_down.weight", E * FF, 0.2f);
    }
  }
  std::vector<uint8_t> Gguf() const {
    gguf::Writer w;
    w.SetString("general.architecture", "qwen2");
    w.SetU32("qwen2.block_count", L);
    w.SetU32("qwen2.embedding_length", E);
    w.SetU32("qwen2.attention.head_count", H);
    w.SetU32("qwen2.attention.head_count_kv", KVH);
    w.SetU32("qwen2.feed_forward_length", FF);
    w.SetF32("qwen2.attention.layer_norm_rms_epsilon", 1e-6f);
    w.SetF32("qwen2.rope.freq_base", 10000.0f);
    for (const auto& [name, data] : t) {
      const size_t n = data.size();
      std::vector<uint64_t> dims = {n};
      if (name.find("_norm") == std::string::npos && name.find(".bias") == std::string::npos) {
        const uint64_t cols = name.find("attn_output") != std::string::npos ? H * HD
                              : name.find("ffn_down") != std::string::npos ? FF : E;
        dims = {cols, n / cols};
      }
      EXPECT_TRUE(w.AddTensorF32(name, dims, data).ok()) << name;
    }
    return w.Serialize();
  }

  // Naive dense forward of a whole sequence: logits of every position, [T, V].
  std::vector<float> Reference(const std::vector<int32_t>& tokens) const {
    const size_t T = tokens.size();
    auto W = [&](const std::string& n) { return t.at(n).data(); };
    auto matvec = [](const float* m, const float* x, int rows, int cols, float* y) {
      for (int r = 0; r < rows; ++r) {
        double s = 0;
        for (int c = 0; c < cols; ++c) s += double(m[r * cols + c]) * x[c];
        y[r] = float(s);
      }
    };
    auto rms = [](const float* x, const float* w, int n, float* y) {
      double s = 0;
      for (int i = 0; i < n; ++i) s += double(x[i]) * x[i];
      const double inv = 1.0 / std::sqrt(s / n + 1e-6);
      for (int i = 0; i < n; ++i) y[i] = float(x[i] * inv * w[i]);
    };
    auto rope = [](float* v, int pos) {  // NEOX pairs (i, i + HD/2)
      for (int i = 0; i < HD / 2; ++i) {
        const double th = pos * std::pow(10000.0, -2.0 * i / HD);
        const double a = v[i], b = v[i + HD / 2];
        v[i] = float(a * std::cos(th) - b * std::sin(th));
        v[i + HD / 2] = float(a * std::sin(th) + b * std::cos(th));
      }
    };
    std::vector<float> x(T * E), h(E), q(T * H * HD), k(T * KVH * HD), v(T * KVH * HD), o(H * HD), f(E);
    std::vector<float> g(FF), u(FF);
    for (size_t i = 0; i < T; ++i) std::copy_n(W("token_embd.weight") + tokens[i] * E, E, &x[i * E]);
    for (int l = 0; l < L; ++l) {
      const std::string p = "blk." + std::to_string(l) + ".";
      for (size_t i = 0; i < T; ++i) {
        rms(&x[i * E], W(p + "attn_norm.weight"), E, h.data());
        matvec(W(p + "attn_q.weight"), h.data(), H * HD, E, &q[i * H * HD]);
        matvec(W(p + "attn_k.weight"), h.data(), KVH * HD, E, &k[i * KVH * HD]);
        matvec(W(p + "attn_v.weight"), h.data(), KVH * HD, E, &v[i * KVH * HD]);
        for (int j = 0; j < H * HD; ++j) q[i * H * HD + j] += W(p + "attn_q.bias")[j];
        for (int j = 0; j < KVH * HD; ++j) k[i * KVH * HD + j] += W(p + "attn_k.bias")[j];
        for (int j = 0; j < KVH * HD; ++j) v[i * KVH * HD + j] += W(p + "attn_v.bias")[j];
        for (int hh = 0; hh < H; ++hh) rope(&q[(i * H + hh) * HD], int(i));
        for (int hh = 0; hh < KVH; ++hh) rope(&k[(i * KVH + hh) * HD], int(i));
      }
      for (size_t i = 0; i < T; ++i) {
        for (int hh = 0; hh < H; ++hh) {
          const int kvh = hh / (H / KVH);
          std::vector<double> s(i + 1);
          double mx = -1e300, sum = 0;
          for (size_t j = 0; j <= i; ++j) {
            double d = 0;
            for (int c = 0; c < HD; ++c) d += double(q[(i * H + hh) * HD + c]) * k[(j * KVH + kvh) * HD + c];
            s[j] = d / std::sqrt(double(HD));
            mx = std::max(mx, s[j]);
          }
          for (double& e : s) sum += (e = std::exp(e - mx));
          for (int c = 0; c < HD; ++c) {
            double acc = 0;
            for (size_t j = 0; j <= i; ++j) acc += s[j] / sum * v[(j * KVH + kvh) * HD + c];
            o[hh * HD + c] = float(acc);
          }
        }
        matvec(W(p + "attn_output.weight"), o.data(), E, H * HD, f.data());
        for (int c = 0; c < E; ++c) x[i * E + c] += f[c];
      }
      for (size_t i = 0; i < T; ++i) {
        rms(&x[i * E], W(p + "ffn_norm.weight"), E, h.data());
        matvec(W(p + "ffn_gate.weight"), h.data(), FF, E, g.data());
        matvec(W(p + "ffn_up.weight"), h.data(), FF, E, u.data());
        for (int c = 0; c < FF; ++c) g[c] = g[c] / (1 + std::exp(-g[c])) * u[c];
        matvec(W(p + "ffn_down.weight"), g.data(), E, FF, f.data());
        for (int c = 0; c < E; ++c) x[i * E + c] += f[c];
      }
    }
    std::vector<float> logits(T * V);
    for (size_t i = 0; i < T; ++i) {
      rms(&x[i * E], W("output_norm.weight"), E, h.data());
      matvec(W("token_embd.weight"), h.data(), V, E, &logits[i * V]);
    }
    return logits;
  }
};

TEST(FamiliesTest, Qwen2MatchesNaiveForwardBatchedAndStepwise) {
  ThreadPool pool(2);
  TinyQwen2 tiny;
  const auto bytes = tiny.Gguf();
  auto m = LoadBytes(bytes, pool);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  Model& model = **m;
  EXPECT_EQ(model.info().architecture, "qwen2");
  const std::vector<int32_t> tokens = {1, 5, 9, 2, 15, 0, 7, 7, 3};
  const auto want = tiny.Reference(tokens);
  const size_t V = TinyQwen2::V;
  std::vector<int32_t> table = {1, 0, 2};
  // One batch, logits everywhere.
  {
    KvStore kv(model.info().kv, DType::kF32, 3, 4);
    Batch b;
    b.block_tables = {table.data()};
    for (size_t i = 0; i < tokens.size(); ++i) b.tokens.push_back({tokens[i], int32_t(i), 0, true});
    std::vector<float> logits;
    ASSERT_TRUE(model.Forward(b, kv, logits).ok());
    ASSERT_EQ(logits.size(), want.size());
    for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(logits[i], want[i], 1e-4) << "batched, index " << i;
  }
  // A prefix of 4 tokens, then one token per call.
  KvStore kv(model.info().kv, DType::kF32, 3, 4);
  Batch b;
  b.block_tables = {table.data()};
  for (size_t i = 0; i < 4; ++i) b.tokens.push_back({tokens[i], int32_t(i), 0, i == 3});
  std::vector<float> logits;
  ASSERT_TRUE(model.Forward(b, kv, logits).ok());
  for (size_t c = 0; c < V; ++c) EXPECT_NEAR(logits[c], want[3 * V + c], 1e-4);
  for (size_t i = 4; i < tokens.size(); ++i) {
    b.tokens = {{tokens[i], int32_t(i), 0, true}};
    ASSERT_TRUE(model.Forward(b, kv, logits).ok());
    for (size_t c = 0; c < V; ++c) EXPECT_NEAR(logits[c], want[i * V + c], 1e-4) << "step " << i;
  }
}

TEST(FamiliesTest, BadBatchIsAnErrorNotACrash) {
  ThreadPool pool(1);
  TinyQwen2 tiny;
  const auto bytes = tiny.Gguf();
  auto m = LoadBytes(bytes, pool);
  ASSERT_TRUE(m.ok());
  KvStore kv((*m)->info().kv, DType::kF16, 1, 16);
  std::vector<int32_t> table = {0};
  std::vector<float> logits;
  Batch b;
  b.block_tables = {table.data()};
  b.tokens = {{99, 0, 0, true}};
  EXPECT_FALSE((*m)->Forward(b, kv, logits).ok());
  b.tokens = {{1, 0, 3, true}};
  EXPECT_FALSE((*m)->Forward(b, kv, logits).ok());
}

TEST(FamiliesTest, MoeActiveParamsCountOnlyRoutedExperts) {
  ThreadPool pool(1);
  auto f = gguf::File::Open(kShared + "/models/qwen3moe-f32.gguf");
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  auto m = LoadModel(std::shared_ptr<const gguf::File>(std::move(f).value()), pool);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  // 2 layers × (8 - 2) unused experts × (gate + up + down of 256 × 256).
  EXPECT_EQ((*m)->info().n_params - (*m)->info().n_params_active, 2ull * 6 * 3 * 256 * 256);
}

TEST(FamiliesTest, Gemma4SharedKvLayersOwnNoCache) {
  ThreadPool pool(1);
  auto f = gguf::File::Open(kShared + "/models/gemma4-ple-soft-f16.gguf");
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  auto m = LoadModel(std::shared_ptr<const gguf::File>(std::move(f).value()), pool);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  const KvGeometry& kv = (*m)->info().kv;
  ASSERT_EQ(kv.layers.size(), 5u);  // 10 layers, the last 5 reuse layers 3 (sliding) and 4 (full)
  EXPECT_EQ(kv.layers[0].head_dim_k, 64);
  EXPECT_EQ(kv.layers[0].window, 64);
  EXPECT_EQ(kv.layers[4].head_dim_k, 128);
  EXPECT_EQ(kv.layers[4].window, 0);
}

}  // namespace
}  // namespace ingot::model
