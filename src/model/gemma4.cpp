// Gemma 4 as llama.cpp implements it: per-layer sliding/full attention (own head dim, RoPE base and rotated
// dims; full layers rotate through rope_freqs), Q/K RMSNorm and a weightless RMSNorm on V (V = K where attn_v is
// absent), attention scale 1, sandwich norms, GeGLU, √n_embd embeddings, final soft-cap, layer_output_scale;
// E2B/E4B extras: per-layer embeddings and layers that read an earlier layer's KV cache; 26B-A4B MoE layers: a
// dense MLP plus routed GeGLU experts (scaled router, fused gate_up, per-expert output scale), each with norms.
#include <algorithm>
#include <cmath>

#include "model/decoder.h"
#include "model/families.h"
#include "model/moe.h"

namespace ingot::model {

namespace {

struct Gemma4Moe {
  ops::TensorView router;             // [n_expert, n_embd]
  std::vector<float> router_scale;    // [n_embd] (ffn_gate_inp.scale)
  std::vector<float> pre_norm;        // [n_embd] experts' input norm (pre_ffw_norm_2)
  std::vector<float> post_norm_mlp;   // [n_embd] dense MLP output norm (post_ffw_norm_1)
  std::vector<float> post_norm_moe;   // [n_embd] experts' output norm (post_ffw_norm_2)
  ExpertFfn experts;
};

struct Gemma4Layer {
  std::vector<float> attn_norm;       // [n_embd]
  ops::TensorView wq;                 // [n_head * head_dim, n_embd]
  ops::TensorView wk, wv;             // [n_head_kv * head_dim, n_embd]; empty on shared-KV layers; wv may be empty
  std::vector<float> q_norm, k_norm;  // [head_dim]
  ops::TensorView wo;                 // [n_embd, n_head * head_dim]
  std::vector<float> post_attn_norm;  // [n_embd]
  std::vector<float> ffn_norm;        // [n_embd]
  GatedFfn ffn;                       // [n_ff(il), n_embd] ...
  std::vector<float> post_ffn_norm;   // [n_embd]
  bool has_moe = false;
  Gemma4Moe moe;
  ops::TensorView ple_gate;           // [n_embd_per_layer, n_embd] (inp_gate) or empty
  ops::TensorView ple_proj;           // [n_embd, n_embd_per_layer] (proj)
  std::vector<float> ple_norm;        // [n_embd] (post_norm)
  std::vector<float> out_scale;       // [1] or empty
  bool owns_kv = true;
  AttentionSpec attn;
};

class Gemma4 final : public DecoderModel {
 public:
  using DecoderModel::DecoderModel;

  Status Bind() {
    INGOT_ASSIGN_OR_RETURN(cfg_, ReadBaseConfig(*file_, "gemma4"));
    const BaseConfig& c = cfg_;
    MetaReader m(*file_, "gemma4");
    const int32_t head_dim_swa = int32_t(m.Int("attention.key_length_swa", c.head_dim));
    const int32_t n_rot_swa = int32_t(m.Int("rope.dimension_count_swa", head_dim_swa));
    const float base_swa = m.Float("rope.freq_base_swa", 10000.0f);
    const int32_t window = int32_t(m.Int("attention.sliding_window", 0));
    const int32_t n_shared = int32_t(m.Int("attention.shared_kv_layers", 0));
    n_ple_ = int32_t(m.Int("embedding_length_per_layer_input", 0));
    final_softcap_ = m.Float("final_logit_softcapping", 0.0f);
    ExpertFfn shape;
    shape.n_expert = int32_t(m.Int("expert_count", 0));
    shape.n_used = int32_t(m.Int("expert_used_count", 0));
    shape.n_ff = int32_t(m.Int("expert_feed_forward_length", 0));
    std::vector<bool> sliding = SlidingPattern(m, c.n_layer);
    INGOT_RETURN_IF_ERROR(m.status());
    m.RequirePositive("attention.key_length_swa", head_dim_swa, 1024);
    m.RequirePositive("rope.dimension_count_swa", n_rot_swa, head_dim_swa);
    if (n_shared < 0 || n_shared >= c.n_layer || window < 0 || n_ple_ < 0 || n_ple_ > (1 << 16) ||
        n_rot_swa % 2 != 0) {
      return Corrupt(file_->path() + ": invalid gemma4 shared-KV, sliding-window, RoPE or per-layer metadata");
    }
    if (shape.n_expert > 0) {
      m.RequirePositive("expert_used_count", shape.n_used, shape.n_expert);
      m.RequirePositive("expert_feed_forward_length", shape.n_ff, 1 << 20);
    }
    INGOT_RETURN_IF_ERROR(m.status());

    WeightBinder b(*file_);
    tok_embd_ = b.Matrix("token_embd.weight", c.n_vocab, c.n_embd);
    BindOutput(b, c, tok_embd_);
    rope_freqs_ = b.OptionalVector("rope_freqs.weight", c.n_rot / 2);
    if (n_ple_ > 0) {
      const int64_t width = int64_t(n_ple_) * c.n_layer;
      ple_embd_ = b.Matrix("per_layer_token_embd.weight", c.n_vocab, width);
      ple_model_proj_ = b.Matrix("per_layer_model_proj.weight", width, c.n_embd);
      ple_proj_norm_ = b.Vector("per_layer_proj_norm.weight", n_ple_);
    }
    const int32_t n_kv_layers = c.n_layer - n_shared;
    for (int32_t il = 0; il < c.n_layer; ++il) {
      const std::string p = "blk." + std::to_string(il) + ".";
      const bool swa = sliding[size_t(il)];
      const int32_t hd = swa ? head_dim_swa : c.head_dim;
      const int32_t n_kv = c.n_head_kv[size_t(il)];
      const int64_t q_dim = int64_t(c.n_head) * hd;
      Gemma4Layer l;
      l.owns_kv = il < n_kv_layers;
      l.attn_norm = b.Vector(p + "attn_norm.weight", c.n_embd);
      l.wq = b.Matrix(p + "attn_q.weight", q_dim, c.n_embd);
      l.q_norm = b.Vector(p + "attn_q_norm.weight", hd);
      if (l.owns_kv) {
        l.wk = b.Matrix(p + "attn_k.weight", int64_t(n_kv) * hd, c.n_embd);
        l.wv = b.OptionalMatrix(p + "attn_v.weight", int64_t(n_kv) * hd, c.n_embd);
        l.k_norm = b.Vector(p + "attn_k_norm.weight", hd);
      }
      l.wo = b.Matrix(p + "attn_output.weight", c.n_embd, q_dim);
      l.post_attn_norm = b.Vector(p + "post_attention_norm.weight", c.n_embd);
      l.out_scale = b.OptionalVector(p + "layer_output_scale.weight", 1);
      const int64_t n_ff = c.n_ff[size_t(il)];
      l.ffn_norm = b.Vector(p + "ffn_norm.weight", c.n_embd);
      l.ffn.gate = b.Matrix(p + "ffn_gate.weight", n_ff, c.n_embd);
      l.ffn.up = b.Matrix(p + "ffn_up.weight", n_ff, c.n_embd);
      l.ffn.down = b.Matrix(p + "ffn_down.weight", c.n_embd, n_ff);
      l.post_ffn_norm = b.Vector(p + "post_ffw_norm.weight", c.n_embd);
      l.has_moe = shape.n_expert > 0 && b.Has(p + "ffn_gate_inp.weight");
      if (l.has_moe) BindMoe(b, p, shape, l.moe);
      if (n_ple_ > 0) {
        l.ple_gate = b.Matrix(p + "inp_gate.weight", n_ple_, c.n_embd);
        l.ple_proj = b.Matrix(p + "proj.weight", c.n_embd, n_ple_);
        l.ple_norm = b.Vector(p + "post_norm.weight", c.n_embd);
      }
      l.attn = {.n_head = c.n_head, .n_head_kv = n_kv, .head_dim = hd, .cache_layer = il,
                .window = swa ? window : 0,
                .rope = MakeRope(c.rope_scaling, ops::RopeLayout::kNeox, swa ? n_rot_swa : c.n_rot,
                                 swa ? base_swa : c.rope_base)};
      if (!l.owns_kv) {
        l.attn.cache_layer = LastOwnerOfKind(sliding, n_kv_layers, swa);
        if (l.attn.cache_layer < 0) {
          return Corrupt(file_->path() + ": gemma4 layer " + std::to_string(il) + " shares the KV cache of a " +
                         (swa ? "sliding" : "full") + " layer, but no earlier layer is one");
        }
      }
      layers_.push_back(std::move(l));
    }
    INGOT_RETURN_IF_ERROR(b.status());
    for (Gemma4Layer& l : layers_) {
      const Gemma4Layer& owner = layers_[size_t(l.attn.cache_layer)];
      if (owner.attn.head_dim != l.attn.head_dim || owner.attn.n_head_kv != l.attn.n_head_kv) {
        return Corrupt(file_->path() + ": a gemma4 shared-KV layer's head shape differs from its cache layer's");
      }
      if (l.attn.window == 0 && !rope_freqs_.empty()) l.attn.rope.freq_factors = rope_freqs_.data();
    }
    FillInfo("gemma4", c, b);
    for (const Gemma4Layer& l : layers_) {
      if (l.owns_kv) info_.kv.layers.push_back({l.attn.n_head_kv, l.attn.head_dim, l.attn.head_dim, l.attn.window});
      if (l.has_moe) {
        info_.n_params_active -= l.moe.experts.InactiveParams();
        ++n_moe_layers_;
        expert_bytes_ += l.moe.experts.Bytes();
      }
    }
    return Status::Ok();
  }

  ExpertTraffic expert_traffic() const override { return expert_pass_.Traffic(n_moe_layers_, expert_bytes_); }

 private:
  // attention.sliding_window_pattern: one bool per layer, or a period n (the last layer of every n is full).
  static std::vector<bool> SlidingPattern(MetaReader& m, int32_t n_layer) {
    if (auto arr = m.BoolArray("attention.sliding_window_pattern")) {
      if (arr->size() == size_t(n_layer)) return *arr;
    }
    const int64_t period = m.Int("attention.sliding_window_pattern", 0);
    std::vector<bool> out(static_cast<size_t>(n_layer), false);
    for (int32_t il = 0; il < n_layer && period > 0; ++il) out[size_t(il)] = il % period < period - 1;
    return out;
  }

  // The last cache-owning layer of the same kind (sliding or full), or -1.
  static int32_t LastOwnerOfKind(const std::vector<bool>& sliding, int32_t n_kv_layers, bool swa) {
    for (int32_t j = n_kv_layers - 1; j >= 0; --j) {
      if (sliding[size_t(j)] == swa) return j;
    }
    return -1;
  }

  void BindMoe(WeightBinder& b, const std::string& p, const ExpertFfn& shape, Gemma4Moe& moe) {
    const int64_t E = cfg_.n_embd;
    moe.router = b.Matrix(p + "ffn_gate_inp.weight", shape.n_expert, E);
    moe.router_scale = b.Vector(p + "ffn_gate_inp.scale", E);
    moe.pre_norm = b.Vector(p + "pre_ffw_norm_2.weight", E);
    moe.post_norm_mlp = b.Vector(p + "post_ffw_norm_1.weight", E);
    moe.post_norm_moe = b.Vector(p + "post_ffw_norm_2.weight", E);
    moe.experts = shape;
    if (b.Has(p + "ffn_gate_up_exps.weight")) {
      moe.experts.gate_up = b.Experts(p + "ffn_gate_up_exps.weight", shape.n_expert, 2 * int64_t(shape.n_ff), E);
    } else {
      moe.experts.gate = b.Experts(p + "ffn_gate_exps.weight", shape.n_expert, shape.n_ff, E);
      moe.experts.up = b.Experts(p + "ffn_up_exps.weight", shape.n_expert, shape.n_ff, E);
    }
    moe.experts.down = b.Experts(p + "ffn_down_exps.weight", shape.n_expert, E, shape.n_ff);
    moe.experts.down_scale = b.OptionalVector(p + "ffn_down_exps.scale", shape.n_expert);
  }

  // ple_ [T, n_layer, n_ple] = (RMSNorm(model_proj · x / √n_embd) + per_layer_embd[token] · √n_ple) / √2,
  // from the scaled token embeddings in x_.
  void PerLayerInputs(const Batch& batch) {
    const size_t T = batch.tokens.size();
    const size_t width = ple_model_proj_.rows;
    float* ple = Grow(ple_, T * width);
    float* tok = Grow(ple_tok_, T * width);
    Linear(ple_model_proj_, x_.data(), T, ple);
    ops::Scale(ple, T * width, 1.0f / std::sqrt(float(cfg_.n_embd)));
    NormRows(ple, T * size_t(cfg_.n_layer), size_t(n_ple_), ple_proj_norm_.data(), ple);
    pool_.ParallelFor(T, 1, [&](size_t b, size_t e) {
      for (size_t t = b; t < e; ++t) {
        ops::GetRow(ple_embd_, size_t(batch.tokens[t].token), tok + t * width);
        ops::Scale(tok + t * width, width, std::sqrt(float(n_ple_)));
        ops::Add(ple + t * width, tok + t * width, width);
        ops::Scale(ple + t * width, width, 1.0f / std::sqrt(2.0f));
      }
    });
  }

  // f [T, n_embd] = the dense MLP and the routed experts of a MoE layer, each normed, summed.
  void MoeBlock(const Gemma4Layer& l, size_t T, const float* attn_out, float* f) {
    const size_t E = size_t(cfg_.n_embd);
    const Gemma4Moe& moe = l.moe;
    float* h = Grow(h_, T * E);
    NormRows(attn_out, T, E, l.ffn_norm.data(), h);
    FeedForward(l.ffn, Activation::kGeluF16, h, T, f);
    NormRows(f, T, E, moe.post_norm_mlp.data(), f);
    // Router input: RMSNorm(attn_out) / √n_embd ⊙ scale.
    NormRows(attn_out, T, E, nullptr, h);
    const float inv = 1.0f / std::sqrt(float(E));
    for (size_t i = 0; i < T * E; ++i) h[i] = h[i] * inv * moe.router_scale[i % E];
    float* in = Grow(experts_in_, T * E);
    NormRows(attn_out, T, E, moe.pre_norm.data(), in);
    float* e = Grow(experts_out_, T * E);
    expert_pass_.RouteAndRun(pool_, moe.router, moe.experts, Activation::kGeluF16, h, in, T, E, e, act_);
    NormRows(e, T, E, moe.post_norm_moe.data(), e);
    ops::Add(f, e, T * E);
  }

  // x += RMSNorm(proj · (gelu(gate · x) ⊙ ple[il]))
  void PerLayerEmbedding(const Gemma4Layer& l, int32_t il, size_t T) {
    const size_t E = size_t(cfg_.n_embd);
    const size_t n = size_t(n_ple_);
    const size_t width = size_t(cfg_.n_layer) * n;
    float* g = Grow(ple_gate_, T * n);
    float* h = Grow(h_, T * E);
    Linear(l.ple_gate, x_.data(), T, g);
    ops::GeluF16(g, T * n);
    for (size_t t = 0; t < T; ++t) {
      const float* in = &ple_[t * width + size_t(il) * n];
      for (size_t i = 0; i < n; ++i) g[t * n + i] *= in[i];
    }
    Linear(l.ple_proj, g, T, h);
    NormRows(h, T, E, l.ple_norm.data(), h);
    ops::Add(x_.data(), h, T * E);
  }

  Status RunLayers(const Batch& batch, KvStore& kv) override {
    const size_t T = batch.tokens.size();
    const size_t E = size_t(cfg_.n_embd);
    Embed(batch, tok_embd_, std::sqrt(float(cfg_.n_embd)));
    if (n_ple_ > 0) PerLayerInputs(batch);
    for (size_t il = 0; il < layers_.size(); ++il) {
      const Gemma4Layer& l = layers_[il];
      const size_t hd = size_t(l.attn.head_dim);
      float* h = Grow(h_, T * E);
      float* q = Grow(q_, T * l.wq.rows);
      float* attn = Grow(attn_, T * l.wq.rows);
      NormRows(x_.data(), T, E, l.attn_norm.data(), h);
      float* k = l.owns_kv ? Grow(k_, T * l.wk.rows) : nullptr;
      float* v = l.owns_kv ? Grow(v_, T * l.wk.rows) : nullptr;
      ops::MatMulOut outs[3] = {{&l.wq, q, l.wq.rows}};
      size_t n_outs = 1;
      if (l.owns_kv) outs[n_outs++] = {&l.wk, k, l.wk.rows};
      if (l.owns_kv && !l.wv.empty()) outs[n_outs++] = {&l.wv, v, l.wv.rows};
      ops::MatMulShared(pool_, std::span<const ops::MatMulOut>(outs, n_outs), h, T, E, act_);
      NormRows(q, T * size_t(l.attn.n_head), hd, l.q_norm.data(), q);
      if (l.owns_kv) {
        if (l.wv.empty()) std::copy_n(k, T * l.wk.rows, v);
        NormRows(k, T * size_t(l.attn.n_head_kv), hd, l.k_norm.data(), k);
        NormRows(v, T * size_t(l.attn.n_head_kv), hd, nullptr, v);
      }
      RopeAndStore(batch, kv, l.attn, q, k, v);
      Attend(batch, kv, l.attn, q, attn);
      Linear(l.wo, attn, T, h);
      NormRows(h, T, E, l.post_attn_norm.data(), h);
      ops::Add(x_.data(), h, T * E);

      float* f = Grow(f_, T * E);
      if (l.has_moe) {
        MoeBlock(l, T, x_.data(), f);
      } else {
        NormRows(x_.data(), T, E, l.ffn_norm.data(), h);
        FeedForward(l.ffn, Activation::kGeluF16, h, T, f);
      }
      NormRows(f, T, E, l.post_ffn_norm.data(), f);
      ops::Add(x_.data(), f, T * E);
      if (n_ple_ > 0) PerLayerEmbedding(l, int32_t(il), T);
      if (!l.out_scale.empty()) ops::Scale(x_.data(), T * E, l.out_scale[0]);
    }
    return Status::Ok();
  }

  BaseConfig cfg_;
  int32_t n_ple_ = 0;                // per-layer embedding width (0: none)
  ops::TensorView tok_embd_;         // [n_vocab, n_embd]
  std::vector<float> rope_freqs_;    // [n_rot / 2] frequency divisors of the full layers, or empty
  ops::TensorView ple_embd_;         // [n_vocab, n_layer * n_ple]
  ops::TensorView ple_model_proj_;   // [n_layer * n_ple, n_embd]
  std::vector<float> ple_proj_norm_;  // [n_ple]
  std::vector<Gemma4Layer> layers_;
  // Per-forward buffers.
  std::vector<float> f_, experts_in_, experts_out_, ple_, ple_tok_, ple_gate_;
  ExpertPass expert_pass_;
  int32_t n_moe_layers_ = 0;
  uint64_t expert_bytes_ = 0;  // all experts of all layers
};

}  // namespace

Result<std::unique_ptr<Model>> LoadGemma4(std::shared_ptr<const gguf::File> file, ThreadPool& pool) {
  auto model = std::make_unique<Gemma4>(std::move(file), pool);
  INGOT_RETURN_IF_ERROR(model->Bind());
  return std::unique_ptr<Model>(std::move(model));
}

}  // namespace ingot::model
