// DecoderModel: what every decoder-only family shares — batch checks, per-forward buffers, token embedding,
// row-wise RMSNorm, projections, RoPE + KV store, batched attention over the paged cache, gated FFNs, and the
// output head (final norm, logits, soft-cap). A family binds its weights and writes RunLayers() from these steps.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "model/metadata.h"
#include "model/model.h"
#include "model/rope_config.h"
#include "model/weights.h"
#include "ops/attention.h"
#include "ops/matmul.h"
#include "ops/ops.h"

namespace ingot::model {

// Hyper-parameters most families read the same way ("<arch>.<key>"); per-layer values where GGUF allows arrays.
struct BaseConfig {
  int32_t n_layer = 0;
  int32_t n_embd = 0;
  int32_t n_head = 0;
  std::vector<int32_t> n_head_kv;  // [n_layer]
  std::vector<int32_t> n_ff;       // [n_layer]
  int32_t head_dim = 0;            // attention.key_length, else n_embd / n_head
  int32_t n_vocab = 0;             // rows of token_embd.weight
  int32_t n_ctx_train = 0;
  float rms_eps = 1e-5f;
  float rope_base = 10000.0f;
  RopeScaling rope_scaling;        // rope.scaling.* (linear, YaRN, LongRoPE magnitude)
  int32_t n_rot = 0;               // rope.dimension_count, else head_dim
};

// Reads BaseConfig; n_ff_required = false for families whose FFN width comes from elsewhere (MoE).
Result<BaseConfig> ReadBaseConfig(const gguf::File& file, const std::string& arch, bool n_ff_required = true);

// How one layer attends.
struct AttentionSpec {
  int32_t n_head = 0;
  int32_t n_head_kv = 0;
  int32_t head_dim = 0;     // for K and V alike
  int32_t cache_layer = 0;  // KvStore layer holding its K/V (a shared-KV layer reads an earlier layer's)
  int32_t window = 0;       // > 0: sliding window, a query at position p sees positions p - window + 1 .. p
  float scale = 1.0f;       // applied to q·k
  float softcap = 0.0f;     // > 0: scores = softcap · tanh(scores / softcap) (Gemma 2)
  ops::RopeParams rope;
};

// down(act(gate·x) ⊙ (up·x))
struct GatedFfn {
  ops::TensorView gate;     // [n_ff, n_embd]
  ops::TensorView up;       // [n_ff, n_embd]
  ops::TensorView gate_up;  // [2 * n_ff, n_embd], gate rows then up rows (Phi-3), when gate and up are empty
  ops::TensorView down;     // [n_embd, n_ff]
};

// Prefill runs the FFN over chunks of this many tokens (up to twice it: the last chunk takes the remainder) so
// that its [tokens, n_ff] buffers stay bounded (gate and up of a 512-token prompt of a 1B model: 16 MiB instead
// of 32 MiB; a 4096-token batch no longer needs 256 MiB). Per-token results do not depend on the chunking. The
// AMX GEMM decodes each weight panel once per chunk, so smaller chunks cost prefill speed (1B Q4_K_M pp512,
// 2 threads: 64 tokens -20%, 128 tokens -12%, 256 tokens -4% against one 512-token chunk).
constexpr size_t kFfnChunkTokens = 256;

enum class Activation {
  kSilu,     // SwiGLU (Llama, Qwen)
  kGeluF16,  // GeGLU with tanh-GELU as llama.cpp's CPU backend computes it (Gemma)
};

struct ExpertFfn;
class ExpertPass;

class DecoderModel : public Model {
 public:
  DecoderModel(std::shared_ptr<const gguf::File> file, ThreadPool& pool) : file_(std::move(file)), pool_(pool) {}
  const ModelInfo& info() const override { return info_; }
  Status Forward(const Batch& batch, KvStore& kv, std::vector<float>& logits) final;
  Status ForwardHidden(const Batch& batch, KvStore& kv, std::vector<float>& hidden) final;

 protected:
  // Runs every layer of the batch (checked by CheckBatch) and leaves the residual stream in x_ [T, n_embd].
  virtual Status RunLayers(const Batch& batch, KvStore& kv) = 0;

  // Binds output_norm.weight and output.weight (token_embd when tied); fills info_ from cfg and the binder.
  void BindOutput(WeightBinder& b, const BaseConfig& cfg, const ops::TensorView& tok_embd);
  void FillInfo(const std::string& arch, const BaseConfig& cfg, const WeightBinder& b);

  // x_ [T, n_embd] = table rows of the batch tokens × scale.
  void Embed(const Batch& batch, const ops::TensorView& table, float scale);
  // out[r] = RMSNorm(x[r]) ⊙ w (w may be null) for `rows` rows of `width`; out may alias x.
  void NormRows(const float* x, size_t rows, size_t width, const float* w, float* out);
  // y [T, w.rows] = x [T, w.cols] · Wᵀ
  void Linear(const ops::TensorView& w, const float* x, size_t T, float* y);
  // y[t] += bias for T rows of bias.size()
  void AddRows(float* y, size_t T, const std::vector<float>& bias);
  // The attention inputs of a layer with separate Q/K/V projections: h_ = RMSNorm(x_) ⊙ norm, then q_, k_, v_
  // [T, w.rows] = h_ · Wᵀ in one shared matmul; `attn` is attn_ grown for the attention output [T, wq.rows].
  struct QkvRows {
    float* q;
    float* k;
    float* v;
    float* attn;
  };
  QkvRows NormAndProjectQkv(const std::vector<float>& norm, const ops::TensorView& wq, const ops::TensorView& wk,
                            const ops::TensorView& wv, size_t T);
  // Rotates q [T, n_head, head_dim] and k [T, n_head_kv, head_dim] (k may be null: a shared-KV layer) and stores
  // k, v into the cache layer of the spec.
  void RopeAndStore(const Batch& batch, KvStore& kv, const AttentionSpec& a, float* q, float* k, const float* v);
  // out [T, n_head * head_dim] = causal (windowed) attention of q over the cached K/V of every batch token.
  void Attend(const Batch& batch, KvStore& kv, const AttentionSpec& a, const float* q, float* out);
  // out [T, n_embd] = FFN(in [T, n_embd]), in token chunks (kFfnChunkTokens); gate and up share one matmul. out
  // may be in (a chunk's rows are read before they are written).
  void FeedForward(const GatedFfn& f, Activation act, const float* in, size_t T, float* out);
  // The FFN half of a llama/qwen-style block: x_ += SwiGLU FFN of RMSNorm(x_, norm), or the routed experts when
  // `router` is set. h and f are [T, n_embd] scratch; f is only used with a router (the dense FFN runs in place
  // in h). Defined in moe.cpp.
  void SwiGluResidual(const std::vector<float>& norm, const GatedFfn& ffn, const ops::TensorView& router,
                      const ExpertFfn& experts, ExpertPass& pass, size_t T, float* h, float* f);
  // Grows v to at least n floats and returns its data.
  static float* Grow(std::vector<float>& v, size_t n);

  std::shared_ptr<const gguf::File> file_;
  ThreadPool& pool_;
  ModelInfo info_;
  float rms_eps_ = 1e-5f;
  float final_softcap_ = 0.0f;     // > 0: logits = cap * tanh(logits / cap)
  std::vector<float> output_norm_;  // [n_embd]
  ops::TensorView output_;          // [n_vocab, n_embd]
  ops::ActivationBuffer act_;
  std::vector<float> x_;            // residual stream [T, n_embd]
  std::vector<float> h_, q_, k_, v_, attn_;  // per-forward buffers [T, width]: normed input, Q, K, V, attention

 private:
  Status CheckBatch(const Batch& batch, const KvStore& kv) const;
  // The block table of sequence `seq` for KvStore layer `cache_layer` (sliding layers: the sliding pool's).
  static const int32_t* BlockTable(const Batch& batch, const KvStore& kv, int32_t cache_layer, int32_t seq);
  Status RunAndNorm(const Batch& batch, KvStore& kv);

  std::vector<float> g_, u_, scores_, hidden_;  // FFN gate/up [chunk, n_ff]; attention scratch; output-normed rows
  std::vector<ops::AttentionToken> attn_tokens_;  // [T] per-token KV ranges of one Attend (reused: no allocation)
  size_t hidden_rows_ = 0;
};

}  // namespace ingot::model
