// Half-precision conversions (IEEE f16 and bfloat16) used by tensor formats and the KV cache.
#pragma once

#include <cstdint>
#include <cstring>

namespace ingot {

inline float Bf16ToF32(uint16_t h) {
  uint32_t bits = uint32_t(h) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

// Round to nearest even; NaN stays NaN.
inline uint16_t F32ToBf16(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  if ((bits & 0x7fffffff) > 0x7f800000) return uint16_t((bits >> 16) | 64);
  bits += 0x7fff + ((bits >> 16) & 1);
  return uint16_t(bits >> 16);
}

// Exact conversion of every f16 bit pattern, precomputed (256 KiB): without F16C in the baseline build a
// scalar conversion is a library call, and attention over an f16 KV cache converts every cached value.
const float* F16Table();

inline float F16ToF32(uint16_t h) { return F16Table()[h]; }

// Round to nearest even, with overflow to infinity, subnormals and NaN handled (bit manipulation, so that it
// needs no compiler support for a half type).
inline uint16_t F32ToF16(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  const uint32_t sign = (x >> 16) & 0x8000u;
  const uint32_t abs = x & 0x7fffffffu;
  if (abs > 0x7f800000u) return uint16_t(sign | 0x7e00u);   // NaN
  if (abs >= 0x477ff000u) return uint16_t(sign | 0x7c00u);  // rounds to or beyond 65520: infinity
  if (abs < 0x38800000u) {                                  // below 2^-14: subnormal half (or zero)
    if (abs < 0x33000000u) return uint16_t(sign);           // below half the smallest subnormal
    const uint32_t mant = (abs & 0x7fffffu) | 0x800000u;
    const int shift = 126 - int(abs >> 23);                 // 14..24
    uint32_t h = mant >> shift;
    const uint32_t rem = mant & ((1u << shift) - 1);
    const uint32_t half = 1u << (shift - 1);
    if (rem > half || (rem == half && (h & 1))) ++h;
    return uint16_t(sign | h);
  }
  uint32_t h = ((abs - 0x38000000u) >> 13);                // rebias exponent 127 → 15
  const uint32_t rem = abs & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (h & 1))) ++h;
  return uint16_t(sign | h);
}

}  // namespace ingot
