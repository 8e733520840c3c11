// Memory planner: will this model, at this context and parallelism, fit in this much memory? A pure function
// of the GGUF metadata and tensor table (nothing is loaded), shared by `ingot plan` and `ingot serve` (which
// refuses a configuration that cannot fit instead of failing later).
//
// KV cache per layer = tokens cached × n_kv_head × (head_dim_k + head_dim_v) × bytes per element of the KV type,
// where, per layer:
//   n_kv_head   <arch>.attention.head_count_kv (scalar or per-layer array; 0 = no attention, e.g. recurrent)
//   head_dim    <arch>.attention.key_length / value_length (…_swa on sliding layers where present), else
//               embedding_length / head_count
//   sliding     <arch>.attention.sliding_window_pattern: a bool array (true = sliding) or an integer N (every
//               Nth layer is global, the others slide); without a pattern, gemma2 alternates, others are global
//   shared      the last <arch>.attention.shared_kv_layers layers reuse earlier layers' KV and own no cache
//   tokens      global layers: ctx per sequence; sliding layers: min(ctx, window + ubatch) unless swa_full.
//               With shared_ctx (ingot's engine: --ctx-size is one budget for all sequences, KV in blocks of 16
//               tokens) global layers cache ctx tokens in all and sliding layers parallel × window + ubatch
//               (+ 2 blocks per sequence), at most ctx
// Weights are the tensor bytes of all parts. Compute buffers are an estimate for a CPU forward pass over
// `ubatch` tokens: activations (F32) of the widest layer, the logits of the batch, attention scratch and a
// fixed 64 MiB for the runtime.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gguf/gguf.h"
#include "quant/dtype.h"
#include "util/status.h"

namespace ingot::store {

struct KvLayer {
  int32_t n_kv_head = 0;   // 0: this layer has no KV cache of its own
  int32_t head_dim_k = 0;
  int32_t head_dim_v = 0;
  bool sliding = false;
  bool shared = false;     // reads another layer's cache
};

// Shape facts the plan needs, read from the metadata.
struct ModelShape {
  std::string architecture;
  int32_t n_layer = 0;
  int32_t n_embd = 0;
  int32_t n_head = 0;
  int32_t n_vocab = 0;
  int64_t n_ff_max = 0;        // widest feed-forward (expert width × experts used for MoE layers)
  int64_t ctx_train = 0;       // 0: unknown
  int64_t sliding_window = 0;  // 0: none
  std::vector<KvLayer> layers;
  uint64_t weight_bytes = 0;   // tensor bytes of this file
};

Result<ModelShape> ReadModelShape(const gguf::File& file);

struct PlanOptions {
  int64_t ctx = 0;         // tokens per sequence; 0: the training context capped at 8192
  int32_t parallel = 1;    // sequences decoded together (each with its own ctx)
  DType kv_type = DType::kF16;  // F32, F16, Q8_0 or Q4_0
  int32_t ubatch = 512;    // tokens per prefill step
  bool swa_full = false;   // sliding layers keep the whole context (engines without window trimming)
  bool shared_ctx = false; // ctx is one budget shared by the parallel sequences (ingot serve's --ctx-size)
  uint64_t extra_weight_bytes = 0;  // tensors in the other parts of a split model
  uint64_t memory = 0;     // budget in bytes; 0: do not judge the fit
};

// KV cache of one kind of layer ("global", "sliding 1024", "shared", "none").
struct KvGroup {
  std::string kind;
  int32_t n_layers = 0;
  int64_t tokens = 0;            // tokens cached per sequence by each layer of the group (shared_ctx: in all)
  uint64_t bytes_per_token = 0;  // summed over the group's layers
  uint64_t bytes = 0;            // for all sequences
};

struct MemoryPlan {
  int64_t ctx = 0;  // resolved per-sequence context (shared_ctx: the whole budget)
  int32_t parallel = 1;
  bool shared_ctx = false;
  DType kv_type = DType::kF16;
  uint64_t weights = 0;
  std::vector<KvGroup> kv;
  uint64_t kv_bytes = 0;
  uint64_t compute = 0;
  uint64_t total = 0;
  uint64_t memory = 0;        // the budget judged against (0: none)
  bool fits = true;           // total <= memory (true without a budget)
  int64_t max_ctx_fit = 0;    // largest context (as ctx) that fits, ≤ the training context; 0: none or no budget
};

// Pure: the plan for a shape. Errors: bad options (ctx < 0, parallel < 1, unsupported KV type, a quantized KV
// type whose row size is not a multiple of its block).
Result<MemoryPlan> PlanMemory(const ModelShape& shape, const PlanOptions& options);
// ReadModelShape + PlanMemory.
Result<MemoryPlan> PlanMemory(const gguf::File& file, const PlanOptions& options);

// For a server deciding whether to start: ok when the plan fits (or has no budget), else kResourceExhausted
// saying what is needed, what is available and what would fit, e.g. "needs 9.12 GiB (weights 4.68 GiB, KV cache
// 4.00 GiB, compute 0.44 GiB) but 8.00 GiB is available; at most 12288 tokens per sequence fit".
Status CheckFits(const MemoryPlan& plan);

}  // namespace ingot::store
