// Sampling parameters of one request (OpenAI / llama-server names). Plain data; validated by ValidateSampling.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "util/status.h"

namespace ingot::sample {

struct SamplingParams {
  float temperature = 0.8f;        // 0 = greedy (argmax, ties to the lowest id)
  int32_t top_k = 40;              // 0 or -1 (vLLM's spelling): disabled
  float top_p = 0.95f;             // 1: disabled
  float min_p = 0.05f;             // 0: disabled
  float repeat_penalty = 1.0f;     // llama.cpp style: divide positive logits / multiply negative ones
  int32_t repeat_last_n = 64;      // window of recent tokens the penalties look at (-1: whole context)
  float presence_penalty = 0.0f;   // OpenAI: -2..2
  float frequency_penalty = 0.0f;  // OpenAI: -2..2
  std::optional<uint64_t> seed;    // unset: random seed per request
  std::vector<std::pair<int32_t, float>> logit_bias;  // token id → bias added to its logit (-100 bans)
  int32_t n_probs = 0;             // return this many top alternatives with their logprobs (0..20)
  bool logprobs = false;           // return the chosen token's logprob
};

// InvalidArgument naming the offending field (OpenAI name) when a value is out of range.
Status ValidateSampling(const SamplingParams& params, int32_t n_vocab);

}  // namespace ingot::sample
