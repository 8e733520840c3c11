// Creating an engine from a GGUF model file: load, validate, reserve the KV cache, start the engine thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "engine/engine.h"
#include "quant/dtype.h"
#include "util/status.h"

namespace ingot::engine {

struct EngineOptions {
  std::string model_path;
  int32_t n_ctx = 0;          // total KV budget in tokens shared by all sequences; 0 = model's training context
                              // (capped at 8192 by default so a laptop does not reserve 128k tokens of KV)
  int32_t n_seq_max_ctx = 0;  // per-sequence limit; 0 = min(n_ctx, model's training context)
  int32_t n_parallel = 4;     // sequences decoded together at most (more wait in the queue)
  int32_t n_threads = 0;      // 0 = physical cores
  int32_t max_queue = 64;     // waiting requests beyond which Submit fails with kUnavailable
  int32_t n_batch = 512;      // max tokens per forward pass (chunked prefill)
  std::string kv_type = "f16";  // f16 | f32 | q8_0 (head sizes multiple of 32)
  std::string pooling = "mean"; // embeddings: mean | last (last token's hidden state, for causal embedders)
};

Result<std::unique_ptr<Engine>> LoadEngine(const EngineOptions& options);

// The KV cache type named by --kv-type: "f16", "f32" or "q8_0".
Result<DType> KvCacheType(const std::string& name);

}  // namespace ingot::engine
