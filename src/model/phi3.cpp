// Phi-3: Llama-shaped (pre-norm, GQA, NEOX RoPE, SwiGLU) with a fused QKV projection (attn_qkv, or separate
// Q/K/V in some conversions), a fused gate+up projection (ffn_up: gate rows, then up rows), and LongRoPE's short
// and long frequency factors with its magnitude factor (rope.scaling.attn_factor): the long factors when the
// sequence context (SetSequenceContext) exceeds rope.scaling.original_context_length, as llama.cpp chooses.
#include <algorithm>
#include <cmath>

#include "model/decoder.h"
#include "model/families.h"

namespace ingot::model {

namespace {

struct Phi3Layer {
  std::vector<float> attn_norm;  // [n_embd]
  ops::TensorView wq, wk, wv;    // separate, or the row ranges of attn_qkv [q_dim + 2 * kv_dim, n_embd]
  ops::TensorView wo;            // [n_embd, n_head * head_dim]
  std::vector<float> ffn_norm;   // [n_embd]
  GatedFfn ffn;                  // gate_up [2 * n_ff, n_embd] (gate rows then up rows), down [n_embd, n_ff]
  AttentionSpec attn;
};

class Phi3 final : public DecoderModel {
 public:
  using DecoderModel::DecoderModel;

  Status Bind() {
    INGOT_ASSIGN_OR_RETURN(cfg_, ReadBaseConfig(*file_, "phi3"));
    const BaseConfig& c = cfg_;
    WeightBinder b(*file_);
    tok_embd_ = b.Matrix("token_embd.weight", c.n_vocab, c.n_embd);
    BindOutput(b, c, tok_embd_);
    rope_factors_ = b.OptionalVector("rope_factors_short.weight", c.n_rot / 2);
    rope_factors_long_ = b.OptionalVector("rope_factors_long.weight", c.n_rot / 2);
    for (int32_t il = 0; il < c.n_layer; ++il) {
      const std::string p = "blk." + std::to_string(il) + ".";
      const int64_t q_dim = int64_t(c.n_head) * c.head_dim;
      const int64_t kv_dim = int64_t(c.n_head_kv[size_t(il)]) * c.head_dim;
      const int64_t n_ff = c.n_ff[size_t(il)];
      Phi3Layer l;
      l.attn_norm = b.Vector(p + "attn_norm.weight", c.n_embd);
      if (b.Has(p + "attn_qkv.weight")) {
        const ops::TensorView wqkv = b.Matrix(p + "attn_qkv.weight", q_dim + 2 * kv_dim, c.n_embd);
        if (!wqkv.empty()) {
          l.wq = wqkv.Rows(0, size_t(q_dim));
          l.wk = wqkv.Rows(size_t(q_dim), size_t(kv_dim));
          l.wv = wqkv.Rows(size_t(q_dim + kv_dim), size_t(kv_dim));
        }
      } else {
        l.wq = b.Matrix(p + "attn_q.weight", q_dim, c.n_embd);
        l.wk = b.Matrix(p + "attn_k.weight", kv_dim, c.n_embd);
        l.wv = b.Matrix(p + "attn_v.weight", kv_dim, c.n_embd);
      }
      l.wo = b.Matrix(p + "attn_output.weight", c.n_embd, q_dim);
      l.ffn_norm = b.Vector(p + "ffn_norm.weight", c.n_embd);
      l.ffn.gate_up = b.Matrix(p + "ffn_up.weight", 2 * n_ff, c.n_embd);
      l.ffn.down = b.Matrix(p + "ffn_down.weight", c.n_embd, n_ff);
      l.attn = {.n_head = c.n_head, .n_head_kv = c.n_head_kv[size_t(il)], .head_dim = c.head_dim,
                .cache_layer = il, .rope = MakeRope(c.rope_scaling, ops::RopeLayout::kNeox, c.n_rot, c.rope_base)};
      layers_.push_back(std::move(l));
    }
    INGOT_RETURN_IF_ERROR(b.status());
    for (Phi3Layer& l : layers_) {
      if (!rope_factors_.empty()) l.attn.rope.freq_factors = rope_factors_.data();
    }
    FillInfo("phi3", c, b);
    for (const Phi3Layer& l : layers_) info_.kv.layers.push_back({l.attn.n_head_kv, c.head_dim, c.head_dim});
    return Status::Ok();
  }

  void SetSequenceContext(int32_t n_ctx_seq) override {
    const bool use_long = n_ctx_seq > cfg_.rope_scaling.n_ctx_orig;
    const std::vector<float>& f = use_long ? rope_factors_long_ : rope_factors_;
    for (Phi3Layer& l : layers_) l.attn.rope.freq_factors = f.empty() ? nullptr : f.data();
  }

 private:
  Status RunLayers(const Batch& batch, KvStore& kv) override {
    const size_t T = batch.tokens.size();
    const size_t E = size_t(cfg_.n_embd);
    Embed(batch, tok_embd_, 1.0f);
    for (const Phi3Layer& l : layers_) {
      const size_t q_dim = size_t(l.attn.n_head) * size_t(l.attn.head_dim);
      auto [q, k, v, attn] = NormAndProjectQkv(l.attn_norm, l.wq, l.wk, l.wv, T);
      float* h = h_.data();  // [T, n_embd] scratch from here on
      RopeAndStore(batch, kv, l.attn, q, k, v);
      ops::Scale(q, T * q_dim, 1.0f / std::sqrt(float(l.attn.head_dim)));  // as llama.cpp: q scaled, q·k scale 1
      Attend(batch, kv, l.attn, q, attn);
      Linear(l.wo, attn, T, h);
      ops::Add(x_.data(), h, T * E);

      NormRows(x_.data(), T, E, l.ffn_norm.data(), h);
      float* f = Grow(f_, T * E);
      FeedForward(l.ffn, Activation::kSilu, h, T, f);
      ops::Add(x_.data(), f, T * E);
    }
    return Status::Ok();
  }

  BaseConfig cfg_;
  ops::TensorView tok_embd_;         // [n_vocab, n_embd]
  std::vector<float> rope_factors_;       // [n_rot / 2] LongRoPE short factors, or empty
  std::vector<float> rope_factors_long_;  // [n_rot / 2] LongRoPE long factors, or empty
  std::vector<Phi3Layer> layers_;
  std::vector<float> f_;  // per-forward FFN output [T, n_embd]
};

}  // namespace

Result<std::unique_ptr<Model>> LoadPhi3(std::shared_ptr<const gguf::File> file, ThreadPool& pool) {
  auto model = std::make_unique<Phi3>(std::move(file), pool);
  INGOT_RETURN_IF_ERROR(model->Bind());
  return std::unique_ptr<Model>(std::move(model));
}

}  // namespace ingot::model
