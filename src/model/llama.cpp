// Llama: RMSNorm → attention with adjacent-pair RoPE and GQA → residual → RMSNorm → SwiGLU FFN → residual.
// Weights are views into the GGUF mapping; per-forward buffers are reused across calls (no per-token allocation).
#include "model/llama.h"

#include <algorithm>
#include <cmath>

#include "model/metadata.h"
#include "model/weights.h"
#include "ops/attention.h"
#include "ops/matmul.h"
#include "ops/ops.h"

namespace ingot::model {

namespace {

struct LlamaConfig {
  int32_t n_layer = 0;
  int32_t n_embd = 0;
  int32_t n_head = 0;
  int32_t n_head_kv = 0;
  int32_t head_dim = 0;
  int32_t n_ff = 0;
  int32_t n_vocab = 0;
  int32_t n_ctx_train = 0;
  float rms_eps = 1e-5f;
  ops::RopeParams rope;
};

// Every hyper-parameter, from metadata, in one place.
Result<LlamaConfig> ReadConfig(const gguf::File& file, int32_t n_vocab) {
  MetaReader m(file, "llama");
  LlamaConfig c;
  c.n_layer = int32_t(m.Int("block_count"));
  c.n_embd = int32_t(m.Int("embedding_length"));
  c.n_head = int32_t(m.Int("attention.head_count"));
  c.n_ff = int32_t(m.Int("feed_forward_length"));
  c.n_ctx_train = int32_t(m.Int("context_length", 2048));
  INGOT_RETURN_IF_ERROR(m.status());
  m.RequirePositive("block_count", c.n_layer, 1024);
  m.RequirePositive("embedding_length", c.n_embd, 1 << 16);
  m.RequirePositive("attention.head_count", c.n_head, 1024);
  m.RequirePositive("feed_forward_length", c.n_ff, 1 << 20);
  INGOT_RETURN_IF_ERROR(m.status());
  c.n_head_kv = int32_t(m.Int("attention.head_count_kv", c.n_head));
  c.head_dim = int32_t(m.Int("attention.key_length", c.n_embd / c.n_head));
  c.rms_eps = m.Float("attention.layer_norm_rms_epsilon", 1e-5f);
  c.n_vocab = n_vocab;
  c.rope.layout = ops::RopeLayout::kAdjacent;
  c.rope.n_rot = int32_t(m.Int("rope.dimension_count", c.head_dim));
  c.rope.freq_base = m.Float("rope.freq_base", 10000.0f);
  const std::string scaling = m.String("rope.scaling.type", "none");
  float factor = m.Float("rope.scaling.factor", 0.0f);
  if (scaling == "linear" && factor > 0.0f) {
    c.rope.freq_scale = 1.0f / factor;
  } else if (scaling != "none" && scaling != "linear") {
    return Unsupported(file.path() + ": rope scaling type '" + scaling + "' is not supported (supported: none, linear)");
  }
  INGOT_RETURN_IF_ERROR(m.status());
  m.RequirePositive("attention.head_count_kv", c.n_head_kv, c.n_head);
  m.RequirePositive("attention.key_length", c.head_dim, 1024);
  m.RequirePositive("rope.dimension_count", c.rope.n_rot, c.head_dim);
  INGOT_RETURN_IF_ERROR(m.status());
  if (c.n_head % c.n_head_kv != 0) {
    return Corrupt(file.path() + ": attention.head_count (" + std::to_string(c.n_head) +
                   ") is not a multiple of attention.head_count_kv (" + std::to_string(c.n_head_kv) + ")");
  }
  if (c.rope.n_rot % 2 != 0) return Corrupt(file.path() + ": llama.rope.dimension_count must be even");
  return c;
}

struct LlamaLayer {
  std::vector<float> attn_norm;  // [n_embd]
  ops::TensorView wq;            // [n_head * head_dim, n_embd]
  ops::TensorView wk;            // [n_head_kv * head_dim, n_embd]
  ops::TensorView wv;            // [n_head_kv * head_dim, n_embd]
  ops::TensorView wo;            // [n_embd, n_head * head_dim]
  std::vector<float> ffn_norm;   // [n_embd]
  ops::TensorView gate;          // [n_ff, n_embd]
  ops::TensorView up;            // [n_ff, n_embd]
  ops::TensorView down;          // [n_embd, n_ff]
};

class Llama final : public Model {
 public:
  Llama(std::shared_ptr<const gguf::File> file, ThreadPool& pool) : file_(std::move(file)), pool_(pool) {}

  Status Bind(int32_t n_vocab) {
    INGOT_ASSIGN_OR_RETURN(cfg_, ReadConfig(*file_, n_vocab));
    const LlamaConfig& c = cfg_;
    WeightBinder b(*file_);
    const int64_t q_dim = int64_t(c.n_head) * c.head_dim;
    const int64_t kv_dim = int64_t(c.n_head_kv) * c.head_dim;
    tok_embd_ = b.Matrix("token_embd.weight", c.n_vocab, c.n_embd);
    output_norm_ = b.Vector("output_norm.weight", c.n_embd);
    output_ = b.OptionalMatrix("output.weight", c.n_vocab, c.n_embd);
    if (output_.empty()) output_ = tok_embd_;  // tied embeddings
    rope_freqs_ = b.OptionalVector("rope_freqs.weight", c.rope.n_rot / 2);
    for (int32_t il = 0; il < c.n_layer; ++il) {
      const std::string p = "blk." + std::to_string(il) + ".";
      LlamaLayer l;
      l.attn_norm = b.Vector(p + "attn_norm.weight", c.n_embd);
      l.wq = b.Matrix(p + "attn_q.weight", q_dim, c.n_embd);
      l.wk = b.Matrix(p + "attn_k.weight", kv_dim, c.n_embd);
      l.wv = b.Matrix(p + "attn_v.weight", kv_dim, c.n_embd);
      l.wo = b.Matrix(p + "attn_output.weight", c.n_embd, q_dim);
      l.ffn_norm = b.Vector(p + "ffn_norm.weight", c.n_embd);
      l.gate = b.Matrix(p + "ffn_gate.weight", c.n_ff, c.n_embd);
      l.up = b.Matrix(p + "ffn_up.weight", c.n_ff, c.n_embd);
      l.down = b.Matrix(p + "ffn_down.weight", c.n_embd, c.n_ff);
      layers_.push_back(std::move(l));
    }
    INGOT_RETURN_IF_ERROR(b.status());
    if (!rope_freqs_.empty()) cfg_.rope.freq_factors = rope_freqs_.data();

    info_.architecture = "llama";
    auto name = file_->GetString("general.name");
    if (name.ok()) info_.name = name->value_or("");
    info_.n_vocab = c.n_vocab;
    info_.n_embd = c.n_embd;
    info_.n_layer = c.n_layer;
    info_.n_ctx_train = c.n_ctx_train;
    info_.n_params = b.n_params();
    info_.n_params_active = b.n_params();
    info_.weight_bytes = b.n_bytes();
    info_.kv.layers.assign(size_t(c.n_layer), KvLayerShape{c.n_head_kv, c.head_dim, c.head_dim});
    return Status::Ok();
  }

  const ModelInfo& info() const override { return info_; }

  Status Forward(const Batch& batch, KvStore& kv, std::vector<float>& logits) override {
    INGOT_RETURN_IF_ERROR(RunLayers(batch, kv));
    const size_t n_out = hidden_rows_;
    logits.resize(n_out * size_t(cfg_.n_vocab));
    ops::MatMul(pool_, output_, hidden_.data(), n_out, size_t(cfg_.n_embd), logits.data(), size_t(cfg_.n_vocab), act_);
    return Status::Ok();
  }

  Status ForwardHidden(const Batch& batch, KvStore& kv, std::vector<float>& hidden) override {
    INGOT_RETURN_IF_ERROR(RunLayers(batch, kv));
    hidden.assign(hidden_.begin(), hidden_.begin() + long(hidden_rows_ * size_t(cfg_.n_embd)));
    return Status::Ok();
  }

 private:
  // Runs every layer for the batch and leaves the output-normed hidden rows of the tokens that want logits in
  // hidden_ [hidden_rows_, n_embd].
  Status RunLayers(const Batch& batch, KvStore& kv) {
    const LlamaConfig& c = cfg_;
    const size_t T = batch.tokens.size();
    const size_t E = size_t(c.n_embd);
    const size_t q_dim = size_t(c.n_head) * size_t(c.head_dim);
    const size_t kv_dim = size_t(c.n_head_kv) * size_t(c.head_dim);
    for (const BatchToken& t : batch.tokens) {
      if (t.token < 0 || t.token >= c.n_vocab) {
        return InvalidArgument("token id " + std::to_string(t.token) + " is outside the vocabulary (" +
                               std::to_string(c.n_vocab) + ")");
      }
    }
    x_.resize(T * E);
    h_.resize(T * E);
    q_.resize(T * q_dim);
    k_.resize(T * kv_dim);
    v_.resize(T * kv_dim);
    attn_.resize(T * q_dim);
    g_.resize(T * size_t(c.n_ff));
    u_.resize(T * size_t(c.n_ff));

    pool_.ParallelFor(T, 1, [&](size_t b, size_t e) {
      for (size_t t = b; t < e; ++t) ops::GetRow(tok_embd_, size_t(batch.tokens[t].token), &x_[t * E]);
    });
    int32_t max_kv = 0;
    for (const BatchToken& t : batch.tokens) max_kv = std::max(max_kv, t.pos + 1);
    scores_.resize(size_t(pool_.size()) * ops::AttentionScratchFloats(max_kv));

    for (int32_t il = 0; il < c.n_layer; ++il) {
      const LlamaLayer& l = layers_[size_t(il)];
      NormRows(x_.data(), l.attn_norm.data(), T, h_.data());
      ops::MatMul(pool_, l.wq, h_.data(), T, E, q_.data(), q_dim, act_);
      ops::MatMul(pool_, l.wk, h_.data(), T, E, k_.data(), kv_dim, act_);
      ops::MatMul(pool_, l.wv, h_.data(), T, E, v_.data(), kv_dim, act_);
      pool_.ParallelFor(T, 1, [&](size_t b, size_t e) {
        for (size_t t = b; t < e; ++t) {
          const BatchToken& bt = batch.tokens[t];
          ops::Rope(&q_[t * q_dim], c.n_head, c.head_dim, bt.pos, c.rope);
          ops::Rope(&k_[t * kv_dim], c.n_head_kv, c.head_dim, bt.pos, c.rope);
          const int32_t* table = batch.block_tables[size_t(bt.seq)];
          kv.Store(il, table[bt.pos / kv.block_size()], bt.pos % kv.block_size(), &k_[t * kv_dim], &v_[t * kv_dim]);
        }
      });
      Attend(batch, kv, il);
      ops::MatMul(pool_, l.wo, attn_.data(), T, q_dim, h_.data(), E, act_);
      ops::Add(x_.data(), h_.data(), T * E);

      NormRows(x_.data(), l.ffn_norm.data(), T, h_.data());
      ops::MatMul(pool_, l.gate, h_.data(), T, E, g_.data(), size_t(c.n_ff), act_);
      ops::MatMul(pool_, l.up, h_.data(), T, E, u_.data(), size_t(c.n_ff), act_);
      pool_.ParallelFor(T, 1, [&](size_t b, size_t e) {
        ops::SwiGlu(&g_[b * size_t(c.n_ff)], &u_[b * size_t(c.n_ff)], (e - b) * size_t(c.n_ff));
      });
      ops::MatMul(pool_, l.down, g_.data(), T, size_t(c.n_ff), h_.data(), E, act_);
      ops::Add(x_.data(), h_.data(), T * E);
    }

    hidden_rows_ = 0;
    hidden_.resize(T * E);
    for (size_t t = 0; t < T; ++t) {
      if (!batch.tokens[t].logits) continue;
      ops::RmsNorm(&x_[t * E], output_norm_.data(), c.rms_eps, E, &hidden_[hidden_rows_ * E]);
      ++hidden_rows_;
    }
    return Status::Ok();
  }

  void NormRows(const float* x, const float* w, size_t T, float* out) {
    const size_t E = size_t(cfg_.n_embd);
    pool_.ParallelFor(T, 1, [&](size_t b, size_t e) {
      for (size_t t = b; t < e; ++t) ops::RmsNorm(x + t * E, w, cfg_.rms_eps, E, out + t * E);
    });
  }

  void Attend(const Batch& batch, KvStore& kv, int32_t il) {
    const LlamaConfig& c = cfg_;
    const size_t q_dim = size_t(c.n_head) * size_t(c.head_dim);
    const size_t n_items = batch.tokens.size() * size_t(c.n_head);
    const size_t per_thread = scores_.size() / size_t(pool_.size());
    pool_.Run([&](int thread, int n_threads) {
      float* scratch = scores_.data() + size_t(thread) * per_thread;
      for (size_t item = size_t(thread); item < n_items; item += size_t(n_threads)) {
        const size_t t = item / size_t(c.n_head);
        const int32_t head = int32_t(item % size_t(c.n_head));
        const BatchToken& bt = batch.tokens[t];
        ops::PagedKv pk;
        pk.type = kv.type();
        pk.k = kv.k(il);
        pk.v = kv.v(il);
        pk.block_size = kv.block_size();
        pk.n_kv_head = c.n_head_kv;
        pk.head_dim_k = c.head_dim;
        pk.head_dim_v = c.head_dim;
        pk.block_table = batch.block_tables[size_t(bt.seq)];
        ops::AttentionParams ap;
        ap.n_head = c.n_head;
        ap.scale = 1.0f / std::sqrt(float(c.head_dim));
        ap.kv_begin = 0;
        ap.kv_end = bt.pos + 1;
        ops::AttentionHead(&q_[t * q_dim], head, pk, ap, scratch, &attn_[t * q_dim + size_t(head) * size_t(c.head_dim)]);
      }
    });
  }

  std::shared_ptr<const gguf::File> file_;
  ThreadPool& pool_;
  LlamaConfig cfg_;
  ModelInfo info_;
  ops::TensorView tok_embd_;      // [n_vocab, n_embd]
  std::vector<float> output_norm_;
  ops::TensorView output_;        // [n_vocab, n_embd]
  std::vector<float> rope_freqs_; // [n_rot / 2] or empty
  std::vector<LlamaLayer> layers_;

  // Per-forward buffers, [n_tokens, width]; grown on demand and reused.
  std::vector<float> x_, h_, q_, k_, v_, attn_, g_, u_, scores_, hidden_;
  size_t hidden_rows_ = 0;
  ops::ActivationBuffer act_;
};

}  // namespace

Result<std::unique_ptr<Model>> LoadLlama(std::shared_ptr<const gguf::File> file, ThreadPool& pool) {
  const gguf::TensorInfo* embd = file->FindTensor("token_embd.weight");
  if (embd == nullptr || embd->dims.size() != 2) {
    return Corrupt(file->path() + ": missing 2-D tensor 'token_embd.weight'");
  }
  auto model = std::make_unique<Llama>(std::move(file), pool);
  INGOT_RETURN_IF_ERROR(model->Bind(int32_t(embd->dims[1])));
  return std::unique_ptr<Model>(std::move(model));
}

}  // namespace ingot::model
