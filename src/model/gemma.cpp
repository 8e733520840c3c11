// Gemma 2 and 3: sliding-window and global layers (Gemma 2 alternates them; Gemma 3 has 5 sliding of every 6 with
// their own RoPE base, and per-head Q/K RMSNorm), sandwich norms (post-attention and post-FFN), GeGLU with
// tanh-GELU, embeddings scaled by √n_embd, queries pre-scaled; Gemma 2 soft-caps attention scores and logits.
// GGUF norm weights are the multipliers as stored (the converter already folded Gemma's 1 + w).
#include <cmath>

#include "model/decoder.h"
#include "model/families.h"

namespace ingot::model {

namespace {

struct GemmaLayer {
  std::vector<float> attn_norm;       // [n_embd]
  ops::TensorView wq, wk, wv;         // [n_head * head_dim | n_head_kv * head_dim, n_embd]
  std::vector<float> q_norm, k_norm;  // Gemma 3: [head_dim]; Gemma 2: empty
  ops::TensorView wo;                 // [n_embd, n_head * head_dim]
  std::vector<float> post_attn_norm;  // [n_embd]
  std::vector<float> ffn_norm;        // [n_embd]
  GatedFfn ffn;
  std::vector<float> post_ffn_norm;   // [n_embd]
  AttentionSpec attn;
  float q_scale = 1.0f;               // applied to q before attention (the q·k scale is 1)
};

class Gemma final : public DecoderModel {
 public:
  Gemma(std::shared_ptr<const gguf::File> file, ThreadPool& pool, std::string arch)
      : DecoderModel(std::move(file), pool), arch_(std::move(arch)) {}

  Status Bind() {
    const bool v2 = arch_ == "gemma2";
    INGOT_ASSIGN_OR_RETURN(cfg_, ReadBaseConfig(*file_, arch_));
    const BaseConfig& c = cfg_;
    MetaReader m(*file_, arch_);
    // As llama.cpp: Gemma 2 defaults to a 4096 window on every other layer, its sliding layers scaled as the global
    // ones; Gemma 3 slides only when the window is set, 5 of 6 layers by default, its sliding layers unscaled.
    const int32_t window = int32_t(m.Int("attention.sliding_window", v2 ? 4096 : 0));
    const int32_t pattern = int32_t(m.Int("attention.sliding_window_pattern", v2 ? 2 : 6));
    const float swa_base = m.Float("rope.freq_base_swa", v2 ? c.rope_base : 10000.0f);
    const float attn_softcap = v2 ? m.Float("attn_logit_softcapping", 50.0f) : 0.0f;
    final_softcap_ = m.Float("final_logit_softcapping", v2 ? 30.0f : 0.0f);
    INGOT_RETURN_IF_ERROR(m.status());
    if (window < 0 || pattern <= 0 || attn_softcap < 0.0f || final_softcap_ < 0.0f) {
      return Corrupt(file_->path() + ": invalid " + arch_ + " sliding-window or soft-cap metadata");
    }
    // Gemma's query_pre_attn_scalar is not in GGUF; as in llama.cpp it is n_embd / n_head for the 27B models
    // (Gemma 2: 46 layers, Gemma 3: 62) and head_dim for every other size.
    const bool is_27b = c.n_layer == (v2 ? 46 : 62);
    const float q_scale = 1.0f / std::sqrt(is_27b ? float(c.n_embd / c.n_head) : float(c.head_dim));

    WeightBinder b(*file_);
    tok_embd_ = b.Matrix("token_embd.weight", c.n_vocab, c.n_embd);
    BindOutput(b, c, tok_embd_);
    for (int32_t il = 0; il < c.n_layer; ++il) {
      const std::string p = "blk." + std::to_string(il) + ".";
      const int64_t q_dim = int64_t(c.n_head) * c.head_dim;
      const int64_t kv_dim = int64_t(c.n_head_kv[size_t(il)]) * c.head_dim;
      const int64_t n_ff = c.n_ff[size_t(il)];
      GemmaLayer l;
      l.attn_norm = b.Vector(p + "attn_norm.weight", c.n_embd);
      l.wq = b.Matrix(p + "attn_q.weight", q_dim, c.n_embd);
      l.wk = b.Matrix(p + "attn_k.weight", kv_dim, c.n_embd);
      l.wv = b.Matrix(p + "attn_v.weight", kv_dim, c.n_embd);
      if (!v2) {
        l.q_norm = b.Vector(p + "attn_q_norm.weight", c.head_dim);
        l.k_norm = b.Vector(p + "attn_k_norm.weight", c.head_dim);
      }
      l.wo = b.Matrix(p + "attn_output.weight", c.n_embd, q_dim);
      l.post_attn_norm = b.Vector(p + "post_attention_norm.weight", c.n_embd);
      l.ffn_norm = b.Vector(p + "ffn_norm.weight", c.n_embd);
      l.ffn.gate = b.Matrix(p + "ffn_gate.weight", n_ff, c.n_embd);
      l.ffn.up = b.Matrix(p + "ffn_up.weight", n_ff, c.n_embd);
      l.ffn.down = b.Matrix(p + "ffn_down.weight", c.n_embd, n_ff);
      l.post_ffn_norm = b.Vector(p + "post_ffw_norm.weight", c.n_embd);
      const bool sliding = window > 0 && il % pattern < pattern - 1;
      l.attn = {.n_head = c.n_head, .n_head_kv = c.n_head_kv[size_t(il)], .head_dim = c.head_dim,
                .cache_layer = il, .window = sliding ? window : 0, .softcap = attn_softcap,
                .rope = MakeRope(c.rope_scaling, ops::RopeLayout::kNeox, c.n_rot, sliding ? swa_base : c.rope_base,
                                 v2 || !sliding)};
      l.q_scale = q_scale;
      layers_.push_back(std::move(l));
    }
    INGOT_RETURN_IF_ERROR(b.status());
    FillInfo(arch_, c, b);
    for (const GemmaLayer& l : layers_) {
      info_.kv.layers.push_back({l.attn.n_head_kv, c.head_dim, c.head_dim, l.attn.window});
    }
    return Status::Ok();
  }

 private:
  Status RunLayers(const Batch& batch, KvStore& kv) override {
    const size_t T = batch.tokens.size();
    const size_t E = size_t(cfg_.n_embd);
    const size_t hd = size_t(cfg_.head_dim);
    Embed(batch, tok_embd_, std::sqrt(float(cfg_.n_embd)));
    for (const GemmaLayer& l : layers_) {
      auto [q, k, v, attn] = NormAndProjectQkv(l.attn_norm, l.wq, l.wk, l.wv, T);
      float* h = h_.data();  // [T, n_embd] scratch from here on
      if (!l.q_norm.empty()) {
        NormRows(q, T * size_t(l.attn.n_head), hd, l.q_norm.data(), q);
        NormRows(k, T * size_t(l.attn.n_head_kv), hd, l.k_norm.data(), k);
      }
      ops::Scale(q, T * l.wq.rows, l.q_scale);
      RopeAndStore(batch, kv, l.attn, q, k, v);
      Attend(batch, kv, l.attn, q, attn);
      Linear(l.wo, attn, T, h);
      NormRows(h, T, E, l.post_attn_norm.data(), h);
      ops::Add(x_.data(), h, T * E);

      NormRows(x_.data(), T, E, l.ffn_norm.data(), h);
      float* f = Grow(f_, T * E);
      FeedForward(l.ffn, Activation::kGeluF16, h, T, f);
      NormRows(f, T, E, l.post_ffn_norm.data(), f);
      ops::Add(x_.data(), f, T * E);
    }
    return Status::Ok();
  }

  std::string arch_;
  BaseConfig cfg_;
  ops::TensorView tok_embd_;  // [n_vocab, n_embd]
  std::vector<GemmaLayer> layers_;
  std::vector<float> f_;  // per-forward FFN buffer
};

}  // namespace

Result<std::unique_ptr<Model>> LoadGemma(std::shared_ptr<const gguf::File> file, ThreadPool& pool) {
  INGOT_ASSIGN_OR_RETURN(auto arch, file->GetString("general.architecture"));
  auto model = std::make_unique<Gemma>(std::move(file), pool, arch.value_or(""));
  INGOT_RETURN_IF_ERROR(model->Bind());
  return std::unique_ptr<Model>(std::move(model));
}

}  // namespace ingot::model
