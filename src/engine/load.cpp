// LoadEngine: open the GGUF, build tokenizer and model, size the KV cache, start the engine thread.
#include "engine/load.h"

#include <algorithm>
#include <filesystem>
#include <map>

#include "engine/batch_engine.h"
#include "engine/kv/kv_pools.h"
#include "engine/summary.h"
#include "util/cpu.h"

namespace ingot::engine {

namespace {
// Default total KV budget when the user gives none: enough for real conversations, small enough that a laptop
// does not reserve a 128k-token cache for a model trained on long contexts.
constexpr int32_t kDefaultCtxCap = 8192;
}  // namespace

Result<DType> KvCacheType(const std::string& name) {
  if (name == "f16") return DType::kF16;
  if (name == "f32") return DType::kF32;
  if (name == "q8_0") return DType::kQ8_0;
  return InvalidArgument("unsupported KV cache type '" + name + "' (supported: f16, f32, q8_0)");
}

Result<std::unique_ptr<Engine>> LoadEngine(const EngineOptions& options) {
  INGOT_ASSIGN_OR_RETURN(const DType kv_type, KvCacheType(options.kv_type));
  if (options.n_parallel < 1) return InvalidArgument("--parallel must be at least 1");
  if (options.pooling != "mean" && options.pooling != "last") {
    return InvalidArgument("unsupported pooling '" + options.pooling + "' (supported: mean, last)");
  }
  if (options.n_batch < 1) return InvalidArgument("--batch-size must be at least 1");
  INGOT_ASSIGN_OR_RETURN(auto file, gguf::File::Open(options.model_path));
  EngineParts parts;
  parts.file = std::shared_ptr<const gguf::File>(std::move(file));
  parts.pool = std::make_unique<ThreadPool>(options.n_threads);
  INGOT_ASSIGN_OR_RETURN(parts.tokenizer, tok::Tokenizer::FromGguf(*parts.file));
  INGOT_ASSIGN_OR_RETURN(parts.model, model::LoadModel(parts.file, *parts.pool));
  const model::ModelInfo& info = parts.model->info();
  if (parts.tokenizer->n_vocab() != info.n_vocab) {
    return Corrupt(options.model_path + ": the tokenizer has " + std::to_string(parts.tokenizer->n_vocab()) +
                   " tokens but token_embd.weight has " + std::to_string(info.n_vocab) + " rows");
  }

  EngineOptions opt = options;
  const int32_t train = info.n_ctx_train > 0 ? info.n_ctx_train : kDefaultCtxCap;
  if (opt.n_ctx <= 0) opt.n_ctx = std::min(train, kDefaultCtxCap);
  if (opt.n_seq_max_ctx <= 0) opt.n_seq_max_ctx = std::min(opt.n_ctx, train);
  opt.n_seq_max_ctx = std::min(opt.n_seq_max_ctx, opt.n_ctx);
  if (opt.n_ctx < 16) return InvalidArgument("--ctx-size must be at least 16 tokens");
  parts.model->SetSequenceContext(opt.n_seq_max_ctx);

  if (!info.kv.Supports(kv_type)) {
    return InvalidArgument("a " + options.kv_type + " KV cache needs head sizes that are multiples of 32; use f16");
  }
  // The KV cache is reserved up front: refuse a budget the machine cannot hold instead of dying later.
  const KvPools pools = PlanKvPools(info.kv, kv_type, opt.n_ctx, opt.n_parallel, opt.n_batch);
  const MemoryInfo mem = GetMemoryInfo();
  if (mem.available > 0 && pools.bytes > mem.available) {
    // The largest budget (a multiple of 256 tokens) whose pools take at most half of what is available.
    int32_t fits = 0;
    while (fits + 256 <= opt.n_ctx &&
           PlanKvPools(info.kv, kv_type, fits + 256, opt.n_parallel, opt.n_batch).bytes <= mem.available / 2) {
      fits += 256;
    }
    return ResourceExhausted("a KV cache of " + std::to_string(opt.n_ctx) + " tokens needs " +
                             std::to_string(pools.bytes >> 20) + " MiB but " + std::to_string(mem.available >> 20) +
                             " MiB of memory is available; use --ctx-size " + std::to_string(fits) + " or less");
  }

  ModelSummary summary = Summarize(*parts.file, info);
  summary.path = options.model_path;
  summary.threads = parts.pool->size();
  summary.can_embed = true;
  return std::unique_ptr<Engine>(std::make_unique<BatchEngine>(opt, std::move(parts), std::move(summary)));
}

}  // namespace ingot::engine
