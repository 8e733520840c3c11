// Qwen 2 / 2.5 (QKV bias), Qwen 3 (per-head Q/K RMSNorm) and Qwen 3 MoE (routed SwiGLU experts, softmax top-k
// renormalized, no shared expert). Otherwise Llama-shaped: pre-norm, NEOX RoPE, GQA, SwiGLU.
#include <cmath>

#include "model/decoder.h"
#include "model/families.h"
#include "model/moe.h"

namespace ingot::model {

namespace {

struct QwenLayer {
  std::vector<float> attn_norm;          // [n_embd]
  ops::TensorView wq, wk, wv;            // [n_head * head_dim | n_head_kv * head_dim, n_embd]
  std::vector<float> bq, bk, bv;         // qwen2: biases of the same widths; else empty
  std::vector<float> q_norm, k_norm;     // qwen3: [head_dim]; else empty
  ops::TensorView wo;                    // [n_embd, n_head * head_dim]
  std::vector<float> ffn_norm;           // [n_embd]
  GatedFfn ffn;                          // dense layers
  ops::TensorView router;                // qwen3moe: [n_expert, n_embd]
  ExpertFfn experts;
  AttentionSpec attn;
};

class Qwen final : public DecoderModel {
 public:
  Qwen(std::shared_ptr<const gguf::File> file, ThreadPool& pool, std::string arch)
      : DecoderModel(std::move(file), pool), arch_(std::move(arch)) {}

  Status Bind() {
    const bool moe = arch_ == "qwen3moe";
    INGOT_ASSIGN_OR_RETURN(cfg_, ReadBaseConfig(*file_, arch_, !moe));
    const BaseConfig& c = cfg_;
    ExpertFfn shape;
    if (moe) {
      MetaReader m(*file_, arch_);
      shape.n_expert = int32_t(m.Int("expert_count"));
      shape.n_used = int32_t(m.Int("expert_used_count"));
      shape.n_ff = int32_t(m.Int("expert_feed_forward_length"));
      m.RequirePositive("expert_count", shape.n_expert, 4096);
      m.RequirePositive("expert_used_count", shape.n_used, shape.n_expert);
      m.RequirePositive("expert_feed_forward_length", shape.n_ff, 1 << 20);
      INGOT_RETURN_IF_ERROR(m.status());
    }
    WeightBinder b(*file_);
    tok_embd_ = b.Matrix("token_embd.weight", c.n_vocab, c.n_embd);
    BindOutput(b, c, tok_embd_);
    for (int32_t il = 0; il < c.n_layer; ++il) {
      const std::string p = "blk." + std::to_string(il) + ".";
      const int64_t q_dim = int64_t(c.n_head) * c.head_dim;
      const int64_t kv_dim = int64_t(c.n_head_kv[size_t(il)]) * c.head_dim;
      QwenLayer l;
      l.attn_norm = b.Vector(p + "attn_norm.weight", c.n_embd);
      l.wq = b.Matrix(p + "attn_q.weight", q_dim, c.n_embd);
      l.wk = b.Matrix(p + "attn_k.weight", kv_dim, c.n_embd);
      l.wv = b.Matrix(p + "attn_v.weight", kv_dim, c.n_embd);
      l.bq = b.OptionalVector(p + "attn_q.bias", q_dim);
      l.bk = b.OptionalVector(p + "attn_k.bias", kv_dim);
      l.bv = b.OptionalVector(p + "attn_v.bias", kv_dim);
      if (arch_ != "qwen2") {
        l.q_norm = b.Vector(p + "attn_q_norm.weight", c.head_dim);
        l.k_norm = b.Vector(p + "attn_k_norm.weight", c.head_dim);
      }
      l.wo = b.Matrix(p + "attn_output.weight", c.n_embd, q_dim);
      l.ffn_norm = b.Vector(p + "ffn_norm.weight", c.n_embd);
      if (moe) {
        l.experts = shape;
        l.router = b.Matrix(p + "ffn_gate_inp.weight", shape.n_expert, c.n_embd);
        l.experts.gate = b.Experts(p + "ffn_gate_exps.weight", shape.n_expert, shape.n_ff, c.n_embd);
        l.experts.up = b.Experts(p + "ffn_up_exps.weight", shape.n_expert, shape.n_ff, c.n_embd);
        l.experts.down = b.Experts(p + "ffn_down_exps.weight", shape.n_expert, c.n_embd, shape.n_ff);
      } else {
        const int64_t n_ff = c.n_ff[size_t(il)];
        l.ffn.gate = b.Matrix(p + "ffn_gate.weight", n_ff, c.n_embd);
        l.ffn.up = b.Matrix(p + "ffn_up.weight", n_ff, c.n_embd);
        l.ffn.down = b.Matrix(p + "ffn_down.weight", c.n_embd, n_ff);
      }
      l.attn = {.n_head = c.n_head, .n_head_kv = c.n_head_kv[size_t(il)], .head_dim = c.head_dim,
                .cache_layer = il, .scale = 1.0f / std::sqrt(float(c.head_dim)),
                .rope = MakeRope(c.rope_scaling, ops::RopeLayout::kNeox, c.n_rot, c.rope_base)};
      layers_.push_back(std::move(l));
    }
    INGOT_RETURN_IF_ERROR(b.status());
    FillInfo(arch_, c, b);
    for (const QwenLayer& l : layers_) {
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
    const size_t T = batch.tokens.size();
    const size_t E = size_t(cfg_.n_embd);
    const size_t hd = size_t(cfg_.head_dim);
    Embed(batch, tok_embd_, 1.0f);
    for (const QwenLayer& l : layers_) {
      auto [q, k, v, attn] = NormAndProjectQkv(l.attn_norm, l.wq, l.wk, l.wv, T);
      float* h = h_.data();  // [T, n_embd] scratch from here on
      if (!l.bq.empty()) AddRows(q, T, l.bq);
      if (!l.bk.empty()) AddRows(k, T, l.bk);
      if (!l.bv.empty()) AddRows(v, T, l.bv);
      if (!l.q_norm.empty()) {
        NormRows(q, T * size_t(l.attn.n_head), hd, l.q_norm.data(), q);
        NormRows(k, T * size_t(l.attn.n_head_kv), hd, l.k_norm.data(), k);
      }
      RopeAndStore(batch, kv, l.attn, q, k, v);
      Attend(batch, kv, l.attn, q, attn);
      Linear(l.wo, attn, T, h);
      ops::Add(x_.data(), h, T * E);

      SwiGluResidual(l.ffn_norm, l.ffn, l.router, l.experts, expert_pass_, T, h,
                     l.router.empty() ? nullptr : Grow(f_, T * E));
    }
    return Status::Ok();
  }

  std::string arch_;
  BaseConfig cfg_;
  ops::TensorView tok_embd_;  // [n_vocab, n_embd]
  std::vector<QwenLayer> layers_;
  std::vector<float> f_;  // per-forward expert FFN buffer [T, n_embd] (MoE layers)
  ExpertPass expert_pass_;
  int32_t n_moe_layers_ = 0;
  uint64_t expert_bytes_ = 0;  // all experts of all layers
};

}  // namespace

Result<std::unique_ptr<Model>> LoadQwen(std::shared_ptr<const gguf::File> file, ThreadPool& pool) {
  INGOT_ASSIGN_OR_RETURN(auto arch, file->GetString("general.architecture"));
  auto model = std::make_unique<Qwen>(std::move(file), pool, arch.value_or(""));
  INGOT_RETURN_IF_ERROR(model->Bind());
  return std::unique_ptr<Model>(std::move(model));
}

}  // namespace ingot::model
