// Memory planner: model shape from GGUF metadata, KV cache per layer kind, compute estimate (see planner.h).
#include "store/planner.h"

#include <algorithm>
#include <map>
#include <optional>

#include "store/bytes.h"

namespace ingot::store {

namespace {

constexpr int32_t kMaxLayers = 4096;
constexpr int64_t kMaxDim = int64_t(1) << 24;
constexpr uint64_t kRuntimeOverhead = uint64_t(64) << 20;
constexpr int64_t kDefaultCtxCap = 8192;
constexpr int64_t kCtxSearchCap = int64_t(1) << 24;

// "<arch>.<key>" as an integer per layer: a scalar is broadcast; an array must have one entry per layer.
Result<std::optional<std::vector<int64_t>>> PerLayer(const gguf::File& f, const std::string& key, int32_t n_layer) {
  const gguf::Value* v = f.Find(key);
  if (v == nullptr) return std::optional<std::vector<int64_t>>();
  std::vector<int64_t> out;
  if (v->type == gguf::ValueType::kArray) {
    INGOT_ASSIGN_OR_RETURN(std::optional<std::vector<int64_t>> arr, f.GetIntArray(key));
    if (!arr || arr->size() != size_t(n_layer)) {
      return Corrupt(f.path() + ": " + key + " has " + std::to_string(arr ? arr->size() : 0) + " entries for " +
                     std::to_string(n_layer) + " layers");
    }
    out = std::move(*arr);
  } else {
    INGOT_ASSIGN_OR_RETURN(std::optional<int64_t> scalar, f.GetInt(key));
    out.assign(size_t(n_layer), scalar.value_or(0));
  }
  for (int64_t x : out) {
    if (x < 0 || x > kMaxDim) return Corrupt(f.path() + ": " + key + " value " + std::to_string(x) + " out of range");
  }
  return std::optional<std::vector<int64_t>>(std::move(out));
}

Result<int64_t> RequiredInt(const gguf::File& f, const std::string& key, int64_t max) {
  INGOT_ASSIGN_OR_RETURN(std::optional<int64_t> v, f.GetInt(key));
  if (!v) return Unsupported(f.path() + ": metadata key " + key + " is missing");
  if (*v <= 0 || *v > max) return Corrupt(f.path() + ": " + key + " = " + std::to_string(*v) + " is out of range");
  return *v;
}

Result<int64_t> OptionalInt(const gguf::File& f, const std::string& key, int64_t fallback) {
  INGOT_ASSIGN_OR_RETURN(std::optional<int64_t> v, f.GetInt(key));
  if (!v) return fallback;
  if (*v < 0 || *v > kMaxDim * 64) {
    return Corrupt(f.path() + ": " + key + " = " + std::to_string(*v) + " is out of range");
  }
  return *v;
}

// Which layers use a sliding window (see planner.h for the rules).
Result<std::vector<bool>> SlidingLayers(const gguf::File& f, const std::string& arch, int32_t n_layer, int64_t window) {
  std::vector<bool> sliding(size_t(n_layer), false);
  if (window <= 0) return sliding;
  const std::string key = arch + ".attention.sliding_window_pattern";
  const gguf::Value* v = f.Find(key);
  if (v != nullptr && v->type == gguf::ValueType::kArray) {
    INGOT_ASSIGN_OR_RETURN(std::optional<std::vector<bool>> arr, f.GetBoolArray(key));
    if (!arr || arr->size() != size_t(n_layer)) {
      return Corrupt(f.path() + ": " + key + " must have one entry per layer");
    }
    return *arr;
  }
  int64_t period = 0;
  if (v != nullptr) {
    INGOT_ASSIGN_OR_RETURN(period, OptionalInt(f, key, 0));
  } else if (arch == "gemma2") {
    period = 2;
  }
  for (int32_t il = 0; il < n_layer && period > 0; ++il) sliding[size_t(il)] = (il + 1) % period != 0;
  return sliding;
}

uint64_t KvRowBytes(DType type, int32_t head_dim) { return RowBytes(type, size_t(head_dim)); }

// Tokens per block of ingot's KV cache (engine/kv/kv_pools.h), for shared_ctx plans.
constexpr int64_t kEngineBlock = 16;

int64_t RoundToBlocks(int64_t tokens) { return (tokens + kEngineBlock - 1) / kEngineBlock * kEngineBlock; }

int64_t TokensCached(const KvLayer& layer, const ModelShape& shape, const PlanOptions& o, int64_t ctx) {
  const bool slides = layer.sliding && !o.swa_full && shape.sliding_window > 0;
  if (!o.shared_ctx) return slides ? std::min<int64_t>(ctx, shape.sliding_window + o.ubatch) : ctx;
  // As the engine's PlanKvPools: a window per sequence plus one step, two blocks of rounding per sequence.
  const int64_t all = RoundToBlocks(ctx);
  if (!slides) return all;
  const int64_t step = std::max<int64_t>(o.ubatch, o.parallel);
  return std::min(all, RoundToBlocks(o.parallel * shape.sliding_window + step) + 2 * kEngineBlock * o.parallel);
}

// KV groups and the compute estimate for one context; assumes validated options.
MemoryPlan Evaluate(const ModelShape& shape, const PlanOptions& o, int64_t ctx) {
  MemoryPlan plan;
  plan.ctx = ctx;
  plan.parallel = o.parallel;
  plan.shared_ctx = o.shared_ctx;
  plan.kv_type = o.kv_type;
  plan.weights = shape.weight_bytes + o.extra_weight_bytes;
  std::map<std::string, KvGroup> groups;
  int32_t max_q_dim = 0;
  int32_t max_kv_dim = 0;
  for (const KvLayer& l : shape.layers) {
    std::string kind = l.shared ? "shared" : l.n_kv_head == 0 ? "none" : l.sliding ? "sliding" : "global";
    if (kind == "sliding") {
      kind.push_back(' ');
      kind += std::to_string(shape.sliding_window);
    }
    KvGroup& g = groups[kind];
    g.kind = kind;
    ++g.n_layers;
    max_q_dim = std::max(max_q_dim, shape.n_head * l.head_dim_k);
    max_kv_dim = std::max(max_kv_dim, l.n_kv_head * std::max(l.head_dim_k, l.head_dim_v));
    if (l.shared || l.n_kv_head == 0) continue;
    g.tokens = TokensCached(l, shape, o, ctx);
    g.bytes_per_token +=
        uint64_t(l.n_kv_head) * (KvRowBytes(o.kv_type, l.head_dim_k) + KvRowBytes(o.kv_type, l.head_dim_v));
  }
  for (auto& [kind, g] : groups) {
    g.bytes = g.bytes_per_token * uint64_t(g.tokens) * uint64_t(o.shared_ctx ? 1 : o.parallel);
    plan.kv_bytes += g.bytes;
    plan.kv.push_back(g);
  }
  const uint64_t step_tokens = uint64_t(std::min<int64_t>(o.ubatch, o.shared_ctx ? ctx : ctx * o.parallel));
  const uint64_t act_floats = 4 * uint64_t(shape.n_embd) + uint64_t(max_q_dim) + 2 * uint64_t(max_kv_dim) +
                              3 * uint64_t(shape.n_ff_max);
  const uint64_t activations = step_tokens * act_floats * 4;
  const uint64_t logits = uint64_t(shape.n_vocab) * 4 * uint64_t(o.parallel);
  const uint64_t attention_scratch = uint64_t(shape.n_head) * uint64_t(ctx) * 4;
  plan.compute = activations + logits + attention_scratch + kRuntimeOverhead;
  plan.total = plan.weights + plan.kv_bytes + plan.compute;
  return plan;
}

}  // namespace

Result<ModelShape> ReadModelShape(const gguf::File& f) {
  ModelShape s;
  INGOT_ASSIGN_OR_RETURN(std::optional<std::string> arch, f.GetString("general.architecture"));
  if (!arch || arch->empty()) return Unsupported(f.path() + ": general.architecture is missing");
  s.architecture = *arch;
  const std::string p = s.architecture + ".";
  INGOT_ASSIGN_OR_RETURN(int64_t n_layer, RequiredInt(f, p + "block_count", kMaxLayers));
  s.n_layer = int32_t(n_layer);
  INGOT_ASSIGN_OR_RETURN(int64_t n_embd, RequiredInt(f, p + "embedding_length", kMaxDim));
  s.n_embd = int32_t(n_embd);
  INGOT_ASSIGN_OR_RETURN(std::optional<std::vector<int64_t>> heads, PerLayer(f, p + "attention.head_count", s.n_layer));
  if (!heads) return Unsupported(f.path() + ": metadata key " + p + "attention.head_count is missing");
  INGOT_ASSIGN_OR_RETURN(std::optional<std::vector<int64_t>> kv_heads,
                         PerLayer(f, p + "attention.head_count_kv", s.n_layer));
  if (!kv_heads) kv_heads = heads;
  s.n_head = int32_t(*std::max_element(heads->begin(), heads->end()));
  INGOT_ASSIGN_OR_RETURN(s.ctx_train, OptionalInt(f, p + "context_length", 0));
  INGOT_ASSIGN_OR_RETURN(s.sliding_window, OptionalInt(f, p + "attention.sliding_window", 0));
  INGOT_ASSIGN_OR_RETURN(int64_t key_len, OptionalInt(f, p + "attention.key_length", 0));
  INGOT_ASSIGN_OR_RETURN(int64_t value_len, OptionalInt(f, p + "attention.value_length", 0));
  INGOT_ASSIGN_OR_RETURN(int64_t key_len_swa, OptionalInt(f, p + "attention.key_length_swa", 0));
  INGOT_ASSIGN_OR_RETURN(int64_t value_len_swa, OptionalInt(f, p + "attention.value_length_swa", 0));
  INGOT_ASSIGN_OR_RETURN(int64_t shared, OptionalInt(f, p + "attention.shared_kv_layers", 0));
  INGOT_ASSIGN_OR_RETURN(std::vector<bool> sliding, SlidingLayers(f, s.architecture, s.n_layer, s.sliding_window));
  if (shared > n_layer) return Corrupt(f.path() + ": shared_kv_layers exceeds block_count");
  for (int32_t il = 0; il < s.n_layer; ++il) {
    KvLayer l;
    l.n_kv_head = int32_t((*kv_heads)[size_t(il)]);
    l.sliding = sliding[size_t(il)];
    l.shared = il >= s.n_layer - shared;
    const int64_t n_head = (*heads)[size_t(il)];
    const int64_t fallback = n_head > 0 ? n_embd / n_head : 0;
    const int64_t k = l.sliding && key_len_swa > 0 ? key_len_swa : key_len > 0 ? key_len : fallback;
    const int64_t v = l.sliding && value_len_swa > 0 ? value_len_swa : value_len > 0 ? value_len : fallback;
    if (l.n_kv_head > 0 && (k <= 0 || v <= 0 || k > kMaxDim || v > kMaxDim)) {
      return Corrupt(f.path() + ": cannot tell the head size of layer " + std::to_string(il));
    }
    l.head_dim_k = int32_t(k);
    l.head_dim_v = int32_t(v);
    s.layers.push_back(l);
  }
  INGOT_ASSIGN_OR_RETURN(std::optional<std::vector<int64_t>> ff, PerLayer(f, p + "feed_forward_length", s.n_layer));
  if (ff) s.n_ff_max = *std::max_element(ff->begin(), ff->end());
  INGOT_ASSIGN_OR_RETURN(int64_t expert_ff, OptionalInt(f, p + "expert_feed_forward_length", 0));
  INGOT_ASSIGN_OR_RETURN(int64_t experts_used, OptionalInt(f, p + "expert_used_count", 0));
  s.n_ff_max = std::max(s.n_ff_max, expert_ff * experts_used);
  INGOT_ASSIGN_OR_RETURN(int64_t n_vocab, OptionalInt(f, p + "vocab_size", 0));
  if (n_vocab == 0) {
    n_vocab = int64_t(f.ArrayLength("tokenizer.ggml.tokens").value_or(0));
  }
  s.n_vocab = int32_t(std::min<int64_t>(n_vocab, kMaxDim));
  for (const auto& t : f.tensors()) s.weight_bytes += t.n_bytes;
  return s;
}

Result<MemoryPlan> PlanMemory(const ModelShape& shape, const PlanOptions& o) {
  if (o.ctx < 0 || o.ctx > kCtxSearchCap) return InvalidArgument("context must be 0.." + std::to_string(kCtxSearchCap));
  if (o.parallel < 1 || o.parallel > 4096) return InvalidArgument("parallel must be 1..4096");
  if (o.ubatch < 1) return InvalidArgument("ubatch must be positive");
  const DType t = o.kv_type;
  if (t != DType::kF32 && t != DType::kF16 && t != DType::kQ8_0 && t != DType::kQ4_0) {
    return InvalidArgument("KV cache type must be f32, f16, q8_0 or q4_0, not " + std::string(DTypeName(t)));
  }
  for (const KvLayer& l : shape.layers) {
    if (l.n_kv_head > 0 && (!RowSizeOk(t, size_t(l.head_dim_k)) || !RowSizeOk(t, size_t(l.head_dim_v)))) {
      return InvalidArgument("KV cache type " + std::string(DTypeName(t)) + " needs head sizes that are multiples of " +
                             std::to_string(GetDTypeInfo(t).block_elems));
    }
  }
  const int64_t ctx = o.ctx > 0 ? o.ctx : shape.ctx_train > 0 ? std::min(shape.ctx_train, kDefaultCtxCap) : 4096;
  MemoryPlan plan = Evaluate(shape, o, ctx);
  plan.memory = o.memory;
  if (o.memory == 0) return plan;
  plan.fits = plan.total <= o.memory;
  // total grows with ctx: binary search the largest ctx that fits.
  int64_t lo = 0;
  int64_t hi = shape.ctx_train > 0 ? shape.ctx_train : kCtxSearchCap;
  while (lo < hi) {
    const int64_t mid = lo + (hi - lo + 1) / 2;
    if (Evaluate(shape, o, mid).total <= o.memory) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  plan.max_ctx_fit = lo >= 256 ? lo / 256 * 256 : lo;
  return plan;
}

Result<MemoryPlan> PlanMemory(const gguf::File& file, const PlanOptions& options) {
  INGOT_ASSIGN_OR_RETURN(ModelShape shape, ReadModelShape(file));
  return PlanMemory(shape, options);
}

Status CheckFits(const MemoryPlan& plan) {
  if (plan.fits) return Status::Ok();
  std::string m = "needs " + FormatBytes(double(plan.total)) + " (weights " + FormatBytes(double(plan.weights)) +
                  ", KV cache " + FormatBytes(double(plan.kv_bytes)) + ", compute " +
                  FormatBytes(double(plan.compute)) + ") for " + std::to_string(plan.ctx) + " tokens " +
                  (plan.shared_ctx ? "shared by " : "x ") + std::to_string(plan.parallel) + " sequences, but " +
                  FormatBytes(double(plan.memory)) + " is available; ";
  if (plan.max_ctx_fit > 0) {
    m += "at most " + std::to_string(plan.max_ctx_fit) + (plan.shared_ctx ? " tokens fit" : " tokens per sequence fit");
    if (plan.kv_type == DType::kF16 || plan.kv_type == DType::kF32) m += " (more with a q8_0 KV cache)";
  } else {
    m += "the weights and buffers alone do not fit: choose a smaller quantization or model";
  }
  return ResourceExhausted(m);
}

}  // namespace ingot::store
