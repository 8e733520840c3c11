// RoPE scaling from GGUF metadata (<arch>.rope.scaling.*) as llama.cpp reads it: none, linear, YaRN (factor,
// original context, attn_factor; beta fast/slow and the log multiplier only for the architectures whose llama.cpp
// loader reads them, else its defaults), and LongRoPE's magnitude factor.
#pragma once

#include <cstdint>
#include <string>

#include "gguf/gguf.h"
#include "ops/ops.h"
#include "util/status.h"

namespace ingot::model {

struct RopeScaling {
  float freq_scale = 1.0f;   // 1 / rope.scaling.factor (linear, YaRN); 1 for type none
  float ext_factor = 0.0f;   // 1 for YaRN
  float attn_factor = 1.0f;  // magnitude of cos/sin before the op's YaRN factor: rope.scaling.attn_factor, and for
                             // YaRN mscale(factor) / (1 + 0.1 ln factor) as llama.cpp's context computes it
  int32_t n_ctx_orig = 0;    // rope.scaling.original_context_length, else the training context
  float beta_fast = 32.0f;   // YaRN correction range
  float beta_slow = 1.0f;
};

// Reads the scaling of `arch` (type defaults to linear, as in llama.cpp); unknown types are Unsupported.
// yarn_extras: also read rope.scaling.yarn_beta_fast / yarn_beta_slow / yarn_log_multiplier (mistral3).
Result<RopeScaling> ReadRopeScaling(const gguf::File& file, const std::string& arch, int32_t n_ctx_train,
                                    bool yarn_extras = false);

// The RoPE of a layer: layout, rotated dims and base with this scaling (unscaled: freq_scale 1, as Gemma's
// sliding layers; YaRN's ramp and magnitude still apply as in llama.cpp).
ops::RopeParams MakeRope(const RopeScaling& s, ops::RopeLayout layout, int32_t n_rot, float base, bool scaled = true);

}  // namespace ingot::model
