// Sequence: the engine-thread state of one request (tokens, KV blocks, sampler, streaming text state).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "engine/engine.h"
#include "engine/sample/sampler.h"
#include "engine/sample/stop.h"
#include "tokenizer/tokenizer.h"

namespace ingot::engine {

struct Sequence {
  using Clock = std::chrono::steady_clock;

  uint64_t id = 0;
  GenerateRequest request;
  OnToken on_token;
  OnFinish on_finish;
  std::optional<sample::Sampler> sampler;
  std::unique_ptr<tok::StreamDecoder> decoder;
  std::unique_ptr<sample::StopMatcher> stop;
  sample::SampleResult sample_result;

  std::vector<int32_t> tokens;   // prompt + generated so far
  int32_t n_prompt = 0;
  int32_t n_generated = 0;
  int32_t n_past = 0;            // tokens whose K/V are in the cache
  int32_t n_cached = 0;          // prompt tokens reused from the prefix cache at (first) admission
  bool admitted_once = false;
  std::vector<int32_t> blocks;   // block table
  // Block table of the sliding-window pool, same logical layout: -1 where a block was never needed (resumed
  // past the window) or has left the window; entries below swa_released are all -1.
  std::vector<int32_t> swa_blocks;
  int32_t swa_released = 0;
  int32_t n_registered = 0;      // leading full blocks registered in the prefix cache
  uint64_t chain_hash = 0;       // chain hash of the registered blocks
  bool cancel = false;
  bool finished = false;         // on_finish was called; retired after the step

  Clock::time_point t_submit;
  Clock::time_point t_admit;
  std::optional<Clock::time_point> t_first_token;
};

}  // namespace ingot::engine
