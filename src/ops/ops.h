// Element-wise and per-row operations of transformer layers: RMSNorm, RoPE, gated activations, soft-capping.
// All operate in place or from/to float rows; none allocate. Model-agnostic: models compose them.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ingot::ops {

// out[i] = x[i] / sqrt(mean(x²) + eps) * (weight ? weight[i] : 1). out may alias x.
void RmsNorm(const float* x, const float* weight, float eps, size_t n, float* out);

enum class RopeLayout {
  kAdjacent,  // rotate pairs (x[2i], x[2i+1]) — llama.cpp "normal" mode (Llama, Mistral)
  kNeox,      // rotate pairs (x[i], x[i + n_rot/2]) — GPT-NeoX mode (Qwen, Gemma, Phi-3)
};

struct RopeParams {
  RopeLayout layout = RopeLayout::kAdjacent;
  int32_t n_rot = 0;                  // rotated dimensions per head (≤ head_dim; the rest pass through)
  float freq_base = 10000.0f;
  float freq_scale = 1.0f;            // linear scaling: position multiplied by this (1 / factor)
  const float* freq_factors = nullptr;  // [n_rot / 2] divisors of each frequency (Llama 3.1 rope_freqs), or null
  float attn_factor = 1.0f;           // cos and sin are multiplied by it (LongRoPE / YaRN magnitude scaling)
  // YaRN (as ggml computes it): ext_factor > 0 blends interpolated (freq_scale) and original frequencies with a
  // ramp over the dimension pairs between the correction dims of beta_fast and beta_slow for n_ctx_orig, and
  // multiplies the magnitude by 1 + 0.1 ln(1 / freq_scale).
  float ext_factor = 0.0f;
  int32_t n_ctx_orig = 0;
  float beta_fast = 32.0f;
  float beta_slow = 1.0f;
};

// Rotates n_heads heads of head_dim floats each (contiguous) for position pos. n_rot ≤ 1024.
void Rope(float* x, int32_t n_heads, int32_t head_dim, int32_t pos, const RopeParams& p);

// gate[i] = silu(gate[i]) * up[i]
void SwiGlu(float* gate, const float* up, size_t n);
// gate[i] = gelu_tanh(gate[i]) * up[i]
void GeGlu(float* gate, const float* up, size_t n);

// llama.cpp-compatible tanh-GELU, as ggml's CPU backend computes it: the input is rounded to f16 and the result
// is the f16-rounded GELU of that value (inputs ≤ -10 give 0, inputs ≥ 10 pass through). It differs from the
// exact formula by up to ~1e-3 relative; families whose reference is llama.cpp use it so logits agree to 1e-4.
void GeluF16(float* x, size_t n);
// gate[i] = GeluF16(gate[i]) * up[i]
void GeGluF16(float* gate, const float* up, size_t n);

// x = softmax(x) over n values (max subtracted, sum accumulated in double).
void Softmax(float* x, size_t n);

// x[i] = cap * tanh(x[i] / cap)
void SoftCap(float* x, size_t n, float cap);

// y[i] += x[i]
void Add(float* y, const float* x, size_t n);
// y[i] *= s
void Scale(float* y, size_t n, float s);

}  // namespace ingot::ops
