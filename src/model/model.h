// Model: a transformer bound to the weights of a GGUF file, with forward(batch) over a paged KV cache.
// One implementation per architecture family (llama.cpp naming); LoadModel picks it from general.architecture.
// Forward is called from one thread at a time (the engine thread); it uses the thread pool internally.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "gguf/gguf.h"
#include "model/kv_store.h"
#include "util/status.h"
#include "util/thread_pool.h"

namespace ingot::model {

// What every family exposes to the engine, the CLI and the planner.
struct ModelInfo {
  std::string architecture;     // general.architecture
  std::string name;             // general.name (may be empty)
  int32_t n_vocab = 0;
  int32_t n_embd = 0;
  int32_t n_layer = 0;
  int32_t n_ctx_train = 0;
  uint64_t n_params = 0;        // total parameters (all experts)
  uint64_t n_params_active = 0; // parameters used per token (MoE: routed experts only)
  size_t weight_bytes = 0;
  KvGeometry kv;                // what the KV cache must hold per token and layer
};

// Weight bytes the MoE expert passes of a model have read since it was loaded (measured: the experts the router
// chose, each read once per forward pass however many tokens chose it), to compare with the totals.
struct ExpertTraffic {
  uint64_t decode_steps = 0;    // forward passes of one token
  uint64_t decode_bytes = 0;    // expert bytes those read, all layers
  uint64_t prefill_tokens = 0;  // tokens of forward passes of several
  uint64_t prefill_bytes = 0;   // expert bytes those read
  uint64_t expert_bytes = 0;    // every expert of every layer (what a dense model of the same size reads)
};

// One token of a forward batch.
struct BatchToken {
  int32_t token = 0;
  int32_t pos = 0;              // position within its sequence
  int32_t seq = 0;              // index into Batch::block_tables
  bool logits = false;          // compute logits for this token
};

struct Batch {
  std::vector<BatchToken> tokens;
  // Per sequence: the KV blocks it owns, in order; must cover every position up to its tokens' positions.
  std::vector<const int32_t*> block_tables;
  // Per sequence, for sliding-window layers (KvStore::n_swa_blocks pool): the same logical layout, but only the
  // blocks holding positions some token of the batch can see need be valid. Empty: sliding layers use
  // block_tables (the store's sliding pool must then be as large as the full one).
  std::vector<const int32_t*> swa_block_tables;
};

class Model {
 public:
  virtual ~Model() = default;
  virtual const ModelInfo& info() const = 0;
  // Writes the K/V of every batch token into the cache and fills logits [n_tokens_with_logits, n_vocab]
  // in batch order. Positions must be consistent with what is already in the cache for each sequence.
  virtual Status Forward(const Batch& batch, KvStore& kv, std::vector<float>& logits) = 0;
  // Final hidden states (after the output norm) instead of logits: hidden [n_tokens_with_logits, n_embd].
  virtual Status ForwardHidden(const Batch& batch, KvStore& kv, std::vector<float>& hidden) = 0;
  // Expert weight reads so far; all zero for dense models.
  virtual ExpertTraffic expert_traffic() const { return {}; }
  // The longest sequence the caller will run (llama.cpp's n_ctx_seq); call before the first Forward. Phi-3's
  // LongRoPE uses its long factors when this exceeds rope.scaling.original_context_length, as llama.cpp does.
  virtual void SetSequenceContext(int32_t /*n_ctx_seq*/) {}
};

// Architectures LoadModel accepts, for error messages and `ingot version`.
std::vector<std::string> SupportedArchitectures();

// Binds a model to an open GGUF file (which must outlive it). Errors: unsupported architecture (listing the
// supported ones), missing or mis-shaped tensors (naming them), invalid metadata (naming the key).
Result<std::unique_ptr<Model>> LoadModel(std::shared_ptr<const gguf::File> file, ThreadPool& pool);

}  // namespace ingot::model
