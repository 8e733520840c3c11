// Scalar helpers for the per-ISA translation units. Everything here has internal linkage (anonymous
// namespace), so each ISA's object file keeps its own copy compiled with its own flags; see kernel_table.h.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/kernel_table.h"
#include "quant/blocks.h"
#include "quant/dtype.h"

namespace ingot::kernels {
namespace {  // NOLINT: internal linkage on purpose, one copy per ISA

inline uint16_t LoadU16(const uint8_t* p) {
  uint16_t v;
  __builtin_memcpy(&v, p, 2);
  return v;
}

inline float LoadF32(const uint8_t* p) {
  float v;
  __builtin_memcpy(&v, p, 4);
  return v;
}

// Q4_K / Q5_K: the 8 6-bit scales and mins from the 12 packed bytes (layout in quant/blocks.h), four at a
// time in 32-bit words: sub-blocks 0-3 are the low 6 bits of bytes 0-3 (scales) and 4-7 (mins); sub-blocks
// 4-7 take their low 4 bits from the nibbles of bytes 8-11 and their top 2 bits from the top of bytes 0-7.
inline void UnpackK4(const uint8_t* q, uint8_t* sc, uint8_t* m) {
  uint32_t w[3];
  __builtin_memcpy(w, q, 12);
  const uint32_t sc_lo = w[0] & 0x3f3f3f3fu, m_lo = w[1] & 0x3f3f3f3fu;
  const uint32_t sc_hi = (w[2] & 0x0f0f0f0fu) | (((w[0] >> 6) & 0x03030303u) << 4);
  const uint32_t m_hi = ((w[2] >> 4) & 0x0f0f0f0fu) | (((w[1] >> 6) & 0x03030303u) << 4);
  __builtin_memcpy(sc, &sc_lo, 4);
  __builtin_memcpy(sc + 4, &sc_hi, 4);
  __builtin_memcpy(m, &m_lo, 4);
  __builtin_memcpy(m + 4, &m_hi, 4);
}

// Byte offsets of the fields of a Q8_K block (float d | int8 qs[256] | int16 bsums[16]).
constexpr size_t kQ8KQs = 4;
constexpr size_t kQ8KSums = 4 + quant::kQK_K;

// Expands a kernel templated on the number of activation rows (a FixedActsFn per count) into a RowDotFn.
using FixedActsFn = void (*)(size_t, const uint8_t*, const uint8_t*, size_t, float*, size_t);
template <FixedActsFn F1, FixedActsFn F2, FixedActsFn F3, FixedActsFn F4, FixedActsFn F5, FixedActsFn F6,
          FixedActsFn F7, FixedActsFn F8>
void ByActs(size_t k, const uint8_t* w, const uint8_t* act, size_t act_stride, size_t n_act, float* y,
            size_t y_stride) {
  static_assert(kMaxActs == 8);
  switch (n_act) {
    case 1: return F1(k, w, act, act_stride, y, y_stride);
    case 2: return F2(k, w, act, act_stride, y, y_stride);
    case 3: return F3(k, w, act, act_stride, y, y_stride);
    case 4: return F4(k, w, act, act_stride, y, y_stride);
    case 5: return F5(k, w, act, act_stride, y, y_stride);
    case 6: return F6(k, w, act, act_stride, y, y_stride);
    case 7: return F7(k, w, act, act_stride, y, y_stride);
    default: return F8(k, w, act, act_stride, y, y_stride);
  }
}

#define INGOT_BY_ACTS(kernel) \
  ByActs<kernel<1>, kernel<2>, kernel<3>, kernel<4>, kernel<5>, kernel<6>, kernel<7>, kernel<8>>

inline void SetDot(KernelTable& t, DType type, RowDotFn fn) { t.dot[static_cast<size_t>(type)] = fn; }

}  // namespace
}  // namespace ingot::kernels
