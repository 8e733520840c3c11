// Reference implementations of the per-row ops. Accumulations that llama.cpp does in double are done in double
// here too, so that results agree bit-closely with it.
#include "ops/ops.h"

#include <algorithm>
#include <cmath>
#include <vector>

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

}  // namespace

void RmsNorm(const float* x, const float* weight, float eps, size_t n, float* out) {
  double sum = 0.0;
  for (size_t i = 0; i < n; ++i) sum += double(x[i]) * double(x[i]);
  const float scale = 1.0f / std::sqrt(float(sum / double(n)) + eps);
  if (weight != nullptr) {
    for (size_t i = 0; i < n; ++i) out[i] = x[i] * scale * weight[i];
  } else {
    for (size_t i = 0; i < n; ++i) out[i] = x[i] * scale;
  }
}

void Rope(float* x, int32_t n_heads, int32_t head_dim, int32_t pos, const RopeParams& p) {
  const int32_t half = p.n_rot / 2;
  const float theta_scale = std::pow(p.freq_base, -2.0f / float(p.n_rot));
  for (int32_t h = 0; h < n_heads; ++h) {
    float* v = x + size_t(h) * size_t(head_dim);
    float theta = float(pos) * p.freq_scale;
    for (int32_t i = 0; i < half; ++i) {
      const float t = p.freq_factors ? theta / p.freq_factors[i] : theta;
      const float c = std::cos(t) * p.attn_factor;
      const float s = std::sin(t) * p.attn_factor;
      const int32_t a = p.layout == RopeLayout::kAdjacent ? 2 * i : i;
      const int32_t b = p.layout == RopeLayout::kAdjacent ? 2 * i + 1 : i + half;
      const float x0 = v[a];
      const float x1 = v[b];
      v[a] = x0 * c - x1 * s;
      v[b] = x0 * s + x1 * c;
      theta *= theta_scale;
    }
  }
}

void SwiGlu(float* gate, const float* up, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    const float g = gate[i];
    gate[i] = g / (1.0f + std::exp(-g)) * up[i];
  }
}

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
