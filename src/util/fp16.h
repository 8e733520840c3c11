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

inline uint16_t F32ToF16(float f) {
  _Float16 h = static_cast<_Float16>(f);  // round to nearest even, as the hardware converter does
  uint16_t bits;
  std::memcpy(&bits, &h, 2);
  return bits;
}

}  // namespace ingot
