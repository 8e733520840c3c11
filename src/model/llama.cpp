// Llama: RMSNorm → attention with adjacent-pair RoPE and GQA → residual → RMSNorm → SwiGLU FFN → residual.
// Mixtral-style files (llama.expert_count > 0) route each token to the top-k of their 3-D expert FFNs instead.
// "mistral3" (Ministral 3, Mistral Small 3.x) is the same graph with YaRN's beta and log multiplier from metadata
// and Llama 4's attention temperature: q scaled by 1 + β·ln(⌊pos / original context⌋ + 1).
// Weights are views into the GGUF mapping; per-forward buffers are reused across calls (no per-token allocation).
#include <cmath>

#include "model/decoder.h"
#include "model/families.h"
#include "model/moe.h"

namespace ingot::model {

namespace {

struct LlamaLayer {
  std::vector<float> attn_norm;  // [n_embd]
  ops::TensorView wq;            // [n_head * head_dim, n_embd]
  ops::TensorView wk;            // [n_head_kv * head_dim, n_embd]
  ops::TensorView wv;            // [n_head_kv * head_dim, n_embd]
  ops::TensorView wo;            // [n_embd, n_head * head_dim]
  std::vector<float> ffn_norm;   // [n_embd]
  GatedFfn ffn;                  // [n_ff, n_embd] ×2, [n_embd, n_ff]
  ops::TensorView router;        // Mixtral: [n_expert, n_embd], with experts instead of ffn
  ExpertFfn experts;
  AttentionSpec attn;
};

class Llama final : public DecoderModel {
 public:
  Llama(std::shared_ptr<const gguf::File> file, ThreadPool& pool, std::string arch)
      : DecoderModel(std::move(file), pool), arch_(std::move(arch)) {}

  Status Bind() {
    MetaReader m(*file_, arch_);
    if (arch_ == "mistral3") attn_temp_scale_ = m.Float("attention.temperature_scale", 0.0f);
    ExpertFfn shape;
    shape.n_expert = int32_t(m.Int("expert_count", 0));
    shape.n_used = int32_t(m.Int("expert_used_count", 0));
    INGOT_RETURN_IF_ERROR(m.status());
    const bool moe = shape.n_expert > 0;
    if (moe) m.RequirePositive("expert_used_count", shape.n_used, shape.n_expert);
    INGOT_RETURN_IF_ERROR(m.status());
    INGOT_ASSIGN_OR_RETURN(cfg_, ReadBaseConfig(*file_, arch_));
    if (arch_ == "mistral3") {
      INGOT_ASSIGN_OR_RETURN(cfg_.rope_scaling, ReadRopeScaling(*file_, arch_, cfg_.n_ctx_train, true));
    }
    const BaseConfig& c = cfg_;
    WeightBinder b(*file_);
    tok_embd_ = b.Matrix("token_embd.weight", c.n_vocab, c.n_embd);
    BindOutput(b, c, tok_embd_);
    rope_freqs_ = b.OptionalVector("rope_freqs.weight", c.n_rot / 2);
    for (int32_t il = 0; il < c.n_layer; ++il) {
      const std::string p = "blk." + std::to_string(il) + ".";
      const int64_t q_dim = int64_t(c.n_head) * c.head_dim;
      const int64_t kv_dim = int64_t(c.n_head_kv[size_t(il)]) * c.head_dim;
      const int64_t n_ff = c.n_ff[size_t(il)];
      LlamaLayer l;
      l.attn_norm = b.Vector(p + "attn_norm.weight", c.n_embd);
      l.wq = b.Matrix(p + "attn_q.weight", q_dim, c.n_embd);
      l.wk = b.Matrix(p + "attn_k.weight", kv_dim, c.n_embd);
      l.wv = b.Matrix(p + "attn_v.weight", kv_dim, c.n_embd);
      l.wo = b.Matrix(p + "attn_output.weight", c.n_embd, q_dim);
      l.ffn_norm = b.Vector(p + "ffn_norm.weight", c.n_embd);
      if (moe) {
        l.experts = shape;
        l.experts.n_ff = int32_t(n_ff);
        l.router = b.Matrix(p + "ffn_gate_inp.weight", shape.n_expert, c.n_embd);
        l.experts.gate = b.Experts(p + "ffn_gate_exps.weight", shape.n_expert, n_ff, c.n_embd);
        l.experts.up = b.Experts(p + "ffn_up_exps.weight", shape.n_expert, n_ff, c.n_embd);
        l.experts.down = b.Experts(p + "ffn_down_exps.weight", shape.n_expert, c.n_embd, n_ff);
      } else {
        l.ffn.gate = b.Matrix(p + "ffn_gate.weight", n_ff, c.n_embd);
        l.ffn.up = b.Matrix(p + "ffn_up.weight", n_ff, c.n_embd);
        l.ffn.down = b.Matrix(p + "ffn_down.weight", c.n_embd, n_ff);
      }
      l.attn = {.n_head = c.n_head, .n_head_kv = c.n_head_kv[size_t(il)], .head_dim = c.head_dim,
                .cache_layer = il, .scale = 1.0f / std::sqrt(float(c.head_dim)),
                .rope = MakeRope(c.rope_scaling, ops::RopeLayout::kAdjacent, c.n_rot, c.rope_base)};
      layers_.push_back(std::move(l));
    }
    INGOT_RETURN_IF_ERROR(b.status());
    if (!rope_freqs_.empty()) {
      for (LlamaLayer& l : layers_) l.attn.rope.freq_factors = rope_freqs_.data();
    }
    FillInfo(arch_, c, b);
    for (const LlamaLayer& l : layers_) {
      info_.kv.layers.push_back({l.attn.n_head_kv, c.head_dim, c.head_dim});
      if (moe) {
        info_.n_params_active -= l.experts.InactiveParams();
        ++n_moe_layers_;
        expert_bytes_ += l.experts.Bytes();
      }
    }
    return Status::Ok();
  }

  ExpertTraffic expert_traffic() const override { return expert_pass_.Traffic(n_moe_layers_, expert_bytes_); }

 private:
  Status RunLayers(const Batch& batch, KvStore& kv) override {
    const BaseConfig& c = cfg_;
    const size_t T = batch.tokens.size();
    const size_t E = size_t(c.n_embd);
    Embed(batch, tok_embd_, 1.0f);
    for (const LlamaLayer& l : layers_) {
      auto [q, k, v, attn] = NormAndProjectQkv(l.attn_norm, l.wq, l.wk, l.wv, T);
      float* h = h_.data();  // [T, n_embd] scratch from here on
      RopeAndStore(batch, kv, l.attn, q, k, v);
      if (attn_temp_scale_ != 0.0f) ScaleQueriesByPosition(batch, q, l.wq.rows);
      Attend(batch, kv, l.attn, q, attn);
      Linear(l.wo, attn, T, h);
      ops::Add(x_.data(), h, T * E);

      SwiGluResidual(l.ffn_norm, l.ffn, l.router, l.experts, expert_pass_, T, h,
                     l.router.empty() ? nullptr : Grow(f_, T * E));
    }
    return Status::Ok();
  }

  // Llama 4 attention temperature (mistral3): q of a token at pos ×= 1 + β·ln(⌊pos / n_ctx_orig⌋ + 1).
  void ScaleQueriesByPosition(const Batch& batch, float* q, size_t q_dim) const {
    const float floor_scale = float(cfg_.rope_scaling.n_ctx_orig);
    for (size_t t = 0; t < batch.tokens.size(); ++t) {
      const float pos = float(batch.tokens[t].pos);
      const float s = float(std::log(std::floor(pos / floor_scale) + 1.0) * attn_temp_scale_ + 1.0);
      ops::Scale(q + t * q_dim, q_dim, s);
    }
  }

  std::string arch_;
  float attn_temp_scale_ = 0.0f;   // attention.temperature_scale (β), 0: off
  BaseConfig cfg_;
  ops::TensorView tok_embd_;       // [n_vocab, n_embd]
  std::vector<float> rope_freqs_;  // [n_rot / 2] or empty
  std::vector<LlamaLayer> layers_;
  std::vector<float> f_;  // per-forward expert FFN buffer [T, n_embd] (MoE layers)
  ExpertPass expert_pass_;
  int32_t n_moe_layers_ = 0;
  uint64_t expert_bytes_ = 0;  // all experts of all layers
};

}  // namespace

Result<std::unique_ptr<Model>> LoadLlama(std::shared_ptr<const gguf::File> file, ThreadPool& pool) {
  INGOT_ASSIGN_OR_RETURN(auto arch, file->GetString("general.architecture"));
  auto model = std::make_unique<Llama>(std::move(file), pool, arch.value_or("llama"));
  INGOT_RETURN_IF_ERROR(model->Bind());
  return std::unique_ptr<Model>(std::move(model));
}

}  // namespace ingot::model
