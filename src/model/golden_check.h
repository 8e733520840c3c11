// The golden comparison shared by golden_test.cpp (../shared/golden) and family_golden_test.cpp
// (tests/data/golden): our forward pass against llama.cpp's reference outputs in the format described in
// ../shared/golden/README.md. Teacher-forced: every step's reference top-10 logits must match ours within the
// tolerance; greedy: our argmax tokens must equal the reference up to the first step whose margin is below it.
#pragma once

#include <cstdint>
#include <string>

#include "quant/dtype.h"

namespace ingot::model {

// How closely a model must follow the reference.
struct Bar {
  float tol = 0;                // logits: absolute tolerance for the weight type
  bool self_spread = false;     // widen tol per entry to llama.cpp's own spread across its cross-checks
  int32_t flip_steps = 0;       // steps allowed beyond tol (expert-routing flips), each within flip_cap
  float flip_cap = 0;
  bool strict_tokens = false;   // argmax must equal the reference token at every step (Gemma 4 -soft files)
  bool long_in_one_batch = false;  // run the long entry as one batch (fast; checks windows in batched prefill)
  DType kv_type = DType::kF16;     // type of our KV cache (the references use f16)
};

// Runs every entry (and the long entry) of the reference JSON at golden_path against the GGUF at model_path,
// with gtest expectations; stem names the model in messages.
void CheckGolden(const std::string& model_path, const std::string& golden_path, const std::string& stem,
                 const Bar& bar);

}  // namespace ingot::model
