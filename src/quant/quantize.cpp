// Reference quantizers for the 32-element formats and Q8_K. The Q4_0/Q4_1/Q5_0/Q5_1/Q8_0/Q8_1 rules are
// those llama.cpp uses to write model files (sign-preserving absmax scale, round half away from zero), so
// rows quantized here match llama-quantize's output byte for byte.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "quant/blocks.h"
#include "quant/dequant.h"
#include "util/fp16.h"

namespace ingot::quant {
namespace {

// The element of largest magnitude, with its sign (the first one on ties).
float SignedAbsMax(const float* x, int n) {
  float amax = 0, max = 0;
  for (int j = 0; j < n; ++j) {
    if (std::fabs(x[j]) > amax) {
      amax = std::fabs(x[j]);
      max = x[j];
    }
  }
  return max;
}

void MinMax(const float* x, int n, float* lo, float* hi) {
  *lo = x[0];
  *hi = x[0];
  for (int j = 1; j < n; ++j) {
    *lo = std::min(*lo, x[j]);
    *hi = std::max(*hi, x[j]);
  }
}

// Quantizes x*id + offset by truncation after adding 0.5 (ggml's rule), clamped to [0, qmax].
uint8_t TruncQuant(float v, float offset, int qmax) {
  return static_cast<uint8_t>(std::min(qmax, static_cast<int>(static_cast<int8_t>(v + offset))));
}

}  // namespace

void QuantQ4_0(const float* x, uint8_t* dst, size_t n) {
  for (size_t b = 0; b < n / kQK; ++b, x += kQK) {
    BlockQ4_0 blk;
    const float d = SignedAbsMax(x, kQK) / -8;
    const float id = d != 0 ? 1.0f / d : 0.0f;
    blk.d = F32ToF16(d);
    for (int j = 0; j < kQK / 2; ++j) {
      const uint8_t lo = TruncQuant(x[j] * id, 8.5f, 15);
      const uint8_t hi = TruncQuant(x[j + kQK / 2] * id, 8.5f, 15);
      blk.qs[j] = static_cast<uint8_t>(lo | (hi << 4));
    }
    std::memcpy(dst + b * sizeof(blk), &blk, sizeof(blk));
  }
}

void QuantQ4_1(const float* x, uint8_t* dst, size_t n) {
  for (size_t b = 0; b < n / kQK; ++b, x += kQK) {
    BlockQ4_1 blk;
    float lo, hi;
    MinMax(x, kQK, &lo, &hi);
    const float d = (hi - lo) / 15;
    const float id = d != 0 ? 1.0f / d : 0.0f;
    blk.d = F32ToF16(d);
    blk.m = F32ToF16(lo);
    for (int j = 0; j < kQK / 2; ++j) {
      const uint8_t q0 = TruncQuant((x[j] - lo) * id, 0.5f, 15);
      const uint8_t q1 = TruncQuant((x[j + kQK / 2] - lo) * id, 0.5f, 15);
      blk.qs[j] = static_cast<uint8_t>(q0 | (q1 << 4));
    }
    std::memcpy(dst + b * sizeof(blk), &blk, sizeof(blk));
  }
}

void QuantQ5_0(const float* x, uint8_t* dst, size_t n) {
  for (size_t b = 0; b < n / kQK; ++b, x += kQK) {
    BlockQ5_0 blk;
    const float d = SignedAbsMax(x, kQK) / -16;
    const float id = d != 0 ? 1.0f / d : 0.0f;
    blk.d = F32ToF16(d);
    uint32_t qh = 0;
    for (int j = 0; j < kQK / 2; ++j) {
      const uint8_t q0 = TruncQuant(x[j] * id, 16.5f, 31);
      const uint8_t q1 = TruncQuant(x[j + kQK / 2] * id, 16.5f, 31);
      blk.qs[j] = static_cast<uint8_t>((q0 & 0xF) | ((q1 & 0xF) << 4));
      qh |= uint32_t(q0 >> 4) << j;
      qh |= uint32_t(q1 >> 4) << (j + 16);
    }
    std::memcpy(blk.qh, &qh, 4);
    std::memcpy(dst + b * sizeof(blk), &blk, sizeof(blk));
  }
}

void QuantQ5_1(const float* x, uint8_t* dst, size_t n) {
  for (size_t b = 0; b < n / kQK; ++b, x += kQK) {
    BlockQ5_1 blk;
    float lo, hi;
    MinMax(x, kQK, &lo, &hi);
    const float d = (hi - lo) / 31;
    const float id = d != 0 ? 1.0f / d : 0.0f;
    blk.d = F32ToF16(d);
    blk.m = F32ToF16(lo);
    uint32_t qh = 0;
    for (int j = 0; j < kQK / 2; ++j) {
      const uint8_t q0 = TruncQuant((x[j] - lo) * id, 0.5f, 31);
      const uint8_t q1 = TruncQuant((x[j + kQK / 2] - lo) * id, 0.5f, 31);
      blk.qs[j] = static_cast<uint8_t>((q0 & 0xF) | ((q1 & 0xF) << 4));
      qh |= uint32_t(q0 >> 4) << j;
      qh |= uint32_t(q1 >> 4) << (j + 16);
    }
    std::memcpy(blk.qh, &qh, 4);
    std::memcpy(dst + b * sizeof(blk), &blk, sizeof(blk));
  }
}

void QuantQ8_0(const float* x, uint8_t* dst, size_t n) {
  for (size_t b = 0; b < n / kQK; ++b, x += kQK) {
    BlockQ8_0 blk;
    const float d = std::fabs(SignedAbsMax(x, kQK)) / 127;
    const float id = d != 0 ? 1.0f / d : 0.0f;
    blk.d = F32ToF16(d);
    for (int j = 0; j < kQK; ++j) blk.qs[j] = static_cast<int8_t>(std::round(x[j] * id));
    std::memcpy(dst + b * sizeof(blk), &blk, sizeof(blk));
  }
}

void QuantQ8_1(const float* x, uint8_t* dst, size_t n) {
  for (size_t b = 0; b < n / kQK; ++b, x += kQK) {
    BlockQ8_1 blk;
    const float d = std::fabs(SignedAbsMax(x, kQK)) / 127;
    const float id = d != 0 ? 1.0f / d : 0.0f;
    int sum = 0;
    for (int j = 0; j < kQK; ++j) {
      blk.qs[j] = static_cast<int8_t>(std::round(x[j] * id));
      sum += blk.qs[j];
    }
    blk.d = F32ToF16(d);
    blk.s = F32ToF16(d * sum);
    std::memcpy(dst + b * sizeof(blk), &blk, sizeof(blk));
  }
}

void QuantQ8_K(const float* x, uint8_t* dst, size_t n) {
  for (size_t b = 0; b < n / kQK_K; ++b, x += kQK_K) {
    BlockQ8_K blk{};
    const float max = SignedAbsMax(x, kQK_K);
    if (max != 0) {
      // Scale so that the extreme element maps to -127 (ggml's convention; keeps every q within int8).
      const float iscale = -127.0f / max;
      for (int j = 0; j < kQK_K; ++j) {
        blk.qs[j] = static_cast<int8_t>(std::min(127, RoundHalfEven(iscale * x[j])));
      }
      for (int g = 0; g < kQK_K / 16; ++g) {
        int sum = 0;
        for (int j = 0; j < 16; ++j) sum += blk.qs[16 * g + j];
        blk.bsums[g] = static_cast<int16_t>(sum);
      }
      blk.d = 1 / iscale;
    }
    std::memcpy(dst + b * sizeof(blk), &blk, sizeof(blk));
  }
}

}  // namespace ingot::quant
