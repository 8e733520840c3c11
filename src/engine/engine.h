// The inference engine: one model, many concurrent requests (continuous batching over a paged KV cache).
// Callers submit token prompts and receive tokens through callbacks; the engine knows nothing of HTTP.
// Thread-safe: Submit/Cancel/GetStats may be called from any thread. Callbacks run on the engine thread and must
// be quick (copy the data and return).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/sample/params.h"
#include "util/status.h"

namespace ingot::tok {
class Tokenizer;
}

namespace ingot::engine {

enum class FinishReason { kStop, kLength, kCancelled, kError };
const char* FinishReasonName(FinishReason reason);  // "stop", "length", "cancelled", "error"

struct GenerateRequest {
  std::vector<int32_t> prompt;               // token ids, BOS included when the model wants it
  sample::SamplingParams sampling;
  int32_t max_tokens = -1;                   // -1: until EOS or the context is full
  std::vector<std::string> stop;             // stop strings (matched on the detokenized text, not emitted)
  bool ignore_eos = false;
  std::optional<std::chrono::steady_clock::time_point> deadline;  // cancelled (reason kCancelled) after this
};

struct TokenLogprob {
  int32_t token;
  float logprob;
};

// One generated token. `text` is the new, complete UTF-8 text (may be empty while a multi-byte character or a
// possible stop string is held back).
struct TokenEvent {
  int32_t token = -1;
  std::string text;
  float logprob = 0.0f;                      // when sampling.logprobs
  std::vector<TokenLogprob> top;             // when sampling.n_probs > 0
};

struct FinishEvent {
  FinishReason reason = FinishReason::kStop;
  Status status;                             // non-ok when reason == kError
  std::string text;                          // any held-back text released at the end
  int32_t prompt_tokens = 0;
  int32_t cached_tokens = 0;                 // prompt tokens reused from the prefix cache
  int32_t completion_tokens = 0;
  double queue_seconds = 0;                  // submit → admitted
  double prefill_seconds = 0;                // admitted → first token
  double decode_seconds = 0;                 // first token → finish
};

// Return false to cancel the request (client gone). Called on the engine thread.
using OnToken = std::function<bool(const TokenEvent&)>;
using OnFinish = std::function<void(const FinishEvent&)>;

struct EngineStats {
  int32_t requests_running = 0;
  int32_t requests_waiting = 0;
  int64_t kv_blocks_total = 0;
  int64_t kv_blocks_used = 0;
  int32_t kv_block_tokens = 0;
  uint64_t prompt_tokens_total = 0;          // prompt tokens processed (computed, not cached)
  uint64_t prompt_seconds_total_us = 0;
  uint64_t generated_tokens_total = 0;
  uint64_t decode_seconds_total_us = 0;
  uint64_t prefix_cache_queries_tokens = 0;
  uint64_t prefix_cache_hits_tokens = 0;
  uint64_t preemptions_total = 0;
  uint64_t steps_total = 0;                  // forward passes
  uint64_t busy_slots_sum = 0;               // sum over steps of sequences in the batch
};

struct ModelSummary {
  std::string name;              // general.name or file stem
  std::string path;
  std::string architecture;
  std::string quantization;      // dominant weight type, e.g. "Q4_K"
  uint64_t n_params = 0;
  int32_t n_ctx_train = 0;
  int32_t n_ctx = 0;             // per-sequence limit the engine enforces
  int32_t n_vocab = 0;
  int32_t n_embd = 0;
  size_t weight_bytes = 0;
  size_t kv_bytes = 0;           // KV memory reserved
  int32_t threads = 0;
  bool can_embed = false;
  std::string chat_template;     // tokenizer.chat_template, empty if none
};

class Engine {
 public:
  virtual ~Engine() = default;

  // Queues a request. Errors (returned, no callback): invalid sampling field, prompt longer than the
  // per-sequence context (kResourceExhausted, never truncated), queue full (kUnavailable).
  // On success the engine calls on_token zero or more times, then on_finish exactly once.
  virtual Result<uint64_t> Submit(GenerateRequest request, OnToken on_token, OnFinish on_finish) = 0;
  // Cancels a queued or running request; on_finish is called with kCancelled. Unknown ids are ignored.
  virtual void Cancel(uint64_t request_id) = 0;

  // Mean-pooled (or last-token) L2-normalized embedding of a prompt. kInvalidArgument when the model cannot embed.
  virtual Result<std::vector<float>> Embed(const std::vector<int32_t>& tokens) = 0;

  virtual EngineStats GetStats() const = 0;
  virtual const ModelSummary& summary() const = 0;
  virtual const tok::Tokenizer& tokenizer() const = 0;
};

}  // namespace ingot::engine
