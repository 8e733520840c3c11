// DecoderModel: shared config reading, per-forward steps on the thread pool, and the output head.
#include "model/decoder.h"

#include <algorithm>
#include <cmath>

#include "ops/attention.h"

namespace ingot::model {

Result<BaseConfig> ReadBaseConfig(const gguf::File& file, const std::string& arch, bool n_ff_required) {
  MetaReader m(file, arch);
  BaseConfig c;
  c.n_layer = int32_t(m.Int("block_count"));
  c.n_embd = int32_t(m.Int("embedding_length"));
  c.n_head = int32_t(m.Int("attention.head_count"));
  c.n_ctx_train = int32_t(m.Int("context_length", 2048));
  INGOT_RETURN_IF_ERROR(m.status());
  m.RequirePositive("block_count", c.n_layer, 1024);
  m.RequirePositive("embedding_length", c.n_embd, 1 << 16);
  m.RequirePositive("attention.head_count", c.n_head, 1024);
  INGOT_RETURN_IF_ERROR(m.status());
  for (int64_t v : m.PerLayerInt("attention.head_count_kv", c.n_layer, c.n_head)) {
    m.RequirePositive("attention.head_count_kv", v, c.n_head);
    c.n_head_kv.push_back(int32_t(v));
  }
  for (int64_t v : m.PerLayerInt("feed_forward_length", c.n_layer, n_ff_required ? std::nullopt
                                                                                 : std::optional<int64_t>(0))) {
    if (n_ff_required || v != 0) m.RequirePositive("feed_forward_length", v, 1 << 20);
    c.n_ff.push_back(int32_t(v));
  }
  c.head_dim = int32_t(m.Int("attention.key_length", c.n_embd / c.n_head));
  c.n_rot = int32_t(m.Int("rope.dimension_count", c.head_dim));
  c.rms_eps = m.Float("attention.layer_norm_rms_epsilon", 1e-5f);
  c.rope_base = m.Float("rope.freq_base", 10000.0f);
  INGOT_RETURN_IF_ERROR(m.status());
  INGOT_ASSIGN_OR_RETURN(c.rope_scaling, ReadRopeScaling(file, arch, c.n_ctx_train));
  m.RequirePositive("attention.key_length", c.head_dim, 1024);
  m.RequirePositive("rope.dimension_count", c.n_rot, c.head_dim);
  INGOT_RETURN_IF_ERROR(m.status());
  for (int32_t kv : c.n_head_kv) {
    if (c.n_head % kv != 0) {
      return Corrupt(file.path() + ": attention.head_count (" + std::to_string(c.n_head) +
                     ") is not a multiple of attention.head_count_kv (" + std::to_string(kv) + ")");
    }
  }
  if (c.n_rot % 2 != 0) return Corrupt(file.path() + ": " + arch + ".rope.dimension_count must be even");
  const gguf::TensorInfo* embd = file.FindTensor("token_embd.weight");
  if (embd == nullptr || embd->dims.size() != 2 || embd->dims[1] == 0 || embd->dims[1] > (1u << 24)) {
    return Corrupt(file.path() + ": missing 2-D tensor 'token_embd.weight'");
  }
  c.n_vocab = int32_t(embd->dims[1]);
  return c;
}

void DecoderModel::BindOutput(WeightBinder& b, const BaseConfig& cfg, const ops::TensorView& tok_embd) {
  output_norm_ = b.Vector("output_norm.weight", cfg.n_embd);
  output_ = b.OptionalMatrix("output.weight", cfg.n_vocab, cfg.n_embd);
  if (output_.empty()) output_ = tok_embd;  // tied embeddings
  rms_eps_ = cfg.rms_eps;
}

void DecoderModel::FillInfo(const std::string& arch, const BaseConfig& cfg, const WeightBinder& b) {
  info_.architecture = arch;
  auto name = file_->GetString("general.name");
  if (name.ok()) info_.name = name->value_or("");
  info_.n_vocab = cfg.n_vocab;
  info_.n_embd = cfg.n_embd;
  info_.n_layer = cfg.n_layer;
  info_.n_ctx_train = cfg.n_ctx_train;
  info_.n_params = b.n_params();
  info_.n_params_active = b.n_params();
  info_.weight_bytes = b.n_bytes();
}

float* DecoderModel::Grow(std::vector<float>& v, size_t n) {
  if (v.size() < n) v.resize(n);
  return v.data();
}

Status DecoderModel::CheckBatch(const Batch& batch, const KvStore& kv) const {
  for (const BatchToken& t : batch.tokens) {
    if (t.token < 0 || t.token >= info_.n_vocab) {
      return InvalidArgument("token id " + std::to_string(t.token) + " is outside the vocabulary (" +
                             std::to_string(info_.n_vocab) + ")");
    }
    if (t.pos < 0 || t.seq < 0 || size_t(t.seq) >= batch.block_tables.size() ||
        batch.block_tables[size_t(t.seq)] == nullptr ||
        (!batch.swa_block_tables.empty() &&
         (size_t(t.seq) >= batch.swa_block_tables.size() || batch.swa_block_tables[size_t(t.seq)] == nullptr))) {
      return InvalidArgument("batch token at position " + std::to_string(t.pos) + " of sequence " +
                             std::to_string(t.seq) + " has no block table");
    }
  }
  if (batch.swa_block_tables.empty() && kv.has_sliding() && kv.n_swa_blocks() < kv.n_blocks()) {
    return InvalidArgument("the KV store has a separate sliding-window pool but the batch has no block tables for it");
  }
  return Status::Ok();
}

const int32_t* DecoderModel::BlockTable(const Batch& batch, const KvStore& kv, int32_t cache_layer, int32_t seq) {
  const bool swa = kv.sliding(cache_layer) && !batch.swa_block_tables.empty();
  return (swa ? batch.swa_block_tables : batch.block_tables)[size_t(seq)];
}

Status DecoderModel::RunAndNorm(const Batch& batch, KvStore& kv) {
  INGOT_RETURN_IF_ERROR(CheckBatch(batch, kv));
  const size_t E = size_t(info_.n_embd);
  INGOT_RETURN_IF_ERROR(RunLayers(batch, kv));
  hidden_rows_ = 0;
  size_t n_out = 0;
  for (const BatchToken& t : batch.tokens) n_out += t.logits ? 1 : 0;
  Grow(hidden_, n_out * E);
  for (size_t t = 0; t < batch.tokens.size(); ++t) {
    if (!batch.tokens[t].logits) continue;
    ops::RmsNorm(&x_[t * E], output_norm_.data(), rms_eps_, E, &hidden_[hidden_rows_ * E]);
    ++hidden_rows_;
  }
  return Status::Ok();
}

Status DecoderModel::Forward(const Batch& batch, KvStore& kv, std::vector<float>& logits) {
  INGOT_RETURN_IF_ERROR(RunAndNorm(batch, kv));
  const size_t V = size_t(info_.n_vocab);
  logits.resize(hidden_rows_ * V);
  Linear(output_, hidden_.data(), hidden_rows_, logits.data());
  if (final_softcap_ > 0.0f) ops::SoftCap(logits.data(), logits.size(), final_softcap_);
  return Status::Ok();
}

Status DecoderModel::ForwardHidden(const Batch& batch, KvStore& kv, std::vector<float>& hidden) {
  INGOT_RETURN_IF_ERROR(RunAndNorm(batch, kv));
  hidden.assign(hidden_.begin(), hidden_.begin() + long(hidden_rows_ * size_t(info_.n_embd)));
  return Status::Ok();
}

void DecoderModel::Embed(const Batch& batch, const ops::TensorView& table, float scale) {
  const size_t E = size_t(info_.n_embd);
  const size_t T = batch.tokens.size();
  Grow(x_, T * E);
  pool_.ParallelFor(T, 1, [&](size_t b, size_t e) {
    for (size_t t = b; t < e; ++t) {
      ops::GetRow(table, size_t(batch.tokens[t].token), &x_[t * E]);
      if (scale != 1.0f) ops::Scale(&x_[t * E], E, scale);
    }
  });
}

void DecoderModel::NormRows(const float* x, size_t rows, size_t width, const float* w, float* out) {
  pool_.ParallelFor(rows, 1, [&](size_t b, size_t e) {
    for (size_t r = b; r < e; ++r) ops::RmsNorm(x + r * width, w, rms_eps_, width, out + r * width);
  });
}

void DecoderModel::Linear(const ops::TensorView& w, const float* x, size_t T, float* y) {
  ops::MatMul(pool_, w, x, T, w.cols, y, w.rows, act_);
}

void DecoderModel::AddRows(float* y, size_t T, const std::vector<float>& bias) {
  for (size_t t = 0; t < T; ++t) ops::Add(y + t * bias.size(), bias.data(), bias.size());
}

DecoderModel::QkvRows DecoderModel::NormAndProjectQkv(const std::vector<float>& norm, const ops::TensorView& wq,
                                                      const ops::TensorView& wk, const ops::TensorView& wv,
                                                      size_t T) {
  const size_t E = size_t(info_.n_embd);
  float* h = Grow(h_, T * E);
  QkvRows r{Grow(q_, T * wq.rows), Grow(k_, T * wk.rows), Grow(v_, T * wv.rows), Grow(attn_, T * wq.rows)};
  NormRows(x_.data(), T, E, norm.data(), h);
  const ops::MatMulOut outs[] = {{&wq, r.q, wq.rows}, {&wk, r.k, wk.rows}, {&wv, r.v, wv.rows}};
  ops::MatMulShared(pool_, outs, h, T, E, act_);
  return r;
}

void DecoderModel::RopeAndStore(const Batch& batch, KvStore& kv, const AttentionSpec& a, float* q, float* k,
                                const float* v) {
  const size_t q_dim = size_t(a.n_head) * size_t(a.head_dim);
  const size_t kv_dim = size_t(a.n_head_kv) * size_t(a.head_dim);
  pool_.ParallelFor(batch.tokens.size(), 1, [&](size_t b, size_t e) {
    for (size_t t = b; t < e; ++t) {
      const BatchToken& bt = batch.tokens[t];
      ops::Rope(q + t * q_dim, a.n_head, a.head_dim, bt.pos, a.rope);
      if (k == nullptr) continue;
      ops::Rope(k + t * kv_dim, a.n_head_kv, a.head_dim, bt.pos, a.rope);
      const int32_t* table = BlockTable(batch, kv, a.cache_layer, bt.seq);
      kv.Store(a.cache_layer, table[bt.pos / kv.block_size()], bt.pos % kv.block_size(), k + t * kv_dim,
               v + t * kv_dim);
    }
  });
}

void DecoderModel::Attend(const Batch& batch, KvStore& kv, const AttentionSpec& a, const float* q, float* out) {
  ops::PagedKv layer;
  layer.type = kv.type();
  layer.k = kv.k(a.cache_layer);
  layer.v = kv.v(a.cache_layer);
  layer.block_size = kv.block_size();
  layer.n_kv_head = a.n_head_kv;
  layer.head_dim_k = a.head_dim;
  layer.head_dim_v = a.head_dim;
  std::vector<ops::AttentionToken>& tokens = attn_tokens_;
  tokens.clear();
  for (const BatchToken& bt : batch.tokens) {
    tokens.push_back({BlockTable(batch, kv, a.cache_layer, bt.seq),
                      a.window > 0 ? std::max(0, bt.pos - a.window + 1) : 0, bt.pos + 1});
  }
  ops::AttentionParams ap;
  ap.n_head = a.n_head;
  ap.scale = a.scale;
  ap.softcap = a.softcap;
  ops::AttentionBatch(pool_, layer, ap, tokens, q, out, scores_);
}

void DecoderModel::FeedForward(const GatedFfn& f, Activation act, const float* in, size_t T, float* out) {
  const size_t E = f.down.rows;
  const size_t n_ff = f.down.cols;
  const bool fused = f.gate.empty();  // gate_up: [T, 2 * n_ff] rows, gate then up
  // Token chunks of kFfnChunkTokens..2 * kFfnChunkTokens - 1 (all of T when shorter).
  const size_t n_chunks = std::max<size_t>(1, T / kFfnChunkTokens);
  const size_t max_rows = (T + n_chunks - 1) / n_chunks;
  float* g = Grow(g_, max_rows * (fused ? 2 * n_ff : n_ff));
  float* u = fused ? g + n_ff : Grow(u_, max_rows * n_ff);
  const size_t stride = fused ? 2 * n_ff : n_ff;  // of g and u rows
  for (size_t c = 0; c < n_chunks; ++c) {
    const size_t t0 = T * c / n_chunks;
    const size_t rows = T * (c + 1) / n_chunks - t0;
    if (fused) {
      Linear(f.gate_up, in + t0 * E, rows, g);
    } else {
      const ops::MatMulOut outs[] = {{&f.gate, g, n_ff}, {&f.up, u, n_ff}};
      ops::MatMulShared(pool_, outs, in + t0 * E, rows, E, act_);
    }
    pool_.ParallelFor(rows, 1, [&](size_t b, size_t e) {
      for (size_t t = b; t < e; ++t) {
        if (act == Activation::kSilu) {
          ops::SwiGlu(g + t * stride, u + t * stride, n_ff);
        } else {
          ops::GeGluF16(g + t * stride, u + t * stride, n_ff);
        }
      }
    });
    ops::MatMul(pool_, f.down, g, rows, stride, out + t0 * E, E, act_);
  }
}

}  // namespace ingot::model
