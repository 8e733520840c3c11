// Reference implementations of the per-row ops. Accumulations that llama.cpp does in double are done in double
// here too, so that results agree bit-closely with it.
#include "ops/ops.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <vector>

#include "kernels/vec.h"
#include "util/fp16.h"

namespace ingot::ops {

namespace {

float GeluTanh(float x) {
  constexpr float kSqrt2OverPi = 0.79788456080286535587989211986876f;
  constexpr float kCoef = 0.044715f;
  return 0.5f * x * (1.0f + std::tanh(kSqrt2OverPi * x * (1.0f + kCoef * x * x)));
}

// GELU of every f16 value, rounded to f16, indexed by the f16 bit pattern (256 KB, built once).
const float* GeluF16Table() {
  static const std::vector<float> table = [] {
    std::vector<float> t(65536);
    for (uint32_t i = 0; i < 65536; ++i) t[i] = F16ToF32(F32ToF16(GeluTanh(F16ToF32(uint16_t(i)))));
    return t;
  }();
  return table.data();
}

inline float GeluF16One(float x, const float* table) {
  if (x <= -10.0f) return 0.0f;
  if (x >= 10.0f) return x;
  return table[F32ToF16(x)];
}

// YaRN's correction dim for a number of rotations over the original context: the dimension pair whose
// wavelength fits n_ctx_orig / n_rotations.
float YarnCorrDim(int32_t n_rot, int32_t n_ctx_orig, float rotations, float base) {
  return float(n_rot) * std::log(float(n_ctx_orig) / (rotations * 2.0f * float(M_PI))) / (2.0f * std::log(base));
}

}  // namespace

void RmsNorm(const float* x, const float* weight, float eps, size_t n, float* out) {
  // Eight independent partial sums: one chain of dependent double adds made the norms 2-3% of a prefill.
  constexpr size_t kChains = 8;
  double partial[kChains] = {};
  size_t i = 0;
  for (; i + kChains <= n; i += kChains) {
    for (size_t j = 0; j < kChains; ++j) partial[j] += double(x[i + j]) * double(x[i + j]);
  }
  double sum = 0.0;
  for (double p : partial) sum += p;
  for (; i < n; ++i) sum += double(x[i]) * double(x[i]);
  const float scale = 1.0f / std::sqrt(float(sum / double(n)) + eps);
  if (weight != nullptr) {
    for (i = 0; i < n; ++i) out[i] = x[i] * scale * weight[i];
  } else {
    for (i = 0; i < n; ++i) out[i] = x[i] * scale;
  }
}

void Rope(float* x, int32_t n_heads, int32_t head_dim, int32_t pos, const RopeParams& p) {
  const int32_t half = p.n_rot / 2;
  assert(half <= 512);
  const float theta_scale = std::pow(p.freq_base, -2.0f / float(p.n_rot));
  float mscale = p.attn_factor;
  float corr_low = 0.0f, corr_high = 0.0f;
  if (p.ext_factor != 0.0f) {
    corr_low = std::max(0.0f, std::floor(YarnCorrDim(p.n_rot, p.n_ctx_orig, p.beta_fast, p.freq_base)));
    corr_high = std::min(float(p.n_rot - 1), std::ceil(YarnCorrDim(p.n_rot, p.n_ctx_orig, p.beta_slow, p.freq_base)));
    mscale *= 1.0f + 0.1f * std::log(1.0f / p.freq_scale);
  }
  // cos and sin of every dimension pair, computed once for all heads.
  float cos_sin[2 * 512];
  float theta = float(pos);
  for (int32_t i = 0; i < half; ++i) {
    const float extrap = p.freq_factors ? theta / p.freq_factors[i] : theta;
    float t = p.freq_scale * extrap;
    if (p.ext_factor != 0.0f) {
      const float y = (float(i) - corr_low) / std::max(0.001f, corr_high - corr_low);
      const float mix = (1.0f - std::min(1.0f, std::max(0.0f, y))) * p.ext_factor;
      t = t * (1.0f - mix) + extrap * mix;
    }
    cos_sin[2 * i] = std::cos(t) * mscale;
    cos_sin[2 * i + 1] = std::sin(t) * mscale;
    theta *= theta_scale;
  }
  for (int32_t h = 0; h < n_heads; ++h) {
    float* v = x + size_t(h) * size_t(head_dim);
    for (int32_t i = 0; i < half; ++i) {
      const float c = cos_sin[2 * i];
      const float s = cos_sin[2 * i + 1];
      const int32_t a = p.layout == RopeLayout::kAdjacent ? 2 * i : i;
      const int32_t b = p.layout == RopeLayout::kAdjacent ? 2 * i + 1 : i + half;
      const float x0 = v[a];
      const float x1 = v[b];
      v[a] = x0 * c - x1 * s;
      v[b] = x0 * s + x1 * c;
    }
  }
}

void SwiGlu(float* gate, const float* up, size_t n) { kernels::SwiGlu(gate, up, n); }

void GeGlu(float* gate, const float* up, size_t n) {
  for (size_t i = 0; i < n; ++i) gate[i] = GeluTanh(gate[i]) * up[i];
}

void GeluF16(float* x, size_t n) {
  const float* table = GeluF16Table();
  for (size_t i = 0; i < n; ++i) x[i] = GeluF16One(x[i], table);
}

void GeGluF16(float* gate, const float* up, size_t n) {
  const float* table = GeluF16Table();
  for (size_t i = 0; i < n; ++i) gate[i] = GeluF16One(gate[i], table) * up[i];
}

void Softmax(float* x, size_t n) {
  if (n == 0) return;
  float max_v = x[0];
  for (size_t i = 1; i < n; ++i) max_v = std::max(max_v, x[i]);
  double sum = 0.0;
  for (size_t i = 0; i < n; ++i) {
    x[i] = std::exp(x[i] - max_v);
    sum += x[i];
  }
  const float inv = float(1.0 / sum);
  for (size_t i = 0; i < n; ++i) x[i] *= inv;
}

void SoftCap(float* x, size_t n, float cap) {
  for (size_t i = 0; i < n; ++i) x[i] = cap * std::tanh(x[i] / cap);
}

void Add(float* y, const float* x, size_t n) {
  for (size_t i = 0; i < n; ++i) y[i] += x[i];
}

void Scale(float* y, size_t n, float s) {
  for (size_t i = 0; i < n; ++i) y[i] *= s;
}

}  // namespace ingot::ops
