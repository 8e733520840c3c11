// Family tests beside the golden files: architecture dispatch errors; Qwen2, Mixtral, Gemma 2, Phi-3 (no llama.cpp
// golden file in ../shared) against a naive dense forward pass written here, batched and one token at a time;
// MoE parameter accounting and shared-KV cache geometry.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <numeric>
#include <random>

#include "gguf/writer.h"
#include "model/model.h"
#include "model/random_model.h"
#include "util/fp16.h"

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

// Features of a tiny random model and of the naive reference forward pass below.
struct TinySpec {
  std::string arch;
  bool bias = false;       // qwen2: Q/K/V biases
  bool neox = true;        // RoPE layout (llama: adjacent pairs)
  int n_expert = 0;        // llama (Mixtral): routed experts, n_used of them per token
  int n_used = 0;
  bool gemma2 = false;     // √E embeddings, pre-scaled queries, soft-caps, sandwich norms, GeGLU, sliding layer 0
  bool phi3 = false;       // fused QKV and gate+up projections, LongRoPE short factors and magnitude factor
  int window = 4;          // gemma2 sliding window
  float attn_cap = 5.0f;   // small soft-caps, so that they matter at these scales
  float final_cap = 3.0f;
};

// A tiny model of 2 layers, n_embd 32, 4 query heads / 2 KV heads of 8, n_ff 48, vocabulary 16, tied output,
// with N(0, 0.2²) matrices, and its naive dense forward pass (double accumulation, no cache, no batching).
struct TinyModel {
  static constexpr int E = 32, H = 4, KVH = 2, HD = 8, FF = 48, V = 16, L = 2;
  TinySpec spec;
  std::mt19937 rng{7};
  std::map<std::string, std::vector<float>> t;  // name → data, row-major [rows, cols] (experts: [n, rows, cols])
  std::map<std::string, std::vector<uint64_t>> dims;

  void Make(const std::string& name, std::vector<uint64_t> d, float sd, float mean = 0) {
    std::normal_distribution<float> nd(mean, sd);
    size_t n = 1;
    for (uint64_t x : d) n *= x;
    auto& v = t[name];
    v.resize(n);
    for (float& x : v) x = nd(rng);
    dims[name] = std::move(d);
  }
  explicit TinyModel(TinySpec s) : spec(std::move(s)) {
    Make("token_embd.weight", {E, V}, 0.5f);
    Make("output_norm.weight", {E}, 0.1f, 1.0f);
    if (spec.phi3) {
      t["rope_factors_short.weight"] = {1.0f, 1.5f, 4.0f, 20.0f};
      dims["rope_factors_short.weight"] = {HD / 2};
    }
    for (int l = 0; l < L; ++l) {
      const std::string p = "blk." + std::to_string(l) + ".";
      Make(p + "attn_norm.weight", {E}, 0.1f, 1.0f);
      if (spec.phi3) {
        Make(p + "attn_qkv.weight", {E, (H + 2 * KVH) * HD}, 0.2f);
      } else {
        Make(p + "attn_q.weight", {E, H * HD}, 0.2f);
        Make(p + "attn_k.weight", {E, KVH * HD}, 0.2f);
        Make(p + "attn_v.weight", {E, KVH * HD}, 0.2f);
      }
      if (spec.bias) {
        Make(p + "attn_q.bias", {H * HD}, 0.5f);
        Make(p + "attn_k.bias", {KVH * HD}, 0.5f);
        Make(p + "attn_v.bias", {KVH * HD}, 0.5f);
      }
      Make(p + "attn_output.weight", {H * HD, E}, 0.2f);
      Make(p + "ffn_norm.weight", {E}, 0.1f, 1.0f);
      if (spec.n_expert > 0) {
        const uint64_t n = uint64_t(spec.n_expert);
        Make(p + "ffn_gate_inp.weight", {E, n}, 0.5f);
        Make(p + "ffn_gate_exps.weight", {E, FF, n}, 0.2f);
        Make(p + "ffn_up_exps.weight", {E, FF, n}, 0.2f);
        Make(p + "ffn_down_exps.weight", {FF, E, n}, 0.2f);
      } else if (spec.phi3) {
        Make(p + "ffn_up.weight", {E, 2 * FF}, 0.2f);
        Make(p + "ffn_down.weight", {FF, E}, 0.2f);
      } else {
        Make(p + "ffn_gate.weight", {E, FF}, 0.2f);
        Make(p + "ffn_up.weight", {E, FF}, 0.2f);
        Make(p + "ffn_down.weight", {FF, E}, 0.2f);
      }
      if (spec.gemma2) {
        Make(p + "post_attention_norm.weight", {E}, 0.1f, 1.0f);
        Make(p + "post_ffw_norm.weight", {E}, 0.1f, 1.0f);
      }
    }
  }

  std::vector<uint8_t> Gguf() const {
    gguf::Writer w;
    const std::string a = spec.arch;
    w.SetString("general.architecture", a);
    w.SetU32(a + ".block_count", L);
    w.SetU32(a + ".embedding_length", E);
    w.SetU32(a + ".attention.head_count", H);
    w.SetU32(a + ".attention.head_count_kv", KVH);
    w.SetU32(a + ".feed_forward_length", FF);
    w.SetF32(a + ".attention.layer_norm_rms_epsilon", 1e-6f);
    w.SetF32(a + ".rope.freq_base", 10000.0f);
    if (spec.n_expert > 0) {
      w.SetU32(a + ".expert_count", uint32_t(spec.n_expert));
      w.SetU32(a + ".expert_used_count", uint32_t(spec.n_used));
    }
    if (spec.phi3) w.SetF32(a + ".rope.scaling.attn_factor", 1.25f);
    if (spec.gemma2) {
      w.SetU32(a + ".attention.sliding_window", uint32_t(spec.window));
      w.SetF32(a + ".attn_logit_softcapping", spec.attn_cap);
      w.SetF32(a + ".final_logit_softcapping", spec.final_cap);
    }
    for (const auto& [name, data] : t) EXPECT_TRUE(w.AddTensorF32(name, dims.at(name), data).ok()) << name;
    return w.Serialize();
  }

  // Logits of every position of one sequence, [T, V].
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
    auto rope = [&](float* v, int pos) {
      for (int i = 0; i < HD / 2; ++i) {
        double th = pos * std::pow(10000.0, -2.0 * i / HD);
        double mag = 1.0;
        if (spec.phi3) {
          th /= t.at("rope_factors_short.weight")[size_t(i)];
          mag = 1.25;
        }
        const int ia = spec.neox ? i : 2 * i, ib = spec.neox ? i + HD / 2 : 2 * i + 1;
        const double a = v[ia], b = v[ib];
        v[ia] = float(mag * (a * std::cos(th) - b * std::sin(th)));
        v[ib] = float(mag * (a * std::sin(th) + b * std::cos(th)));
      }
    };
    // llama.cpp's CPU GELU: tanh-GELU of the f16-rounded input, rounded to f16.
    auto gelu = [](float x) {
      if (x <= -10.0f) return 0.0f;
      if (x >= 10.0f) return x;
      const double r = F16ToF32(F32ToF16(x));
      return F16ToF32(F32ToF16(float(0.5 * r * (1 + std::tanh(0.7978845608028654 * r * (1 + 0.044715 * r * r))))));
    };
    // FFN of one row with the given gate/up/down matrices.
    auto ffn = [&](const float* gw, const float* uw, const float* dw, const float* x, float* y) {
      std::vector<float> g(FF), u(FF);
      matvec(gw, x, FF, E, g.data());
      matvec(uw, x, FF, E, u.data());
      for (int c = 0; c < FF; ++c) g[c] = (spec.gemma2 ? gelu(g[c]) : g[c] / (1 + std::exp(-g[c]))) * u[c];
      matvec(dw, g.data(), E, FF, y);
    };
    std::vector<float> x(T * E), h(E), q(T * H * HD), k(T * KVH * HD), v(T * KVH * HD), o(H * HD), f(E);
    for (size_t i = 0; i < T; ++i) {
      std::copy_n(W("token_embd.weight") + tokens[i] * E, E, &x[i * E]);
      if (spec.gemma2) {
        for (int c = 0; c < E; ++c) x[i * E + c] *= std::sqrt(float(E));
      }
    }
    for (int l = 0; l < L; ++l) {
      const std::string p = "blk." + std::to_string(l) + ".";
      const int window = spec.gemma2 && l % 2 == 0 ? spec.window : 0;
      for (size_t i = 0; i < T; ++i) {
        rms(&x[i * E], W(p + "attn_norm.weight"), E, h.data());
        if (spec.phi3) {
          const float* qkv = W(p + "attn_qkv.weight");
          matvec(qkv, h.data(), H * HD, E, &q[i * H * HD]);
          matvec(qkv + H * HD * E, h.data(), KVH * HD, E, &k[i * KVH * HD]);
          matvec(qkv + (H + KVH) * HD * E, h.data(), KVH * HD, E, &v[i * KVH * HD]);
        } else {
          matvec(W(p + "attn_q.weight"), h.data(), H * HD, E, &q[i * H * HD]);
          matvec(W(p + "attn_k.weight"), h.data(), KVH * HD, E, &k[i * KVH * HD]);
          matvec(W(p + "attn_v.weight"), h.data(), KVH * HD, E, &v[i * KVH * HD]);
        }
        if (spec.bias) {
          for (int j = 0; j < H * HD; ++j) q[i * H * HD + j] += W(p + "attn_q.bias")[j];
          for (int j = 0; j < KVH * HD; ++j) k[i * KVH * HD + j] += W(p + "attn_k.bias")[j];
          for (int j = 0; j < KVH * HD; ++j) v[i * KVH * HD + j] += W(p + "attn_v.bias")[j];
        }
        for (int hh = 0; hh < H; ++hh) rope(&q[(i * H + hh) * HD], int(i));
        for (int hh = 0; hh < KVH; ++hh) rope(&k[(i * KVH + hh) * HD], int(i));
      }
      std::vector<float> x_in = x;  // residual before attention
      for (size_t i = 0; i < T; ++i) {
        const size_t first = window > 0 && i + 1 > size_t(window) ? i + 1 - size_t(window) : 0;
        for (int hh = 0; hh < H; ++hh) {
          const int kvh = hh / (H / KVH);
          std::vector<double> s(i + 1, 0.0);
          double mx = -1e300, sum = 0;
          for (size_t j = first; j <= i; ++j) {
            double d = 0;
            for (int c = 0; c < HD; ++c) d += double(q[(i * H + hh) * HD + c]) * k[(j * KVH + kvh) * HD + c];
            d /= std::sqrt(double(HD));
            if (spec.gemma2) d = spec.attn_cap * std::tanh(d / spec.attn_cap);
            s[j] = d;
            mx = std::max(mx, d);
          }
          for (size_t j = first; j <= i; ++j) sum += (s[j] = std::exp(s[j] - mx));
          for (int c = 0; c < HD; ++c) {
            double acc = 0;
            for (size_t j = first; j <= i; ++j) acc += s[j] / sum * v[(j * KVH + kvh) * HD + c];
            o[hh * HD + c] = float(acc);
          }
        }
        matvec(W(p + "attn_output.weight"), o.data(), E, H * HD, f.data());
        if (spec.gemma2) rms(f.data(), W(p + "post_attention_norm.weight"), E, f.data());
        for (int c = 0; c < E; ++c) x[i * E + c] = x_in[i * E + c] + f[c];
      }
      for (size_t i = 0; i < T; ++i) {
        rms(&x[i * E], W(p + "ffn_norm.weight"), E, h.data());
        if (spec.n_expert > 0) {
          std::vector<float> logits(static_cast<size_t>(spec.n_expert));
          matvec(W(p + "ffn_gate_inp.weight"), h.data(), spec.n_expert, E, logits.data());
          std::vector<double> prob(logits.begin(), logits.end());
          const double mx = *std::max_element(prob.begin(), prob.end());
          double sum = 0;
          for (double& e : prob) sum += (e = std::exp(e - mx));
          std::vector<int> order(static_cast<size_t>(spec.n_expert));
          std::iota(order.begin(), order.end(), 0);
          std::sort(order.begin(), order.end(), [&](int a, int b) { return prob[size_t(a)] > prob[size_t(b)]; });
          double used = 0;
          for (int kk = 0; kk < spec.n_used; ++kk) used += prob[size_t(order[size_t(kk)])];
          std::fill(f.begin(), f.end(), 0.0f);
          for (int kk = 0; kk < spec.n_used; ++kk) {
            const int e = order[size_t(kk)];
            std::vector<float> y(E);
            ffn(W(p + "ffn_gate_exps.weight") + e * FF * E, W(p + "ffn_up_exps.weight") + e * FF * E,
                W(p + "ffn_down_exps.weight") + e * E * FF, h.data(), y.data());
            for (int c = 0; c < E; ++c) f[c] += float(prob[size_t(e)] / used) * y[c];
          }
        } else if (spec.phi3) {
          const float* gate_up = W(p + "ffn_up.weight");
          ffn(gate_up, gate_up + FF * E, W(p + "ffn_down.weight"), h.data(), f.data());
        } else {
          ffn(W(p + "ffn_gate.weight"), W(p + "ffn_up.weight"), W(p + "ffn_down.weight"), h.data(), f.data());
        }
        if (spec.gemma2) rms(f.data(), W(p + "post_ffw_norm.weight"), E, f.data());
        for (int c = 0; c < E; ++c) x[i * E + c] += f[c];
      }
    }
    std::vector<float> logits(T * V);
    for (size_t i = 0; i < T; ++i) {
      rms(&x[i * E], W("output_norm.weight"), E, h.data());
      matvec(W("token_embd.weight"), h.data(), V, E, &logits[i * V]);
      if (spec.gemma2) {
        for (int c = 0; c < V; ++c) logits[i * V + c] = spec.final_cap * std::tanh(logits[i * V + c] / spec.final_cap);
      }
    }
    return logits;
  }
};

// Loads the tiny model and checks its logits against the naive pass, for the whole sequence in one batch and
// for a 4-token prefill followed by one token per call (KV cache f32, pages out of order).
void CheckAgainstNaive(const TinySpec& spec, float tol) {
  ThreadPool pool(2);
  TinyModel tiny(spec);
  const auto bytes = tiny.Gguf();
  auto m = LoadBytes(bytes, pool);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  Model& model = **m;
  EXPECT_EQ(model.info().architecture, spec.arch);
  const std::vector<int32_t> tokens = {1, 5, 9, 2, 15, 0, 7, 7, 3, 11};
  const auto want = tiny.Reference(tokens);
  const size_t V = TinyModel::V;
  std::vector<int32_t> table = {1, 0, 2};
  {
    KvStore kv(model.info().kv, DType::kF32, 3, 4);
    Batch b;
    b.block_tables = {table.data()};
    for (size_t i = 0; i < tokens.size(); ++i) b.tokens.push_back({tokens[i], int32_t(i), 0, true});
    std::vector<float> logits;
    ASSERT_TRUE(model.Forward(b, kv, logits).ok());
    ASSERT_EQ(logits.size(), want.size());
    for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(logits[i], want[i], tol) << "batched, index " << i;
  }
  KvStore kv(model.info().kv, DType::kF32, 3, 4);
  Batch b;
  b.block_tables = {table.data()};
  for (size_t i = 0; i < 4; ++i) b.tokens.push_back({tokens[i], int32_t(i), 0, i == 3});
  std::vector<float> logits;
  ASSERT_TRUE(model.Forward(b, kv, logits).ok());
  for (size_t c = 0; c < V; ++c) EXPECT_NEAR(logits[c], want[3 * V + c], tol);
  for (size_t i = 4; i < tokens.size(); ++i) {
    b.tokens = {{tokens[i], int32_t(i), 0, true}};
    ASSERT_TRUE(model.Forward(b, kv, logits).ok());
    for (size_t c = 0; c < V; ++c) EXPECT_NEAR(logits[c], want[i * V + c], tol) << "step " << i;
  }
}

// Families without a llama.cpp golden file in ../shared, against the naive pass.
TEST(FamiliesTest, Qwen2MatchesNaiveForward) { CheckAgainstNaive({.arch = "qwen2", .bias = true}, 1e-4f); }
TEST(FamiliesTest, MixtralMatchesNaiveForward) {
  CheckAgainstNaive({.arch = "llama", .neox = false, .n_expert = 4, .n_used = 2}, 1e-4f);
}
TEST(FamiliesTest, Gemma2MatchesNaiveForward) { CheckAgainstNaive({.arch = "gemma2", .gemma2 = true}, 1e-4f); }
TEST(FamiliesTest, Phi3MatchesNaiveForward) { CheckAgainstNaive({.arch = "phi3", .phi3 = true}, 1e-4f); }

TEST(FamiliesTest, BadBatchIsAnErrorNotACrash) {
  ThreadPool pool(1);
  TinyModel tiny({.arch = "qwen2", .bias = true});
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

// The random Gemma 4 writer (for benchmarks at real layer layouts) makes files the gemma4 family loads and runs.
TEST(FamiliesTest, RandomGemma4MoeLoadsAndRuns) {
  std::filesystem::create_directories(INGOT_TEST_TMP);
  const std::string path = std::string(INGOT_TEST_TMP) + "/random-gemma4-moe.gguf";
  RandomGemma4Options o;
  o.shape.n_expert = 16;
  o.shape.n_used = 4;
  o.shape.n_ff_expert = 64;
  o.shape.window = 8;
  o.type = DType::kQ8_0;
  ASSERT_TRUE(WriteRandomGemma4(o, path).ok());
  ThreadPool pool(2);
  auto f = gguf::File::Open(path);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  auto m = LoadModel(std::shared_ptr<const gguf::File>(std::move(f).value()), pool);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  const ModelInfo& info = (*m)->info();
  EXPECT_EQ(info.n_params - info.n_params_active, 6ull * 12 * 3 * 64 * 256);  // 12 of 16 experts idle per layer
  KvStore kv(info.kv, DType::kF16, 2, 16);
  std::vector<int32_t> table = {1, 0};
  Batch b;
  b.block_tables = {table.data()};
  for (int32_t i = 0; i < 20; ++i) b.tokens.push_back({(i * 37) % info.n_vocab, i, 0, i == 19});
  std::vector<float> logits;
  ASSERT_TRUE((*m)->Forward(b, kv, logits).ok());
  ASSERT_EQ(logits.size(), size_t(info.n_vocab));
  for (float x : logits) ASSERT_TRUE(std::isfinite(x) && std::fabs(x) <= 30.0f);  // soft-capped at 30
  EXPECT_TRUE(NamedGemma4Shape("moe").has_value());
  EXPECT_FALSE(NamedGemma4Shape("gemma5").has_value());
}

// A copy of a shared test model with one metadata key replaced (or added) and one tensor left out.
std::vector<uint8_t> Rewrite(const std::string& stem, const std::string& key, const gguf::Value* value,
                             const std::string& drop_tensor) {
  auto f = gguf::File::Open(kShared + "/models/" + stem + ".gguf");
  EXPECT_TRUE(f.ok()) << f.status().ToString();
  if (!f.ok()) return {};
  gguf::Writer w((*f)->alignment());
  for (const auto& [k, v] : (*f)->metadata()) {
    if (k != "general.alignment") w.SetValue(k, v);
  }
  if (value != nullptr) w.SetValue(key, *value);
  for (const gguf::TensorInfo& t : (*f)->tensors()) {
    if (t.name == drop_tensor) continue;
    EXPECT_TRUE(w.AddTensor(t.name, t.type, t.dims, std::vector<uint8_t>(t.data, t.data + t.n_bytes)).ok());
  }
  return w.Serialize();
}

void ExpectLoadError(const std::vector<uint8_t>& bytes, const std::string& needle) {
  ThreadPool pool(1);
  auto m = LoadBytes(bytes, pool);
  ASSERT_FALSE(m.ok()) << "loaded, expected an error mentioning '" << needle << "'";
  EXPECT_NE(m.status().message().find(needle), std::string::npos) << m.status().ToString();
}

TEST(FamiliesTest, MalformedFilesAreErrorsNamingTheProblem) {
  using gguf::Value;
  using gguf::ValueType;
  const Value too_many_shared = Value::Unsigned(ValueType::kU32, 10);
  ExpectLoadError(Rewrite("gemma4-ple-soft-f16", "gemma4.attention.shared_kv_layers", &too_many_shared, ""),
                  "gemma4");
  const Value bad_kv = Value::Array(ValueType::kU32, {Value::Unsigned(ValueType::kU32, 2)});
  ExpectLoadError(Rewrite("gemma4-moe-soft-f16", "gemma4.attention.head_count_kv", &bad_kv, ""),
                  "head_count_kv");
  const Value odd_kv = Value::Unsigned(ValueType::kU32, 3);
  ExpectLoadError(Rewrite("qwen3-f32", "qwen3.attention.head_count_kv", &odd_kv, ""), "head_count_kv");
  const Value no_used = Value::Unsigned(ValueType::kU32, 0);
  ExpectLoadError(Rewrite("qwen3moe-f32", "qwen3moe.expert_used_count", &no_used, ""), "expert_used_count");
  // Without the fused tensor the separate gate/up experts are required.
  ExpectLoadError(Rewrite("gemma4-moe-soft-f16", "", nullptr, "blk.3.ffn_gate_up_exps.weight"),
                  "blk.3.ffn_gate_exps.weight");
  ExpectLoadError(Rewrite("gemma4-ple-soft-f16", "", nullptr, "per_layer_token_embd.weight"),
                  "per_layer_token_embd.weight");
  ExpectLoadError(Rewrite("gemma3-f32", "", nullptr, "blk.2.post_ffw_norm.weight"), "blk.2.post_ffw_norm.weight");
  ExpectLoadError(Rewrite("qwen3-f32", "", nullptr, "token_embd.weight"), "token_embd.weight");
}

}  // namespace
}  // namespace ingot::model
